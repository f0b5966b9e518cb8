import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enterpriseUrn,
  groupUrn,
  listUrn,
  scimUrl,
  startScim,
  userUrn,
  type ScimTest,
} from './support.ts';

let scim: ScimTest;
beforeAll(async () => {
  scim = await startScim();
});
afterAll(() => scim.close());

const schemaUrn = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

describe('discovery', () => {
  it('describes the supported features', async () => {
    const response = await scim.call('get', '/ServiceProviderConfig').expect(200);
    expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(response.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: true },
      sort: { supported: true },
      etag: { supported: true },
      meta: { resourceType: 'ServiceProviderConfig', location: `${scimUrl}/ServiceProviderConfig` },
    });
    expect(response.body.authenticationSchemes).toHaveLength(1);
    expect(response.body.authenticationSchemes[0]).toMatchObject({
      type: 'oauthbearertoken',
      primary: true,
    });
  });

  it('lists the User and Group resource types', async () => {
    const response = await scim.call('get', '/ResourceTypes').expect(200);
    expect(response.body.schemas).toEqual([listUrn]);
    expect(response.body.totalResults).toBe(2);
    const [user, group] = response.body.Resources;
    expect(user).toMatchObject({
      id: 'User',
      endpoint: '/Users',
      schema: userUrn,
      schemaExtensions: [{ schema: enterpriseUrn, required: false }],
    });
    expect(group).toMatchObject({ id: 'Group', endpoint: '/Groups', schema: groupUrn });

    const single = await scim.call('get', '/ResourceTypes/Group').expect(200);
    expect(single.body).toEqual(group);
    await scim.call('get', '/ResourceTypes/Device').expect(404);
  });

  it('lists the schemas with their attributes', async () => {
    const response = await scim.call('get', '/Schemas').expect(200);
    const ids = response.body.Resources.map((schema: { id: string }) => schema.id);
    expect(ids).toEqual([userUrn, enterpriseUrn, groupUrn]);

    const user = await scim.call('get', `/Schemas/${userUrn}`).expect(200);
    expect(user.body.schemas).toEqual([schemaUrn]);
    const names = user.body.attributes.map((attribute: { name: string }) => attribute.name);
    expect(names).toEqual([
      'userName',
      'name',
      'displayName',
      'emails',
      'active',
      'password',
      'groups',
    ]);
    const password = user.body.attributes.find(
      (attribute: { name: string }) => attribute.name === 'password',
    );
    expect(password).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    const userName = user.body.attributes.find(
      (attribute: { name: string }) => attribute.name === 'userName',
    );
    expect(userName).toMatchObject({ required: true, caseExact: false, uniqueness: 'server' });

    const enterprise = await scim.call('get', `/Schemas/${enterpriseUrn}`).expect(200);
    expect(enterprise.body.attributes.map((attribute: { name: string }) => attribute.name)).toEqual(
      ['employeeNumber', 'department', 'manager'],
    );
    await scim.call('get', '/Schemas/urn:example:unknown').expect(404);
  });

  it('rejects a filter with 403', async () => {
    const response = await scim
      .call('get', `/Schemas?filter=${encodeURIComponent('id eq "x"')}`)
      .expect(403);
    expect(response.body.detail).toBe('Discovery endpoints do not support filtering');
  });
});
