import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGroup,
  createUser,
  enterpriseUrn,
  startScim,
  userUrn,
  type ScimTest,
} from './support.ts';

let scim: ScimTest;
let userId = '';
let groupId = '';

beforeAll(async () => {
  scim = await startScim();
  const user = await createUser(scim, 'ann', {
    name: { givenName: 'Ann', familyName: 'Lee' },
    emails: [{ value: 'ann@example.com', type: 'work', primary: true }],
    [enterpriseUrn]: { department: 'Sales', employeeNumber: '7' },
  });
  userId = user.id;
  groupId = (await createGroup(scim, 'Sales', [userId])).id;
});
afterAll(() => scim.close());

async function getUser(query: string) {
  return (await scim.call('get', `/Users/${userId}?${query}`).expect(200)).body;
}

describe('attributes', () => {
  it('returns only the named attributes with id and schemas', async () => {
    expect(await getUser('attributes=userName')).toEqual({
      schemas: [userUrn, enterpriseUrn],
      id: userId,
      userName: 'ann',
    });
  });

  it('returns named sub-attributes', async () => {
    expect(await getUser('attributes=name.givenName,EMAILS.value')).toEqual({
      schemas: [userUrn, enterpriseUrn],
      id: userId,
      name: { givenName: 'Ann' },
      emails: [{ value: 'ann@example.com' }],
    });
  });

  it('returns enterprise attributes by URN path', async () => {
    const body = await getUser(`attributes=${enterpriseUrn}:department`);
    expect(body[enterpriseUrn]).toEqual({ department: 'Sales' });
    expect(body).not.toHaveProperty('userName');

    const whole = await getUser(`attributes=${enterpriseUrn}`);
    expect(whole[enterpriseUrn]).toEqual({ department: 'Sales', employeeNumber: '7' });
  });

  it('applies to every resource of a list', async () => {
    const response = await scim.call('get', '/Users?attributes=userName').expect(200);
    expect(response.body.Resources).toEqual([
      { schemas: [userUrn, enterpriseUrn], id: userId, userName: 'ann' },
    ]);
  });
});

describe('excludedAttributes', () => {
  it('leaves out the named attributes but never id', async () => {
    const body = await getUser('excludedAttributes=groups,meta,id,name.familyName');
    expect(body.id).toBe(userId);
    expect(body).not.toHaveProperty('groups');
    expect(body).not.toHaveProperty('meta');
    expect(body.name).toEqual({ givenName: 'Ann', formatted: 'Ann Lee' });
    expect(body.userName).toBe('ann');
  });

  it('leaves out members of groups', async () => {
    const response = await scim.call('get', `/Groups?excludedAttributes=members`).expect(200);
    expect(response.body.Resources[0].id).toBe(groupId);
    expect(response.body.Resources[0]).not.toHaveProperty('members');
    expect(response.body.Resources[0].displayName).toBe('Sales');

    const single = await scim.call('get', `/Groups/${groupId}`).expect(200);
    expect(single.body.members).toHaveLength(1);
  });

  it('ignores unknown names', async () => {
    const body = await getUser('excludedAttributes=title');
    expect(body.userName).toBe('ann');
    expect(body.groups).toHaveLength(1);
  });
});
