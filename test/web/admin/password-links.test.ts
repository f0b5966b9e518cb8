import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPasswordLinks } from '../../../src/directory/password-links.ts';
import { signIn } from '../../support/browser-agent.ts';
import { startInstance, testPassword, type TestInstance } from '../../support/instance.ts';
import { seedAdminPortal, signInAdmin } from './support.ts';

let sesame: TestInstance;
let seed: Awaited<ReturnType<typeof seedAdminPortal>>;

beforeEach(async () => {
  sesame = await startInstance();
  seed = await seedAdminPortal(sesame.services);
});
afterEach(() => sesame.close());

const linkPattern = /id="password-link" class="monospace" value="([^"]+)"/;

async function createLink(userId: string) {
  const { agent, csrf } = await signInAdmin(sesame.app);
  return agent
    .post(`/admin/users/${userId}/password-link`)
    .type('form')
    .send({ _csrf: await csrf() });
}

const linkRows = () => sesame.services.db.selectFrom('password_links').selectAll().execute();

function linksService() {
  const { db, insights, config } = sesame.services;
  return createPasswordLinks(db, insights, { ttlSeconds: config.passwordLinkTtlSeconds });
}

describe('set-password links in the portal', () => {
  it('offers the button on the user page', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const page = await agent.get(`/admin/users/${seed.alice.id}`).expect(200);
    expect(page.text).toContain(`action="/admin/users/${seed.alice.id}/password-link"`);
    expect(page.text).toContain('Create set-password link');
  });

  it('shows the link once, with its expiry', async () => {
    const before = Date.now();
    const answer = await createLink(seed.alice.id);
    const after = Date.now();

    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.text).toContain('cannot show it again');
    const url = linkPattern.exec(answer.text)?.[1];
    expect(url).toMatch(/^http:\/\/localhost:8080\/set-password\/sesame_pl_[A-Za-z0-9_-]{43}$/);
    const expiresAt = /<time datetime="([^"]+)">/.exec(answer.text)?.[1];
    // The expiry is in whole seconds, 24 hours after the moment of creation.
    expect(Date.parse(expiresAt ?? '')).toBeGreaterThan(before - 1000 + 86_400_000);
    expect(Date.parse(expiresAt ?? '')).toBeLessThanOrEqual(after + 86_400_000);

    const token = url!.slice(url!.lastIndexOf('/') + 1);
    expect(await linksService().inspect(token)).toEqual({
      userId: seed.alice.id,
      username: 'alice',
    });
    const page = await (await signInAdmin(sesame.app)).agent.get(`/admin/users/${seed.alice.id}`);
    expect(page.text).not.toContain(token);
  });

  it('records the creation by the administrator', async () => {
    await createLink(seed.alice.id);
    const event = await sesame.services.db
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'user_update')
      .executeTakeFirstOrThrow();
    expect(event.actor).toBe('root');
    expect(event.username).toBe('alice');
    expect(JSON.parse(event.details)).toEqual({ passwordLink: 'created' });
  });

  it('rejects a POST without the CSRF token', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const answer = await agent.post(`/admin/users/${seed.alice.id}/password-link`).type('form');
    expect(answer.status).toBe(403);
    expect(linkPattern.test(answer.text)).toBe(false);
    expect(await linkRows()).toHaveLength(0);
  });

  it('rejects a non-administrator', async () => {
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent
      .post(`/admin/users/${seed.alice.id}/password-link`)
      .type('form')
      .send({ _csrf: csrf });
    expect(answer.status).toBe(403);
    expect(await linkRows()).toHaveLength(0);
  });

  it('rejects a suspended user', async () => {
    await sesame.services.directory.setStatusById(seed.alice.id, 'suspended', { actor: 'test' });
    const { agent, csrf } = await signInAdmin(sesame.app);
    const page = await agent.get(`/admin/users/${seed.alice.id}`);
    expect(page.text).not.toContain('Create set-password link');

    const answer = await agent
      .post(`/admin/users/${seed.alice.id}/password-link`)
      .type('form')
      .send({ _csrf: await csrf(`/admin/users/${seed.alice.id}`) });
    expect(answer.status).toBe(409);
    expect(answer.text).toContain(
      'User &#34;alice&#34; is suspended; activate the user before creating a set-password link',
    );
    expect(await linkRows()).toHaveLength(0);
  });

  it('returns 404 for an unknown user', async () => {
    const answer = await createLink('no-such-id');
    expect(answer.status).toBe(404);
    expect(await linkRows()).toHaveLength(0);
  });
});
