import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { browser, csrfFrom, signIn } from '../../support/browser-agent.ts';
import { startInstance, testPassword, type TestInstance } from '../../support/instance.ts';
import { seedAdminPortal, signInAdmin } from './support.ts';

let sesame: TestInstance;
let seed: Awaited<ReturnType<typeof seedAdminPortal>>;

beforeEach(async () => {
  sesame = await startInstance();
  seed = await seedAdminPortal(sesame.services);
});
afterEach(() => sesame.close());

async function postForm(path: string, fields: Record<string, string> = {}) {
  const { agent, csrf } = await signInAdmin(sesame.app);
  return agent
    .post(path)
    .type('form')
    .send({ _csrf: await csrf(), ...fields });
}

async function signInStatus(username: string, password: string) {
  const agent = browser(sesame.app);
  const page = await agent.get('/login');
  const answer = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), username, password });
  return answer.status;
}

describe('Users', () => {
  it('lists and searches users', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const all = (await agent.get('/admin/users')).text;
    expect(all).toContain('>alice</a>');
    expect(all).toContain('>root</a>');
    const found = (await agent.get('/admin/users?q=LIDDELL')).text;
    expect(found).toContain('>alice</a>');
    expect(found).not.toContain('>root</a>');
  });

  it('creates an administrator with a password', async () => {
    const created = await postForm('/admin/users/new', {
      username: 'carol',
      email: 'carol@example.com',
      firstName: 'Carol',
      lastName: 'Danvers',
      password: 'a long first password',
      isAdmin: '1',
    });
    const carol = await sesame.services.directory.findUser('carol');
    expect(created.headers.location).toBe(`/admin/users/${carol?.id}`);
    expect(carol?.is_admin).toBe(1);
    expect(await signInStatus('carol', 'a long first password')).toBe(303);

    const event = await sesame.services.db
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'user_create')
      .where('username', '=', 'carol')
      .executeTakeFirstOrThrow();
    expect(event.actor).toBe('root');
  });

  it('creates a user without a password', async () => {
    await postForm('/admin/users/new', { username: 'dave', email: 'dave@example.com' });
    const dave = await sesame.services.directory.findUser('dave');
    expect(dave?.password_hash).toBeNull();
    expect(dave?.is_admin).toBe(0);
  });

  it('edits a profile and shows the groups', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const page = await agent.get(`/admin/users/${seed.alice.id}`);
    expect(page.text).toContain(`href="/admin/groups/${seed.group.id}">engineers</a>`);

    const saved = await postForm(`/admin/users/${seed.alice.id}`, {
      username: 'alice',
      email: 'alice@wonderland.example',
      firstName: 'Alice',
      lastName: 'Kingsleigh',
      displayName: 'Alice K.',
    });
    expect(saved.status).toBe(303);
    const alice = await sesame.services.directory.requireUserById(seed.alice.id);
    expect(alice.email).toBe('alice@wonderland.example');
    expect(alice.display_name).toBe('Alice K.');
  });

  it('suspends a user and ends their sessions', async () => {
    const member = await signIn(sesame.app, 'alice', testPassword);
    const suspended = await postForm(`/admin/users/${seed.alice.id}/suspend`);
    expect(suspended.status).toBe(303);

    const console = await member.agent.get('/console');
    expect(console.status).toBe(303);
    expect(console.headers.location).toBe('/login');
    expect(await signInStatus('alice', testPassword)).toBe(401);

    await postForm(`/admin/users/${seed.alice.id}/activate`);
    expect(await signInStatus('alice', testPassword)).toBe(303);
  });

  it('sets a password', async () => {
    const saved = await postForm(`/admin/users/${seed.alice.id}/password`, {
      password: 'a brand new password',
      passwordConfirmation: 'a brand new password',
    });
    expect(saved.status).toBe(303);
    expect(await signInStatus('alice', testPassword)).toBe(401);
    expect(await signInStatus('alice', 'a brand new password')).toBe(303);
  });

  it('grants and removes administrator rights', async () => {
    await postForm(`/admin/users/${seed.alice.id}/admin`, { isAdmin: '1' });
    expect((await sesame.services.directory.requireUserById(seed.alice.id)).is_admin).toBe(1);
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    expect((await agent.get('/admin/users')).status).toBe(200);

    await postForm(`/admin/users/${seed.alice.id}/admin`, { isAdmin: '0' });
    expect((await sesame.services.directory.requireUserById(seed.alice.id)).is_admin).toBe(0);
    expect((await agent.get('/admin/users')).status).toBe(403);
  });

  it('deletes a user after confirmation', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const confirm = await agent.get(`/admin/users/${seed.alice.id}/delete`);
    expect(confirm.text).toContain('Delete User');

    const deleted = await agent
      .post(`/admin/users/${seed.alice.id}/delete`)
      .type('form')
      .send({ _csrf: await csrf() });
    expect(deleted.headers.location).toBe('/admin/users');
    expect(await sesame.services.directory.getUser(seed.alice.id)).toBeUndefined();
    expect((await agent.get('/admin/users')).text).toContain('User alice deleted.');
  });

  it('guards the last active administrator', async () => {
    const guarded: Array<[string, Record<string, string>, string]> = [
      [`/admin/users/${seed.root.id}/admin`, { isAdmin: '0' }, 'demoted'],
      [`/admin/users/${seed.root.id}/suspend`, {}, 'suspended'],
      [`/admin/users/${seed.root.id}/delete`, {}, 'deleted'],
    ];
    for (const [path, fields, change] of guarded) {
      const answer = await postForm(path, fields);
      expect(answer.status, path).toBe(409);
      expect(answer.text, path).toContain(
        `&#34;root&#34; is the last active administrator who can sign in and cannot be ${change}`,
      );
    }
    const root = await sesame.services.directory.requireUserById(seed.root.id);
    expect(root.is_admin).toBe(1);
    expect(root.status).toBe('active');
  });
});
