import { afterEach, describe, expect, it } from 'vitest';
import type { FaultSettings } from '../support/databricks-scim/index.ts';
import { findRequests, type RequestRecord } from '../support/databricks-scim/requests.ts';
import {
  activate,
  createDatabricksApplication,
  remoteGroups,
  remoteUsers,
  seedBoundGroup,
  startSetup,
  type Setup,
} from './harness.ts';

const userCount = 12;
const wantedUsers = Object.fromEntries(
  Array.from({ length: userCount }, (_, index) => [`eng${index + 1}@example.com`, true]),
);

/**
 * Checks what every fault test must end with: the emulator holds exactly the wanted users and
 * group, and no create was sent for a user or group that already existed (no 409 answers).
 */
function expectInStep(setup: Setup) {
  expect(remoteUsers(setup)).toEqual(wantedUsers);
  expect(remoteGroups(setup)).toEqual({ Engineers: Object.keys(wantedUsers).sort() });
  const creates = findRequests(setup.scim.scim.requests, { method: 'POST' });
  expect(creates.filter((request) => request.status === 409)).toEqual([]);
  const created = creates
    .filter((request) => request.status === 201)
    .map(
      (request) =>
        (request.body as { userName?: string; displayName?: string }).userName ?? 'group',
    );
  expect(new Set(created).size).toBe(created.length);
}

describe('provisioning through faults', () => {
  let setup: Setup | undefined;
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  /** Provisions the seed with `faults` switched on once Activate's check request has passed. */
  async function provisionThrough(faults: FaultSettings, env: Record<string, string> = {}) {
    let scim: Setup['scim'] | undefined;
    let checked = false;
    setup = await startSetup({
      env,
      scim: {
        onRequest: () => {
          if (!checked) scim?.scim.faults.set(faults);
          checked = true;
        },
      },
    });
    scim = setup.scim;
    await createDatabricksApplication(setup);
    await seedBoundGroup(setup, userCount);
    await activate(setup);
    return setup;
  }

  it('gets through a storm of 429s without Retry-After', async () => {
    const done = await provisionThrough({ tooManyRequests: { requests: 30 } });
    expect(findRequests(done.scim.scim.requests, { status: 429 })).toHaveLength(30);
    expectInStep(done);
  });

  it('waits as long as Retry-After says before trying again', async () => {
    const times: Array<RequestRecord & { at: number }> = [];
    setup = await startSetup({
      env: { SESAME_SCIM_BACKOFF_MAX_MS: '5000' },
      scim: {
        onRequest: (request) => {
          if (times.length === 0 && request.status === 200)
            setup?.scim.scim.faults.set({ tooManyRequests: { requests: 2, retryAfterSeconds: 1 } });
          else times.push({ ...request, at: Date.now() });
        },
      },
    });
    await createDatabricksApplication(setup);
    await seedBoundGroup(setup, userCount);
    await activate(setup);

    expect(times[0]!.status).toBe(429);
    expect(times[1]!.status).toBe(429);
    // The first request after each 429 comes no sooner than the second it asked for.
    expect(times[1]!.at - times[0]!.at).toBeGreaterThanOrEqual(950);
    expect(times[2]!.at - times[1]!.at).toBeGreaterThanOrEqual(950);
    expectInStep(setup);
  });

  it('retries 500 REQUEST_LIMIT_EXCEEDED and 503 answers', async () => {
    const done = await provisionThrough({
      requestLimitExceededEvery: 3,
      unavailable: { requests: 5 },
    });
    expect(findRequests(done.scim.scim.requests, { status: 500 }).length).toBeGreaterThan(3);
    expect(findRequests(done.scim.scim.requests, { status: 503 })).toHaveLength(5);
    expectInStep(done);
  });

  it('looks a user up again after a 500 whose outcome is unknown', async () => {
    const done = await provisionThrough({ nullDetailEvery: 4 });
    expect(findRequests(done.scim.scim.requests, { status: 500 }).length).toBeGreaterThan(3);
    expectInStep(done);
  });

  it('gets through a server that hangs without answering', async () => {
    const done = await provisionThrough({ hang: { requests: 4 } });
    expect(findRequests(done.scim.scim.requests, { status: 0 })).toHaveLength(4);
    expectInStep(done);
  });

  it('adopts a user that a timed-out create made after all', async () => {
    // The first create times out at 500 ms but the server carries it out at 550 ms. The retry
    // waits at least 200 ms of backoff, so its lookup comes after the user exists.
    let scim: Setup['scim'] | undefined;
    setup = await startSetup({
      env: { SESAME_SCIM_BACKOFF_BASE_MS: '400', SESAME_SCIM_BACKOFF_MAX_MS: '400' },
      scim: {
        onRequest: (request) => {
          if (request.method === 'GET' && /\/Groups\?startIndex=1/.test(request.path))
            scim?.scim.faults.set({ hang: { requests: 1, answerAfterMs: 550 } });
        },
      },
    });
    scim = setup.scim;
    await createDatabricksApplication(setup);
    await seedBoundGroup(setup, userCount);
    await activate(setup);

    const posts = findRequests(setup.scim.scim.requests, { method: 'POST', resource: 'Users' });
    // The timed-out create and one create per other user: none for the adopted user again.
    expect(posts).toHaveLength(userCount);
    const lookups = findRequests(setup.scim.scim.requests, {
      method: 'GET',
      path: /filter=userName/,
    });
    expect(lookups).toHaveLength(1);
    expectInStep(setup);
  });
});
