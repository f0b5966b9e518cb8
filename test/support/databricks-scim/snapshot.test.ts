import { describe, expect, it } from 'vitest';
import { urn } from './constants.ts';
import { setUp } from './harness.ts';

describe('Databricks SCIM emulator: snapshot', () => {
  it('shows users by userName and groups by displayName as plain data', async () => {
    const api = setUp({ level: 'workspace' });
    const { body: alice } = await api.post('/Users', {
      schemas: [urn.user],
      userName: 'Alice@Example.test',
      displayName: 'Alice A',
      name: { givenName: 'Alice', familyName: 'Ames' },
      entitlements: [{ value: 'workspace-access' }],
      externalId: 'entra-1',
    });
    const { body: bob } = await api.post('/Users', { schemas: [urn.user], userName: 'bob@x.test' });
    await api.patch(`/Users/${bob.id}`, [{ op: 'replace', path: 'active', value: false }]);
    const { body: group } = await api.post('/Groups', {
      schemas: [urn.group],
      displayName: 'eng',
      members: [{ value: bob.id }, { value: alice.id }],
      entitlements: [{ value: 'databricks-sql-access' }],
    });

    expect(api.scim.snapshot()).toEqual({
      users: {
        'alice@example.test': {
          id: alice.id,
          active: true,
          displayName: 'Alice A',
          name: { givenName: 'Alice', familyName: 'Ames' },
          emails: ['alice@example.test'],
          entitlements: ['workspace-access'],
          roles: [],
          externalId: 'entra-1',
        },
        'bob@x.test': {
          id: bob.id,
          active: false,
          emails: ['bob@x.test'],
          entitlements: [],
          roles: [],
        },
      },
      groups: {
        eng: {
          id: group.id,
          members: ['alice@example.test', 'bob@x.test'],
          entitlements: ['databricks-sql-access'],
          roles: [],
        },
      },
    });
  });

  it('leaves out unset keys, so that it survives a JSON round trip', async () => {
    const api = setUp();
    await api.post('/Users', {
      schemas: [urn.user],
      userName: 'a@x.test',
      name: { givenName: 'A' },
    });
    const snapshot = api.scim.snapshot();

    expect(JSON.parse(JSON.stringify(snapshot))).toStrictEqual(snapshot);
    expect(snapshot.users['a@x.test']?.name).toStrictEqual({ givenName: 'A' });
  });

  it('names members that are not users in otherMembers', () => {
    const api = setUp();
    const { state } = api.scim;
    const inner = state.addGroup({ displayName: 'inner' });
    state.servicePrincipals.set('7', {
      id: '7',
      applicationId: 'app-7',
      active: true,
      entitlements: [],
      roles: [],
    });
    state.addGroup({
      displayName: 'outer',
      members: [{ value: inner.id }, { value: '7' }, { value: '424242' }],
    });

    expect(api.scim.snapshot().groups.outer).toEqual({
      id: expect.any(String),
      members: [],
      otherMembers: ['424242', 'Groups/inner', 'ServicePrincipals/app-7'],
      entitlements: [],
      roles: [],
    });
  });

  it('shows current groups even when reads lag', async () => {
    const api = setUp({ readLagMs: 60_000 });
    await api.post('/Groups', { schemas: [urn.group], displayName: 'fresh' });

    expect((await api.get('/Groups')).body.totalResults).toBe(0);
    expect(Object.keys(api.scim.snapshot().groups)).toEqual(['fresh']);
  });
});
