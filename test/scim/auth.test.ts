import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import express, { type Express } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { scimAuthentication, scimJsonParser, scimMaxBodyBytes } from '../../src/scim/auth.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

const by = { actor: 'test' };
const failureBody =
  '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"Authentication failed"}';

/**
 * Stops superagent from serializing a Buffer as JSON, which it does for any `+json` type. Its
 * typings declare a string result, but it sends a Buffer unchanged.
 */
const sendAsIs = (raw: unknown) => raw as string;

let sesame: TestInstance | undefined;
afterEach(async () => {
  await sesame?.close();
  sesame = undefined;
});

/**
 * Starts Sesame and a small app that mounts the SCIM middleware in front of a handler that
 * returns what the middleware set: the client and the parsed body.
 */
async function startScim(env: Record<string, string> = {}, logLines?: string[]) {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines?.push(String(chunk));
      done();
    },
  });
  sesame = await startInstance(env, createLogger(logLines ? 'info' : 'silent', sink));
  const app: Express = express();
  app.use(scimAuthentication(sesame.services), scimJsonParser, (req, res) => {
    res.json({ client: res.locals.scimToken, body: req.body ?? null });
  });
  const created = await sesame.services.scimTokens.create('Workday', by);
  return { app, services: sesame.services, created };
}

describe('SCIM authentication', () => {
  it('passes a valid token with its client', async () => {
    const { app, created } = await startScim();
    const answer = await request(app)
      .get('/Users')
      .set('Authorization', `Bearer ${created.token}`)
      .expect(200);
    expect(answer.body.client).toEqual({ id: created.id, name: 'Workday' });
  });

  it('accepts the scheme in any case', async () => {
    const { app, created } = await startScim();
    await request(app).get('/Users').set('Authorization', `bearer ${created.token}`).expect(200);
  });

  it('sets last use on the token', async () => {
    const { app, services, created } = await startScim();
    await request(app).get('/Users').set('Authorization', `Bearer ${created.token}`).expect(200);
    const [listed] = await services.scimTokens.list();
    expect(listed?.lastUsedAt).not.toBeNull();
  });

  it('rejects every failure with one identical answer', async () => {
    const { app, services, created } = await startScim();
    const revoked = await services.scimTokens.create('old', by);
    await services.scimTokens.revoke(revoked.id, by);
    const { token: apiKey } = await services.apiKeys.create(
      (await services.directory.createUser(
        { username: 'root', email: 'root@example.com', isAdmin: true },
        by,
      ))!.id,
      'api',
      by,
    );

    const cases: Array<[string, string | undefined]> = [
      ['missing header', undefined],
      ['empty header', ''],
      ['Basic scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
      ['token without scheme', created.token],
      ['scheme without token', 'Bearer'],
      ['two tokens', `Bearer ${created.token} ${created.token}`],
      ['unknown token', `Bearer sesame_scim_${'A'.repeat(43)}`],
      ['malformed token', 'Bearer sesame_scim_<script>'],
      ['revoked token', `Bearer ${revoked.token}`],
      ['admin API key', `Bearer ${apiKey}`],
    ];
    for (const [name, header] of cases) {
      const pending = request(app).post('/Users').type('application/scim+json').send('{}');
      if (header !== undefined) pending.set('Authorization', header);
      const answer = await pending;
      expect(answer.status, name).toBe(401);
      expect(answer.text, name).toBe(failureBody);
      expect(answer.headers['www-authenticate'], name).toBe('Bearer realm="sesame-scim"');
      expect(answer.headers['content-type'], name).toBe('application/scim+json; charset=utf-8');
    }
  });

  it('logs the reason of a failure without the token', async () => {
    const lines: string[] = [];
    const { app } = await startScim({}, lines);
    const unknown = `sesame_scim_${'Z'.repeat(43)}`;
    await request(app).get('/Users').set('Authorization', `Bearer ${unknown}`).expect(401);
    await request(app).get('/Users').expect(401);

    const rejected = lines.map((line) => JSON.parse(line)).filter((line) => line.status === 401);
    expect(rejected.map((line) => line.reason)).toEqual(['unknown or revoked', 'missing']);
    expect(rejected[0]?.event).toBe('scim.request.rejected');
    expect(lines.join('')).not.toContain(unknown);
  });
});

describe('SCIM rate limit', () => {
  it('answers 429 with Retry-After after the burst', async () => {
    const { app, created } = await startScim({
      SESAME_SCIM_SERVER_BURST: '3',
      SESAME_SCIM_SERVER_RATE_PER_SECOND: '0.1',
    });
    const call = () => request(app).get('/Users').set('Authorization', `Bearer ${created.token}`);
    for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200);

    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('10');
    expect(limited.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(limited.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '429',
      detail: 'Too many requests for this token; retry after 10 s',
    });
  });

  it('limits each token separately', async () => {
    const { app, services, created } = await startScim({
      SESAME_SCIM_SERVER_BURST: '1',
      SESAME_SCIM_SERVER_RATE_PER_SECOND: '0.1',
    });
    const other = await services.scimTokens.create('Okta', by);
    const call = (token: string) =>
      request(app).get('/Users').set('Authorization', `Bearer ${token}`);
    expect((await call(created.token)).status).toBe(200);
    expect((await call(created.token)).status).toBe(429);
    expect((await call(other.token)).status).toBe(200);
  });

  it('charges failed authentication to no token', async () => {
    const { app, created } = await startScim({
      SESAME_SCIM_SERVER_BURST: '1',
      SESAME_SCIM_SERVER_RATE_PER_SECOND: '0.1',
    });
    for (let i = 0; i < 5; i++) await request(app).get('/Users').expect(401);
    await request(app).get('/Users').set('Authorization', `Bearer ${created.token}`).expect(200);
  });

  it('logs one line per throttled stretch', async () => {
    const lines: string[] = [];
    const { app, created } = await startScim(
      { SESAME_SCIM_SERVER_BURST: '1', SESAME_SCIM_SERVER_RATE_PER_SECOND: '0.1' },
      lines,
    );
    const call = () => request(app).get('/Users').set('Authorization', `Bearer ${created.token}`);
    await call().expect(200);
    for (let i = 0; i < 4; i++) await call().expect(429);

    const throttled = lines.map((line) => JSON.parse(line)).filter((line) => line.status === 429);
    expect(throttled).toHaveLength(1);
    expect(throttled[0]?.tokenId).toBe(created.id);
  });
});

describe('SCIM body parser', () => {
  async function post(body: string | Buffer, type = 'application/scim+json', encoding?: string) {
    const { app, created } = await startScim();
    const pending = request(app)
      .post('/Users')
      .set('Authorization', `Bearer ${created.token}`)
      .set('Content-Type', type);
    if (encoding) pending.set('Content-Encoding', encoding);
    return pending.serialize(sendAsIs).send(body);
  }

  it.each(['application/scim+json', 'application/json', 'application/scim+json; charset=utf-8'])(
    'parses %s',
    async (type) => {
      const answer = await post('{"userName":"alice"}', type);
      expect(answer.status).toBe(200);
      expect(answer.body.body).toEqual({ userName: 'alice' });
    },
  );

  it('leaves a request without a body unparsed', async () => {
    const { app, created } = await startScim();
    const answer = await request(app)
      .delete('/Users/1')
      .set('Authorization', `Bearer ${created.token}`)
      .expect(200);
    expect(answer.body.body).toBeNull();
  });

  it('rejects malformed JSON as invalidSyntax', async () => {
    const answer = await post('{"userName":');
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(answer.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'invalidSyntax',
      detail: 'Request body is not a valid JSON object or array',
    });
  });

  it('rejects a bare JSON string as invalidSyntax', async () => {
    const answer = await post('"alice"');
    expect(answer.status).toBe(400);
    expect(answer.body.scimType).toBe('invalidSyntax');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    'rejects Content-Type %s as invalidSyntax',
    async (type) => {
      const answer = await post('{"userName":"alice"}', type);
      expect(answer.status).toBe(400);
      expect(answer.body.scimType).toBe('invalidSyntax');
      expect(answer.body.detail).toBe(
        `Content-Type must be application/scim+json or application/json, not "${type}"`,
      );
    },
  );

  it('rejects a charset other than UTF-8', async () => {
    const answer = await post(
      Buffer.from('{"userName":"alice"}', 'utf16le'),
      'application/scim+json; charset=utf-16le',
    );
    expect(answer.status).toBe(400);
    expect(answer.body.scimType).toBe('invalidSyntax');
    expect(answer.body.detail).toBe('Request body must be JSON in UTF-8, not charset "utf-16le"');
  });

  it('parses a gzip body', async () => {
    const answer = await post(gzipSync('{"userName":"alice"}'), 'application/scim+json', 'gzip');
    expect(answer.status).toBe(200);
    expect(answer.body.body).toEqual({ userName: 'alice' });
  });

  it('accepts a body of exactly the maximum size', async () => {
    const padding = 'x'.repeat(scimMaxBodyBytes - '{"p":""}'.length);
    const answer = await post(`{"p":"${padding}"}`);
    expect(answer.status).toBe(200);
    expect(answer.body.body.p).toHaveLength(padding.length);
  });

  it('rejects a body one byte over the maximum with 413', async () => {
    const padding = 'x'.repeat(scimMaxBodyBytes - '{"p":""}'.length + 1);
    const answer = await post(`{"p":"${padding}"}`);
    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(answer.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '413',
      detail: 'Request body is larger than the maximum of 1048576 bytes (1 MiB)',
    });
  });

  it('rejects a gzip body that inflates over the maximum', async () => {
    const inflated = `{"p":"${'x'.repeat(4 * scimMaxBodyBytes)}"}`;
    const answer = await post(gzipSync(inflated), 'application/scim+json', 'gzip');
    expect(answer.status).toBe(413);
    expect(answer.body.status).toBe('413');
  });

  it('rejects a body that is not gzip as invalidSyntax', async () => {
    const answer = await post('{"userName":"alice"}', 'application/scim+json', 'gzip');
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(answer.body.scimType).toBe('invalidSyntax');
    expect(answer.body.detail).toBe('Request body could not be read');
  });

  it('rejects an unsupported Content-Encoding as invalidSyntax', async () => {
    const answer = await post('{}', 'application/scim+json', 'compress');
    expect(answer.status).toBe(400);
    expect(answer.body.scimType).toBe('invalidSyntax');
    expect(answer.body.detail).toBe(
      'Content-Encoding "compress" is not supported; use gzip, deflate, br or none',
    );
  });
});
