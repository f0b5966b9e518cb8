import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, listUrn, startScim, type ScimTest } from './support.ts';

let scim: ScimTest;

beforeAll(async () => {
  scim = await startScim();
  // Created out of alphabetical order, so that creation order and name order differ.
  await createUser(scim, 'dave', { name: { familyName: 'Adams' } });
  await createUser(scim, 'Bob', { name: { familyName: 'carter' } });
  await createUser(scim, 'carol');
  await createUser(scim, 'alice', { name: { familyName: 'Brown' } });
});
afterAll(() => scim.close());

async function list(query: string) {
  const response = await scim.call('get', `/Users?${query}`).expect(200);
  return {
    body: response.body,
    names: response.body.Resources.map((user: { userName: string }) => user.userName),
  };
}

describe('sorting', () => {
  it('lists in order of creation without sortBy', async () => {
    expect((await list('')).names).toEqual(['dave', 'Bob', 'carol', 'alice']);
  });

  it('sorts userName without regard to case', async () => {
    expect((await list('sortBy=userName')).names).toEqual(['alice', 'Bob', 'carol', 'dave']);
    expect((await list('sortBy=USERNAME&sortOrder=descending')).names).toEqual([
      'dave',
      'carol',
      'Bob',
      'alice',
    ]);
  });

  it('puts users without the value last ascending', async () => {
    expect((await list('sortBy=name.familyName')).names).toEqual(['dave', 'alice', 'Bob', 'carol']);
    expect((await list('sortBy=name.familyName&sortOrder=Descending')).names).toEqual([
      'carol',
      'Bob',
      'alice',
      'dave',
    ]);
  });

  it('sorts by meta.created', async () => {
    expect((await list('sortBy=meta.created&sortOrder=descending')).names).toEqual([
      'alice',
      'carol',
      'Bob',
      'dave',
    ]);
  });

  it('rejects an unknown sortBy or sortOrder', async () => {
    const unknown = await scim.call('get', '/Users?sortBy=title').expect(400);
    expect(unknown.body.scimType).toBe('invalidValue');
    expect(unknown.body.detail).toBe('sortBy "title" is not supported');

    const multi = await scim.call('get', '/Users?sortBy=groups').expect(400);
    expect(multi.body.detail).toBe('sortBy "groups" is not supported');

    const order = await scim.call('get', '/Users?sortBy=userName&sortOrder=up').expect(400);
    expect(order.body.detail).toBe(
      'Query parameter "sortOrder" must be "ascending" or "descending"',
    );
  });
});

describe('paging', () => {
  it('returns pages with the true total', async () => {
    const first = await list('sortBy=userName&startIndex=1&count=2');
    expect(first.body).toMatchObject({
      schemas: [listUrn],
      totalResults: 4,
      startIndex: 1,
      itemsPerPage: 2,
    });
    expect(first.names).toEqual(['alice', 'Bob']);

    const second = await list('sortBy=userName&startIndex=3&count=2');
    expect(second.names).toEqual(['carol', 'dave']);
    expect(second.body.startIndex).toBe(3);

    const beyond = await list('sortBy=userName&startIndex=9&count=2');
    expect(beyond.names).toEqual([]);
    expect(beyond.body.totalResults).toBe(4);
  });

  it('returns only the total for count=0', async () => {
    const { body } = await list('count=0');
    expect(body).toEqual({
      schemas: [listUrn],
      totalResults: 4,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('reads startIndex below 1 as 1 and negative count as 0', async () => {
    expect((await list('sortBy=userName&startIndex=0&count=1')).names).toEqual(['alice']);
    expect((await list('count=-5')).body.itemsPerPage).toBe(0);
  });

  it('pages a filtered list', async () => {
    const { body, names } = await list(
      `filter=${encodeURIComponent('userName ne "dave"')}&sortBy=userName&startIndex=2&count=5`,
    );
    expect(names).toEqual(['Bob', 'carol']);
    expect(body.totalResults).toBe(3);
  });

  it('rejects a count that is not an integer', async () => {
    const response = await scim.call('get', '/Users?count=ten').expect(400);
    expect(response.body.scimType).toBe('invalidValue');
    expect(response.body.detail).toBe('Query parameter "count" must be an integer, not "ten"');

    const twice = await scim.call('get', '/Users?count=1&count=2').expect(400);
    expect(twice.body.detail).toBe('Query parameter "count" must be given once');
  });
});

describe('maximum page size', () => {
  it('caps count at 200', async () => {
    const { directory } = scim.sesame.services;
    for (let index = 0; index < 200; index += 1) {
      await directory.createUser(
        { username: `bulk${index}`, email: `bulk${index}@example.com` },
        { actor: 'test' },
      );
    }
    const capped = await list('count=1000');
    expect(capped.body.totalResults).toBe(204);
    expect(capped.body.itemsPerPage).toBe(200);

    const unasked = await list('');
    expect(unasked.body.itemsPerPage).toBe(200);
    const rest = await list('startIndex=201');
    expect(rest.body.itemsPerPage).toBe(4);
  });
});
