import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroup, createUser, enterpriseUrn, startScim, type ScimTest } from './support.ts';

let scim: ScimTest;
const ids: Record<string, string> = {};
let createdBetween = '';

/**
 * Ann.Lee, bob, carol and dave, with names, externalIds, enterprise fields and groups that
 * each filter below tells apart.
 */
beforeAll(async () => {
  scim = await startScim();
  const ann = await createUser(scim, 'Ann.Lee', {
    emails: [{ value: 'ann@example.com', type: 'work', primary: true }],
    name: { givenName: 'Ann', familyName: 'Lee' },
    displayName: 'Ann Lee',
    externalId: 'EXT-1',
    [enterpriseUrn]: { department: 'Sales', employeeNumber: '100' },
  });
  const bob = await createUser(scim, 'bob', {
    emails: [{ value: 'bob@corp.example' }],
    name: { givenName: 'Bob', familyName: 'Stone' },
    externalId: 'ext-1',
    active: false,
    [enterpriseUrn]: { department: 'R&D' },
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  createdBetween = new Date(Date.now() - 5).toISOString();
  const carol = await createUser(scim, 'carol', {
    emails: [{ value: 'carol@example.com' }],
    displayName: 'Half_50%',
    [enterpriseUrn]: { manager: { value: ann.id } },
  });
  const dave = await createUser(scim, 'dave', { name: { givenName: 'Dave' } });
  Object.assign(ids, { ann: ann.id, bob: bob.id, carol: carol.id, dave: dave.id });

  ids.sales = (await createGroup(scim, 'Sales', [ann.id])).id;
  ids.eng = (await createGroup(scim, 'Eng', [bob.id])).id;
  ids.empty = (await createGroup(scim, 'Empty')).id;
  await scim.sesame.services.directory.updateGroup(
    ids.eng,
    { externalId: 'G-ENG' },
    {
      actor: 'test',
    },
  );
});
afterAll(() => scim.close());

/** Returns the userNames that `filter` matches, sorted. */
async function users(filter: string): Promise<string[]> {
  const response = await scim
    .call('get', `/Users?filter=${encodeURIComponent(filter)}`)
    .expect(200);
  expect(response.body.totalResults).toBe(response.body.Resources.length);
  return response.body.Resources.map((user: { userName: string }) => user.userName).sort();
}

async function groups(filter: string): Promise<string[]> {
  const response = await scim
    .call('get', `/Groups?filter=${encodeURIComponent(filter)}`)
    .expect(200);
  return response.body.Resources.map((group: { displayName: string }) => group.displayName).sort();
}

async function rejected(filter: string) {
  const response = await scim
    .call('get', `/Users?filter=${encodeURIComponent(filter)}`)
    .expect(400);
  expect(response.body.scimType).toBe('invalidFilter');
  return response.body.detail as string;
}

describe('filter operators', () => {
  it.each([
    ['userName eq "ann.lee"', ['Ann.Lee']],
    ['userName ne "BOB"', ['Ann.Lee', 'carol', 'dave']],
    ['emails.value co "@EXAMPLE.com"', ['Ann.Lee', 'carol', 'dave']],
    ['name.familyName sw "le"', ['Ann.Lee']],
    ['emails.value ew ".example"', ['bob']],
    ['userName gt "bob"', ['carol', 'dave']],
    ['userName ge "bob"', ['bob', 'carol', 'dave']],
    ['userName lt "bob"', ['Ann.Lee']],
    ['userName le "BOB"', ['Ann.Lee', 'bob']],
    ['externalId pr', ['Ann.Lee', 'bob']],
    ['name.familyName pr', ['Ann.Lee', 'bob']],
    ['displayName eq "ann lee"', ['Ann.Lee']],
    ['name.formatted eq "Dave"', ['dave']],
    ['active eq false', ['bob']],
    ['active ne false', ['Ann.Lee', 'carol', 'dave']],
  ])('%s', async (filter, expected) => {
    expect(await users(filter)).toEqual(expected);
  });
});

describe('filter logic', () => {
  it.each([
    ['(userName eq "ann.lee" or userName eq "bob") and not (active eq false)', ['Ann.Lee']],
    ['userName eq "bob" or userName eq "dave" and name.givenName eq "nobody"', ['bob']],
    ['not (externalId pr)', ['carol', 'dave']],
    ['not (userName sw "a" or userName sw "b")', ['carol', 'dave']],
    ['USERNAME EQ "dave"', ['dave']],
    ['Emails.Value Co "corp"', ['bob']],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob"', ['bob']],
  ])('%s', async (filter, expected) => {
    expect(await users(filter)).toEqual(expected);
  });
});

describe('filter value paths and complex attributes', () => {
  it('matches emails[type eq "work" and value co ...]', async () => {
    expect(await users('emails[type eq "work" and value co "@example.com"]')).toEqual([
      'Ann.Lee',
      'carol',
      'dave',
    ]);
    expect(await users('emails[type eq "home"]')).toEqual([]);
    expect(await users('emails[primary eq true and value sw "bob"]')).toEqual(['bob']);
  });

  it('matches groups by value and display', async () => {
    expect(await users(`groups[value eq "${ids.eng}"]`)).toEqual(['bob']);
    expect(await users('groups.display eq "SALES"')).toEqual(['Ann.Lee']);
    expect(await users('groups pr')).toEqual(['Ann.Lee', 'bob']);
    expect(await users(`groups eq "${ids.sales}"`)).toEqual(['Ann.Lee']);
  });

  it('matches enterprise attributes by full URN path', async () => {
    expect(await users(`${enterpriseUrn}:department eq "sales"`)).toEqual(['Ann.Lee']);
    expect(await users(`${enterpriseUrn}:department co "&"`)).toEqual(['bob']);
    expect(await users(`${enterpriseUrn}:manager.value eq "${ids.ann}"`)).toEqual(['carol']);
    expect(await users(`${enterpriseUrn.toUpperCase()}:EMPLOYEENUMBER pr`)).toEqual(['Ann.Lee']);
  });

  it('compares meta times as times', async () => {
    expect(await users(`meta.created gt "${createdBetween}"`)).toEqual(['carol', 'dave']);
    expect(await users(`meta.created le "${createdBetween}"`)).toEqual(['Ann.Lee', 'bob']);
    expect(await users('meta.lastModified ge "2000-01-01T00:00:00Z"')).toHaveLength(4);
    expect(await rejected('meta.lastModified gt "yesterday"')).toBe(
      '"yesterday" is not an xsd:dateTime',
    );
  });
});

describe('filter case and escaping', () => {
  it('compares externalId and id with regard to case', async () => {
    expect(await users('externalId eq "ext-1"')).toEqual(['bob']);
    expect(await users('externalId sw "EXT"')).toEqual(['Ann.Lee']);
    expect(await users('externalId co "xt-"')).toEqual(['bob']);
    expect(await users('externalId co "XT-"')).toEqual(['Ann.Lee']);
    expect(await users('externalId co ""')).toEqual(['Ann.Lee', 'bob', 'carol', 'dave']);
    expect(await users('externalId ew "T-1"')).toEqual(['Ann.Lee']);
    expect(await users(`id eq "${ids.ann}"`)).toEqual(['Ann.Lee']);
    expect(await users(`id eq "${ids.ann!.toUpperCase()}"`)).toEqual([]);
  });

  it('takes LIKE wildcards literally', async () => {
    expect(await users('displayName co "%"')).toEqual(['carol']);
    expect(await users('displayName co "_"')).toEqual(['carol']);
    expect(await users('displayName sw "H_lf"')).toEqual([]);
    expect(await users('displayName ew "50%"')).toEqual(['carol']);
    expect(await users('userName co "%"')).toEqual([]);
  });
});

describe('filter errors', () => {
  it('rejects malformed syntax', async () => {
    expect(await rejected('userName eq')).toMatch(/^Invalid filter: /);
    expect(await rejected('userName equals "bob"')).toMatch(/^Invalid filter: /);
    expect(await rejected('(userName eq "bob"')).toMatch(/^Invalid filter: /);
  });

  it('rejects unsupported attributes', async () => {
    expect(await rejected('title eq "Engineer"')).toBe('Filtering on "title" is not supported');
    expect(await rejected('password eq "secret"')).toBe('Filtering on "password" is not supported');
    expect(await rejected('name eq "Ann"')).toBe('Filtering on "name" is not supported');
  });

  it('rejects values of the wrong type', async () => {
    expect(await rejected('active eq "yes"')).toBe('"active" must be compared with true or false');
    expect(await rejected('userName eq 5')).toBe('"userName" must be compared with a string');
    expect(await rejected('active gt true')).toBe(
      'Operator "gt" does not apply to boolean "active"',
    );
  });

  it('rejects a filter over the length limit', async () => {
    const long = Array.from({ length: 400 }, (_, index) => `userName eq "u${index}"`).join(' or ');
    expect(await rejected(long)).toBe('Filter is longer than 4096 characters');
  });
});

describe('group filters', () => {
  it('matches displayName without regard to case', async () => {
    expect(await groups('displayName eq "sales"')).toEqual(['Sales']);
    expect(await groups('displayName sw "E"')).toEqual(['Empty', 'Eng']);
  });

  it('matches members and externalId', async () => {
    expect(await groups(`members[value eq "${ids.bob}"]`)).toEqual(['Eng']);
    expect(await groups('members.display co "ann"')).toEqual(['Sales']);
    expect(await groups('not (members pr)')).toEqual(['Empty']);
    expect(await groups('externalId eq "G-ENG"')).toEqual(['Eng']);
    expect(await groups('externalId eq "g-eng"')).toEqual([]);
  });

  it('answers the membership check Entra ID sends', async () => {
    const filter = `id eq "${ids.sales}" and members[value eq "${ids.ann}"]`;
    const response = await scim
      .call('get', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(filter)}`)
      .expect(200);
    expect(response.body.totalResults).toBe(1);
    expect(response.body.Resources[0].id).toBe(ids.sales);
    expect(response.body.Resources[0]).not.toHaveProperty('members');

    const other = `id eq "${ids.sales}" and members[value eq "${ids.bob}"]`;
    expect(await groups(other)).toEqual([]);
  });
});
