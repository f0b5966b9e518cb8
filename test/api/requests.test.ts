import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import { png, snapshot, startApi, type ApiInstance, type Method } from './support.ts';

let api: ApiInstance;
let aliceId: string;
let groupId: string;

const acs = 'https://dbc-1a2b.cloud.databricks.com/saml/consume';
const sso = {
  spEntityId: acs,
  acsUrls: [acs],
  nameIdFormat: databricksTemplate.nameIdFormat,
  nameIdSource: 'email',
  signResponse: true,
  signAssertion: false,
};

beforeEach(async () => {
  api = await startApi();
  const alice = await api.call('POST', '/users').send({
    username: 'alice',
    email: 'alice@example.com',
  });
  aliceId = alice.body.id;
  groupId = (await api.call('POST', '/groups').send({ name: 'engineers' })).body.id;
  await api
    .call('POST', '/applications')
    .send({ template: 'databricks', slug: 'databricks', displayLabel: 'Databricks', sso })
    .expect(201);
});
afterEach(() => api.close());

/** Sends `body` and checks the error; the database must be as it was before. */
async function expectRejected(
  method: Method,
  path: string,
  body: unknown,
  expected: { status: number; code: string; field?: string; message: RegExp | string },
) {
  const before = await snapshot(api.services);
  const answer = await api.call(method, path).send(body as object);
  const where = `${method} ${path}`;
  expect(answer.status, where).toBe(expected.status);
  expect(answer.body.error.code, where).toBe(expected.code);
  expect(answer.body.error.field, where).toBe(expected.field);
  if (typeof expected.message === 'string') {
    expect(answer.body.error.message, where).toBe(expected.message);
  } else {
    expect(answer.body.error.message, where).toMatch(expected.message);
  }
  expect(await snapshot(api.services), where).toEqual(before);
}

describe('API request bodies', () => {
  const unknownFields: Array<[Method, string, Record<string, unknown>, string]> = [
    ['POST', '/users', { username: 'bob', email: 'bob@example.com', role: 'admin' }, 'role'],
    ['PATCH', '/users/:alice', { nickname: 'Al' }, 'nickname'],
    ['POST', '/users/:alice/password', { password: 'a long password', confirm: 'x' }, 'confirm'],
    ['PUT', '/users/:alice/admin', { isAdmin: true, until: 'tomorrow' }, 'until'],
    ['POST', '/users/:alice/suspend', { reason: 'left' }, 'reason'],
    ['POST', '/groups', { name: 'ops', description: 'x' }, 'description'],
    ['PATCH', '/groups/:group', { name: 'ops', colour: 'red' }, 'colour'],
    ['PUT', '/groups/:group/members/:alice', { role: 'owner' }, 'role'],
    [
      'POST',
      '/applications',
      { template: 'saml', slug: 'wiki', displayLabel: 'Wiki', acsUrl: acs },
      'acsUrl',
    ],
    ['PATCH', '/applications/databricks', { colour: 'red' }, 'colour'],
    ['PUT', '/applications/databricks/sso', { ...sso, entityId: acs }, 'entityId'],
    [
      'PUT',
      '/applications/databricks/sso',
      {
        ...sso,
        attributes: [{ name: 'email', source: { property: 'email' }, value: 'x' }],
      },
      'attributes.0.value',
    ],
    ['PUT', '/applications/databricks/groups', { groupIds: [], replace: true }, 'replace'],
    ['POST', '/api-keys', { name: 'ci', expires: '2030-01-01' }, 'expires'],
  ];

  for (const [method, path, body, field] of unknownFields) {
    it(`rejects unknown field ${field} in ${method} ${path}`, async () => {
      const concrete = path.replace(':alice', aliceId).replace(':group', groupId);
      const key = field.split('.').at(-1);
      await expectRejected(method, concrete, body, {
        status: 400,
        code: 'input_invalid',
        field,
        message: new RegExp(`^Invalid input: .*Unrecognized key: "${key}"`),
      });
    });
  }

  const wrongValues: Array<[string, Method, string, unknown, string]> = [
    ['a number username', 'POST', '/users', { username: 5, email: 'bob@example.com' }, 'username'],
    [
      'a string isAdmin',
      'POST',
      '/users',
      { username: 'bob', email: 'bob@example.com', isAdmin: 'yes' },
      'isAdmin',
    ],
    ['a string isAdmin', 'PUT', '/users/:alice/admin', { isAdmin: 'true' }, 'isAdmin'],
    ['a short password', 'POST', '/users/:alice/password', { password: 'short' }, 'password'],
    ['a null name', 'POST', '/groups', { name: null }, 'name'],
    ['a padded name', 'POST', '/groups', { name: ' padded ' }, 'name'],
    [
      'a string showInPortal',
      'PATCH',
      '/applications/databricks',
      { showInPortal: 'no' },
      'showInPortal',
    ],
    ['a string groupIds', 'PUT', '/applications/databricks/groups', { groupIds: 'x' }, 'groupIds'],
    ['a number name', 'POST', '/api-keys', { name: 42 }, 'name'],
  ];

  for (const [label, method, path, body, field] of wrongValues) {
    it(`rejects ${label} in ${method} ${path}`, async () => {
      const concrete = path.replace(':alice', aliceId);
      await expectRejected(method, concrete, body, {
        status: 400,
        code: 'input_invalid',
        field,
        message: new RegExp(`^Invalid input: ${field} `),
      });
    });
  }

  it('rejects a body that is not an object', async () => {
    await expectRejected('POST', '/groups', ['engineers'], {
      status: 400,
      code: 'input_invalid',
      message: /^Invalid input: value /,
    });
  });

  it('rejects malformed JSON', async () => {
    const before = await snapshot(api.services);
    for (const text of ['{"name": "ops"', '"ops"', 'null', '']) {
      const answer = await api.call('POST', '/groups').type('json').send(text);
      expect(answer.status, text).toBe(400);
      expect(answer.body.error.code, text).toBe('input_invalid');
    }
    const broken = await api.call('POST', '/groups').type('json').send('{"name": "ops"');
    expect(broken.body.error.message).toBe('The request body is not valid JSON');
    expect(await snapshot(api.services)).toEqual(before);
  });

  it('requires a body where the route takes one', async () => {
    await expectRejected('POST', '/groups', undefined, {
      status: 400,
      code: 'input_invalid',
      message: 'A request body of type application/json is required',
    });
  });

  it('rejects other content types with 415', async () => {
    const before = await snapshot(api.services);
    const attempts = [
      api.call('POST', '/groups').type('form').send('name=ops'),
      api.call('POST', '/groups').set('Content-Type', 'text/plain').send('{"name":"ops"}'),
      api
        .call('POST', '/groups')
        .set('Content-Type', 'application/json; charset=latin1')
        .send('{"name":"ops"}'),
      api
        .call('POST', '/groups')
        .set('Content-Type', 'application/json; charset=utf-16le')
        .send(Buffer.from('{"name":"ops"}', 'utf16le')),
      api
        .call('POST', '/groups')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'zstd')
        .send('{"name":"ops"}'),
      api.call('POST', `/users/${aliceId}/suspend`).type('form').send('now=1'),
      api.call('PUT', '/applications/databricks/image').type('json').send({ image: 'x' }),
      api
        .call('PUT', '/applications/databricks/image')
        .set('Content-Type', 'image/svg+xml')
        .send(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')),
    ];
    for (const attempt of attempts) {
      const answer = await attempt;
      expect(answer.status).toBe(415);
      expect(answer.body.error.code).toBe('input_invalid');
    }
    const form = await api.call('POST', '/groups').type('form').send('name=ops');
    expect(form.body.error.message).toBe(
      'Content-Type must be application/json, not "application/x-www-form-urlencoded"',
    );
    expect(await snapshot(api.services)).toEqual(before);
  });

  it('rejects oversized bodies with 413', async () => {
    const before = await snapshot(api.services);
    const json = await api
      .call('POST', '/groups')
      .type('json')
      .send(JSON.stringify({ name: 'x'.repeat(300 * 1024) }));
    expect(json.status).toBe(413);
    expect(json.body.error).toEqual({
      code: 'payload_too_large',
      message: 'The request body is over 256 KiB',
    });

    const image = await api
      .call('PUT', '/applications/databricks/image')
      .type('image/png')
      .send(Buffer.concat([png(64, 64), Buffer.alloc(300 * 1024)]));
    expect(image.status).toBe(413);
    expect(image.body.error.code).toBe('payload_too_large');
    expect(await snapshot(api.services)).toEqual(before);
  });

  it('accepts JSON declared as UTF-8', async () => {
    const answer = await api
      .call('POST', '/groups')
      .set('Content-Type', 'application/json; charset=UTF-8')
      .send('{"name":"ops"}');
    expect(answer.status).toBe(201);
  });

  it('accepts gzip-compressed JSON', async () => {
    const answer = await api
      .call('POST', '/groups')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize((body) => body)
      .send(gzipSync('{"name":"ops"}'));
    expect(answer.status).toBe(201);
    expect(answer.body.name).toBe('ops');
  });

  it('accepts an empty object or no body on bodyless routes', async () => {
    await api.call('POST', `/users/${aliceId}/suspend`).expect(200);
    await api.call('POST', `/users/${aliceId}/activate`).send({}).expect(200);
    await api.call('POST', `/users/${aliceId}/suspend`).set('Content-Length', '0').expect(200);
  });
});

describe('API query strings', () => {
  const invalid: Array<[string, string]> = [
    ['/events?outcome=maybe', 'outcome'],
    ['/events?type=user_sneeze', 'type'],
    ['/events?from=yesterday', 'from'],
    ['/events?to=2026-01-01', 'to'],
    ['/events?pageSize=501', 'pageSize'],
    ['/events?pageSize=0', 'pageSize'],
    ['/events?page=-1', 'page'],
    ['/events?page=1.5', 'page'],
    ['/events?sort=time', 'sort'],
    ['/users?q=a&q=b', 'q'],
    ['/users?search=alice', 'search'],
    ['/applications?query=data', 'query'],
  ];

  for (const [path, field] of invalid) {
    it(`rejects ${path}`, async () => {
      const answer = await api.call('GET', path);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('input_invalid');
      expect(answer.body.error.field).toBe(field);
    });
  }
});

describe('API errors', () => {
  it('answers an unknown route with JSON 404', async () => {
    for (const [method, path] of [
      ['GET', '/nothing'],
      ['POST', '/events'],
      ['DELETE', '/events'],
      ['PUT', '/certificate'],
    ] as Array<[Method, string]>) {
      const answer = await api.call(method, path);
      expect(answer.status).toBe(404);
      expect(answer.body.error).toEqual({
        code: 'not_found',
        message: `No API route ${method} /api/v1${path}`,
      });
    }
  });

  it('answers an unknown object with 404', async () => {
    const answer = await api.call('GET', '/users/no-such-id');
    expect(answer.status).toBe(404);
    expect(answer.body.error).toEqual({ code: 'not_found', message: 'User no-such-id not found' });
  });

  it('hides the detail of an internal error', async () => {
    vi.spyOn(api.services.directory, 'listUsers').mockRejectedValueOnce(
      new Error('database file is locked at /secret/path'),
    );
    const answer = await api.call('GET', '/users');
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });

  it('keeps responses out of caches', async () => {
    const answer = await api.call('GET', '/users');
    expect(answer.headers['cache-control']).toBe('no-store');
    const rejected = await api.call('GET', '/nothing');
    expect(rejected.headers['cache-control']).toBe('no-store');
  });

  it('sets no session cookie', async () => {
    const answer = await api.call('GET', '/users');
    expect(answer.headers['set-cookie']).toBeUndefined();
  });
});
