import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { errorUrn, startScim, userUrn, type ScimTest } from './support.ts';

let scim: ScimTest;
beforeAll(async () => {
  scim = await startScim();
});
afterAll(() => scim.close());

describe('SCIM errors', () => {
  it('sends the error schema with a string status', async () => {
    const response = await scim.call('get', '/Users/no-such-id').expect(404);
    expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(response.body).toEqual({
      schemas: [errorUrn],
      status: '404',
      detail: 'User no-such-id not found',
    });
  });

  it('answers 404 for unknown endpoints and /Bulk', async () => {
    const bulk = await scim.call('post', '/Bulk', { schemas: [], Operations: [] }).expect(404);
    expect(bulk.body.detail).toBe('No SCIM endpoint POST /Bulk: bulk operations are not supported');
    const me = await scim.call('get', '/Me').expect(404);
    expect(me.body.detail).toBe('No SCIM endpoint GET /Me');
  });

  it('answers 405 with Allow for an unsupported method', async () => {
    const response = await scim.call('delete', '/Users').expect(405);
    expect(response.headers.allow).toBe('GET, POST, HEAD');
    expect(response.body.status).toBe('405');
    const config = await scim.call('put', '/ServiceProviderConfig', {}).expect(405);
    expect(config.headers.allow).toBe('GET, HEAD');
  });

  it('rejects malformed JSON as invalidSyntax', async () => {
    const response = await scim
      .call('post', '/Users')
      .type('application/scim+json')
      .send('{"userName": ')
      .expect(400);
    expect(response.body.scimType).toBe('invalidSyntax');
  });

  it('rejects a body that is not an object', async () => {
    const response = await scim.call('post', '/Users', [{ userName: 'ann' }]).expect(400);
    expect(response.body.scimType).toBe('invalidSyntax');
    expect(response.body.detail).toBe('Request body must be a JSON object');
  });

  it('rejects requests without a token', async () => {
    const response = await request(scim.sesame.app).get('/scim/v2/Users').expect(401);
    expect(response.body.detail).toBe('Authentication failed');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('accepts application/json bodies too', async () => {
    await scim
      .call('post', '/Users')
      .type('application/json')
      .send({ schemas: [userUrn], userName: 'ann', emails: [{ value: 'ann@example.com' }] })
      .expect(201);
  });

  it('does not store responses', async () => {
    const response = await scim.call('get', '/Users').expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

describe('SCIM error logging', () => {
  it('logs a rejection with its scimType and detail', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = await startScim({}, createLogger('info', sink));
    try {
      await logged.call('get', `/Users?filter=${encodeURIComponent('title eq "x"')}`).expect(400);
    } finally {
      await logged.close();
    }
    const rejection = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.event === 'scim.request.rejected');
    expect(rejection).toMatchObject({
      level: 30,
      msg: 'SCIM request rejected',
      status: 400,
      method: 'GET',
      path: '/Users',
      scimType: 'invalidFilter',
      detail: 'Filtering on "title" is not supported',
    });
  });
});
