import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import { testPassword } from '../support/instance.ts';
import { createGroup, createUser, patchUrn, startScim, type ScimTest } from './support.ts';

const by = { actor: 'admin' };

describe('what a SCIM token may not do', () => {
  let scim: ScimTest;
  let adminId: string;
  beforeEach(async () => {
    scim = await startScim();
    const admin = await scim.sesame.services.directory.createUser(
      { username: 'boss', email: 'boss@example.com', password: testPassword, isAdmin: true },
      by,
    );
    adminId = admin.id;
  });
  afterEach(async () => {
    await scim.close();
  });

  const patch = (id: string, resource: 'Users' | 'Groups', operations: unknown[]) =>
    scim.call('patch', `/${resource}/${id}`, { schemas: [patchUrn], Operations: operations });

  it.each([
    ['userName', [{ op: 'replace', path: 'userName', value: 'zz-locked' }], /userName/],
    [
      'emails',
      [{ op: 'replace', path: 'emails', value: [{ value: 'nobody@example.com', primary: true }] }],
      /emails/,
    ],
    ['active', [{ op: 'replace', path: 'active', value: false }], /active/],
  ])("rejects a change to an administrator's %s", async (_field, operations, named) => {
    const answer = await patch(adminId, 'Users', operations).expect(403);
    expect(answer.body.detail).toMatch(named);
    const admin = await scim.sesame.services.directory.getUser(adminId);
    expect(admin).toMatchObject({ username: 'boss', email: 'boss@example.com', status: 'active' });
    expect((await scim.sesame.services.directory.authenticate('boss', testPassword)).user?.id).toBe(
      adminId,
    );
  });

  it('rejects deleting an administrator', async () => {
    await scim.call('delete', `/Users/${adminId}`).expect(403);
    expect(await scim.sesame.services.directory.getUser(adminId)).toBeDefined();
  });

  it('still changes the names of an administrator', async () => {
    await patch(adminId, 'Users', [
      { op: 'replace', path: 'name.familyName', value: 'Boss' },
    ]).expect(200);
    expect((await scim.sesame.services.directory.getUser(adminId))?.last_name).toBe('Boss');
  });

  it('rejects renaming a group bound to an application', async () => {
    const { services } = scim.sesame;
    const group = await createGroup(scim, 'contractors');
    await services.applications.create(
      {
        slug: 'databricks',
        template: 'databricks',
        spEntityId: 'https://accounts.cloud.databricks.com/saml',
        acsUrls: ['https://dbc-test.cloud.databricks.com/saml/consume'],
        sso: databricksTemplate,
      },
      by,
    );
    await services.applications.bind('databricks', group.id, 'contractors', by);

    const answer = await patch(group.id, 'Groups', [
      { op: 'replace', path: 'displayName', value: 'admins' },
    ]).expect(403);
    expect(answer.body.detail).toMatch(/bound to an application/);
    expect((await services.directory.requireGroupById(group.id)).name).toBe('contractors');
  });

  it('counts each member of a removal list against the operation cap', async () => {
    const user = await createUser(scim, 'member1');
    const group = await createGroup(scim, 'big', [user.id]);
    const values = Array.from({ length: 1001 }, (_, index) => ({ value: `missing-${index}` }));
    const answer = await patch(group.id, 'Groups', [
      { op: 'remove', path: 'members', value: values },
    ]).expect(400);
    expect(answer.body.scimType).toBe('invalidSyntax');
  });

  it('removes a member listed twice in one removal', async () => {
    const user = await createUser(scim, 'member1');
    const group = await createGroup(scim, 'team', [user.id]);
    await patch(group.id, 'Groups', [
      { op: 'remove', path: 'members', value: [{ value: user.id }, { value: user.id }] },
    ]).expect(200);
    expect(await scim.sesame.services.directory.listMembers(group.id)).toEqual([]);
  });

  it('answers a malformed escape in the path with 400', async () => {
    const answer = await scim.call('get', '/Users/%E0%A4%A').expect(400);
    expect(answer.body.scimType).toBe('invalidSyntax');
  });
});
