import { afterEach, describe, expect, it } from 'vitest';
import { findRequests } from '../support/databricks-scim/requests.ts';
import {
  by,
  createDatabricksApplication,
  createUsers,
  remoteUsers,
  scimToken,
  startSetup,
  type Setup,
} from './harness.ts';

describe('the rate limit per Databricks account', () => {
  let setup: Setup | undefined;
  afterEach(async () => {
    await setup?.close();
  });

  it('is shared by two applications whose Base URLs name the same account', async () => {
    // Sesame and the emulator both allow 25 requests per second. Separate buckets per
    // application would send up to 50 per second and draw 429s.
    setup = await startSetup({
      env: { SESAME_SCIM_RATE_PER_SECOND: '25' },
      scim: { ratePerSecond: 25 },
    });
    const { directory, applications, provisioning } = setup.sesame.services;
    await createDatabricksApplication(setup, 'first');
    await createDatabricksApplication(setup, 'second');
    const users = await createUsers(setup, 'eng', 30);
    const group = await directory.createGroup('Engineers', by);
    for (const user of users) await directory.addMember('Engineers', user.username, by);
    await applications.bind('first', group.id, group.name, by);
    await applications.bind('second', group.id, group.name, by);

    // Both URLs name the same account; the second one in its /api/2.1 form.
    const second = setup.scim.baseUrl.replace('/api/2.0/', '/api/2.1/');
    await provisioning.activate('first', { baseUrl: setup.scim.baseUrl, token: scimToken }, by);
    await provisioning.activate('second', { baseUrl: second, token: scimToken }, by);
    await Promise.all([provisioning.whenIdle('first'), provisioning.whenIdle('second')]);

    expect(findRequests(setup.scim.scim.requests, { status: 429 })).toEqual([]);
    // Both applications provision the same 30 people; each exists once in Databricks.
    const creates = findRequests(setup.scim.scim.requests, { method: 'POST', resource: 'Users' });
    expect(creates.filter((request) => request.status === 201)).toHaveLength(30);

    // The first application still grants access, so unbinding the group from the second one
    // must not deactivate anybody.
    await applications.unbind('second', group.id, by);
    await provisioning.whenIdle('second');
    expect(Object.values(remoteUsers(setup)).every((active) => active)).toBe(true);
    expect(findRequests(setup.scim.scim.requests, { method: 'PATCH', resource: 'Users' })).toEqual(
      [],
    );
  }, 30_000);
});
