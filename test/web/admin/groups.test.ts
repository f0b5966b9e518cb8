import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signIn } from '../../support/browser-agent.ts';
import { startInstance, testPassword, type TestInstance } from '../../support/instance.ts';
import { seedAdminPortal, signInAdmin, withFields } from './support.ts';

let sesame: TestInstance;
let seed: Awaited<ReturnType<typeof seedAdminPortal>>;

beforeEach(async () => {
  sesame = await startInstance();
  seed = await seedAdminPortal(sesame.services);
});
afterEach(() => sesame.close());

describe('User Groups', () => {
  it('creates and renames a group', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const created = await agent
      .post('/admin/groups')
      .type('form')
      .send({ _csrf: await csrf(), name: 'analysts' });
    const group = await sesame.services.directory.requireGroup('analysts');
    expect(created.headers.location).toBe(`/admin/groups/${group.id}`);

    await agent
      .post(`/admin/groups/${group.id}/rename`)
      .type('form')
      .send({ _csrf: await csrf(), name: 'Data analysts' })
      .expect(303);
    expect((await sesame.services.directory.requireGroupById(group.id)).name).toBe('Data analysts');
    const list = await agent.get('/admin/groups');
    expect(list.text).toContain('>Data analysts</a>');
    expect(list.text).toContain('>engineers</a>');
  });

  it('adds and removes members', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const path = `/admin/groups/${seed.group.id}`;
    await agent
      .post(`${path}/members`)
      .type('form')
      .send({ _csrf: await csrf(), username: 'ROOT@example.com' })
      .expect(303);
    const members = async () =>
      (await sesame.services.directory.listMembers(seed.group.id)).map((user) => user.username);
    expect(await members()).toEqual(['alice', 'root']);
    expect((await agent.get(path)).text).toContain('root added.');

    await agent
      .post(`${path}/members/remove`)
      .type('form')
      .send({ _csrf: await csrf(), username: 'alice' })
      .expect(303);
    expect(await members()).toEqual(['root']);

    const { agent: alice } = await signIn(sesame.app, 'alice', testPassword);
    expect((await alice.get('/console')).text).not.toContain('data-app="databricks"');
  });

  it('binds applications from the group', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const analysts = await sesame.services.directory.createGroup('analysts', { actor: 'test' });
    await sesame.services.directory.addMember('analysts', 'root', { actor: 'test' });
    const path = `/admin/groups/${analysts.id}/applications`;

    await withFields(agent.post(path), { _csrf: await csrf(), slugs: 'databricks' }).expect(303);
    expect(
      (await sesame.services.applications.listBoundGroups('databricks')).map((group) => group.name),
    ).toEqual(['analysts', 'engineers']);
    const page = await agent.get(`/admin/groups/${analysts.id}`);
    expect(page.text).toMatch(/name="slugs" value="databricks" checked/);

    await withFields(agent.post(path), { _csrf: await csrf() }).expect(303);
    expect(
      (await sesame.services.applications.listBoundGroups('databricks')).map((group) => group.name),
    ).toEqual(['engineers']);
  });

  it('deletes a group after confirmation', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const confirm = await agent.get(`/admin/groups/${seed.group.id}/delete`);
    expect(confirm.text).toContain('1 membership');
    expect(confirm.text).toContain('Delete Group');

    await agent
      .post(`/admin/groups/${seed.group.id}/delete`)
      .type('form')
      .send({ _csrf: await csrf() })
      .expect(303);
    expect(await sesame.services.directory.listGroups()).toEqual([]);
    expect(await sesame.services.applications.listBoundGroups('databricks')).toEqual([]);
    expect((await agent.get('/admin/groups')).text).toContain('Group engineers deleted.');
  });
});
