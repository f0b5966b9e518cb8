import { describe, expect, it } from 'vitest';
import { urn } from './constants.ts';
import { errorOf, setUp } from './harness.ts';

function withUsers() {
  const api = setUp();
  const names = ['alice@example.test', 'bob@example.test', 'carol@other.test'];
  const users = names.map((userName) => api.scim.state.addUser({ userName }));
  return { api, users };
}

const userNames = (body: { Resources: { userName: string }[] }) =>
  body.Resources.map((user) => user.userName);

describe('Databricks SCIM emulator: list and filter', () => {
  it('returns a ListResponse with capital-R Resources and 1-based paging', async () => {
    const { api, users } = withUsers();
    const res = await api.get('/Users?startIndex=2&count=1');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      schemas: [urn.listResponse],
      totalResults: 3,
      startIndex: 2,
      itemsPerPage: 1,
      Resources: [expect.objectContaining({ id: users[1]?.id, userName: 'bob@example.test' })],
    });
  });

  it('returns up to 10000 resources when count is absent', async () => {
    const api = setUp();
    for (let i = 0; i < 10_001; i += 1) api.scim.state.addUser({ userName: `u${i}@example.test` });
    const res = await api.get('/Users');

    expect(res.body.totalResults).toBe(10_001);
    expect(res.body.itemsPerPage).toBe(10_000);
  });

  it.each([
    ['quoted eq, ignoring case', 'userName eq "ALICE@example.test"', ['alice@example.test']],
    ['unquoted eq', 'userName eq bob@example.test', ['bob@example.test']],
    ['ne', 'userName ne "bob@example.test"', ['alice@example.test', 'carol@other.test']],
    ['co', 'userName co "example"', ['alice@example.test', 'bob@example.test']],
    ['sw', 'userName sw car', ['carol@other.test']],
    ['or', 'userName sw a or userName sw b', ['alice@example.test', 'bob@example.test']],
    ['and', 'userName co example and userName sw b', ['bob@example.test']],
    ['parentheses', '(userName sw a or userName sw c) and userName co other', ['carol@other.test']],
    ['emails.value', 'emails.value eq "carol@other.test"', ['carol@other.test']],
  ])('filters with %s', async (_case, filter, expected) => {
    const { api } = withUsers();
    const res = await api.get(`/Users?filter=${encodeURIComponent(filter)}`);

    expect(res.status).toBe(200);
    expect(userNames(res.body)).toEqual(expected);
  });

  it('answers a filter of more than 200 nodes with 400 INVALID_FILTER', async () => {
    const { api } = withUsers();
    const filter = Array.from({ length: 101 }, (_, i) => `userName eq u${i}`).join(' or ');
    const res = await api.get(`/Users?filter=${encodeURIComponent(filter)}`);

    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      errorOf(400, 'INVALID_FILTER: filter has 201 nodes, more than 200', 'invalidFilter'),
    );
  });

  it('accepts a filter of exactly 200 nodes', async () => {
    const { api } = withUsers();
    const terms = Array.from({ length: 100 }, (_, i) => `userName eq u${i}`);
    const filter = [...terms.slice(0, 99), 'userName eq alice@example.test'].join(' or ');
    const res = await api.get(`/Users?filter=${encodeURIComponent(filter)}`);

    expect(res.status).toBe(200);
    expect(userNames(res.body)).toEqual(['alice@example.test']);
  });

  it('answers an unsupported operator with 400 INVALID_FILTER', async () => {
    const { api } = withUsers();
    const res = await api.get(`/Users?filter=${encodeURIComponent('userName gt "a"')}`);

    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      errorOf(400, 'INVALID_FILTER: unsupported operator "gt"', 'invalidFilter'),
    );
  });

  it('cuts resources to attributes, or drops excludedAttributes', async () => {
    const { api, users } = withUsers();
    const only = await api.get('/Users?attributes=userName&count=1');
    const without = await api.get('/Users?excludedAttributes=emails,active&count=1');

    expect(only.body.Resources).toEqual([
      { schemas: [urn.user], id: users[0]?.id, userName: 'alice@example.test' },
    ]);
    expect(without.body.Resources).toEqual([
      { schemas: [urn.user], id: users[0]?.id, userName: 'alice@example.test' },
    ]);
  });

  it.each([
    ['userName ascending', 'sortBy=userName', ['alice', 'bob', 'carol']],
    ['userName descending', 'sortBy=userName&sortOrder=descending', ['carol', 'bob', 'alice']],
    ['a sortBy in any case', 'sortBy=USERNAME&sortOrder=descending', ['carol', 'bob', 'alice']],
    ['displayName ignoring case, missing last', 'sortBy=displayName', ['carol', 'alice', 'bob']],
    [
      'displayName descending, missing first',
      'sortBy=displayName&sortOrder=descending',
      ['bob', 'alice', 'carol'],
    ],
    ['id descending', 'sortBy=id&sortOrder=descending', ['alice', 'carol', 'bob']],
    ['id when sortOrder comes alone', 'sortOrder=descending', ['bob', 'carol', 'alice']],
  ])('sorts users by %s', async (_case, query, expected) => {
    const api = setUp();
    api.scim.state.addUser({ userName: 'bob@example.test' });
    api.scim.state.addUser({ userName: 'carol@example.test', displayName: 'ames' });
    api.scim.state.addUser({ userName: 'alice@example.test', displayName: 'Zed' });
    const res = await api.get(`/Users?${query}`);

    expect(res.status).toBe(200);
    expect(userNames(res.body)).toEqual(expected.map((name) => `${name}@example.test`));
  });

  it('sorts before it pages', async () => {
    const { api } = withUsers();
    const res = await api.get('/Users?sortBy=userName&sortOrder=descending&startIndex=1&count=1');

    expect(res.body.totalResults).toBe(3);
    expect(userNames(res.body)).toEqual(['carol@other.test']);
  });

  it('sorts groups by displayName without regard to case', async () => {
    const api = setUp();
    for (const displayName of ['beta', 'Alpha', 'gamma']) api.scim.state.addGroup({ displayName });
    const res = await api.get('/Groups?sortBy=displayName');

    expect(res.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual([
      'Alpha',
      'beta',
      'gamma',
    ]);
  });

  it('rejects an unsupported sortBy with 400', async () => {
    const api = setUp();
    const res = await api.get('/Groups?sortBy=members');

    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      errorOf(400, 'sortBy members is not supported; use one of displayName, id', 'invalidValue'),
    );
  });

  it('rejects an unknown sortOrder with 400', async () => {
    const { api } = withUsers();
    const res = await api.get('/Users?sortBy=userName&sortOrder=desc');

    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      errorOf(400, 'sortOrder must be ascending or descending', 'invalidValue'),
    );
  });

  it('filters groups by displayName', async () => {
    const api = setUp();
    api.scim.state.addGroup({ displayName: 'my-group' });
    api.scim.state.addGroup({ displayName: 'other' });
    const res = await api.get(`/Groups?filter=${encodeURIComponent('displayName sw my-')}`);

    expect(res.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual([
      'my-group',
    ]);
  });
});
