import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshotState } from '../support/databricks-scim/snapshot.ts';
import {
  activate,
  createDatabricksApplication,
  remoteGroups,
  remoteUsers,
  seedBoundGroup,
  settle,
  startSetup,
  type Setup,
} from '../provisioning/harness.ts';

const patchUrn = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('inbound SCIM to Databricks provisioning', () => {
  let setup: Setup;
  let token: string;
  beforeEach(async () => {
    setup = await startSetup();
    await createDatabricksApplication(setup);
    ({ token } = await setup.sesame.services.scimTokens.create('HR', { actor: 'admin' }));
  });
  afterEach(async () => {
    await setup.close();
  });

  const scim = (method: 'post' | 'patch', path: string, body: object) =>
    request(setup.sesame.app)
      [method](`/scim/v2${path}`)
      .set('Authorization', `Bearer ${token}`)
      .type('application/scim+json')
      .send(body);

  it('carries a SCIM change of a bound user to Databricks', async () => {
    const { users, group } = await seedBoundGroup(setup, 1);
    await activate(setup);
    expect(remoteUsers(setup)).toEqual({ 'eng1@example.com': true });

    await scim('patch', `/Users/${users[0]!.id}`, {
      schemas: [patchUrn],
      Operations: [
        { op: 'Replace', path: 'name.familyName', value: 'Renamed' },
        { op: 'Replace', path: 'active', value: 'False' },
      ],
    }).expect(200);
    await settle(setup);

    const remote = snapshotState(setup.scim.scim.state).users['eng1@example.com'];
    expect(remote?.active).toBe(false);
    expect(remote?.name?.familyName).toBe('Renamed');

    const created = await scim('post', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'newhire',
      emails: [{ value: 'newhire@example.com', primary: true }],
    }).expect(201);
    await scim('patch', `/Groups/${group.id}`, {
      schemas: [patchUrn],
      Operations: [{ op: 'Add', path: 'members', value: [{ value: created.body.id }] }],
    }).expect(200);
    await settle(setup);

    expect(remoteUsers(setup)).toEqual({
      'eng1@example.com': false,
      'newhire@example.com': true,
    });
    expect(remoteGroups(setup).Engineers?.sort()).toEqual([
      'eng1@example.com',
      'newhire@example.com',
    ]);
  });
});
