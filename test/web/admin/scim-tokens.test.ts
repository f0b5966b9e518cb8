import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signIn } from '../../support/browser-agent.ts';
import { startInstance, testPassword, type TestInstance } from '../../support/instance.ts';
import { by, seedAdminPortal, signInAdmin } from './support.ts';

let sesame: TestInstance;

beforeEach(async () => {
  sesame = await startInstance();
  await seedAdminPortal(sesame.services);
});
afterEach(() => sesame.close());

const tokenPattern = /id="token" class="monospace" value="(sesame_scim_[^"]+)"/;

describe('SCIM Tokens page', () => {
  it('shows a new token once with the base URL', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const created = await agent
      .post('/admin/scim-tokens')
      .type('form')
      .send({ _csrf: await csrf('/admin/scim-tokens'), name: 'Workday' });
    expect(created.status).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.text).toContain('cannot show it again');
    expect(created.text).toContain('value="http://localhost:8080/scim/v2"');

    const token = tokenPattern.exec(created.text)?.[1];
    expect(token).toBeDefined();
    expect((await sesame.services.scimTokens.authenticate(token!))?.name).toBe('Workday');

    const list = await agent.get('/admin/scim-tokens');
    expect(list.text).toContain('Workday');
    expect(list.text).toContain('http://localhost:8080/scim/v2');
    expect(list.text).not.toContain(token!);
    expect(list.text).not.toContain('sesame_scim_');
  });

  it('is listed in the admin navigation', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const page = await agent.get('/admin/applications').expect(200);
    expect(page.text).toContain('<a href="/admin/scim-tokens">SCIM Tokens</a>');
  });

  it('records the administrator as creator', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    await agent
      .post('/admin/scim-tokens')
      .type('form')
      .send({ _csrf: await csrf('/admin/scim-tokens'), name: 'Workday' })
      .expect(200);
    const [token] = await sesame.services.scimTokens.list();
    expect(token?.createdBy).toBe('root');
    const page = await agent.get('/admin/scim-tokens');
    expect(page.text).toContain('<td>root</td>');
  });

  it('shows an invalid name next to the field', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const answer = await agent
      .post('/admin/scim-tokens')
      .type('form')
      .send({ _csrf: await csrf('/admin/scim-tokens'), name: 'x'.repeat(101) });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('1-100 characters without control characters');
    expect(answer.text).not.toMatch(tokenPattern);
    expect(await sesame.services.scimTokens.list()).toEqual([]);
  });

  it('revokes a token', async () => {
    const created = await sesame.services.scimTokens.create('ci', by);
    const { agent, csrf } = await signInAdmin(sesame.app);
    await agent
      .post(`/admin/scim-tokens/${created.id}/revoke`)
      .type('form')
      .send({ _csrf: await csrf() })
      .expect(303);
    expect(await sesame.services.scimTokens.authenticate(created.token)).toBeUndefined();

    const list = await agent.get('/admin/scim-tokens');
    expect(list.text).toContain('SCIM token revoked.');
    expect(list.text).toContain('revoked</span>');
    expect(list.text).not.toContain(`/admin/scim-tokens/${created.id}/revoke`);
  });

  it('requires the CSRF token to create or revoke', async () => {
    const created = await sesame.services.scimTokens.create('ci', by);
    const { agent } = await signInAdmin(sesame.app);

    const create = await agent.post('/admin/scim-tokens').type('form').send({ name: 'Workday' });
    expect(create.status).toBe(403);
    expect(create.text).toContain('csrf_invalid');
    const revoke = await agent
      .post(`/admin/scim-tokens/${created.id}/revoke`)
      .type('form')
      .send({ _csrf: 'forged' });
    expect(revoke.status).toBe(403);
    expect(revoke.text).toContain('csrf_invalid');

    expect((await sesame.services.scimTokens.list()).map((token) => token.name)).toEqual(['ci']);
    expect((await sesame.services.scimTokens.authenticate(created.token))?.id).toBe(created.id);
  });

  it('gives a non-administrator 403', async () => {
    const created = await sesame.services.scimTokens.create('ci', by);
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);

    const page = await agent.get('/admin/scim-tokens');
    expect(page.status).toBe(403);
    expect(page.text).not.toContain('ci</td>');
    const create = await agent
      .post('/admin/scim-tokens')
      .type('form')
      .send({ _csrf: csrf, name: 'x' });
    expect(create.status).toBe(403);
    expect(create.text).not.toMatch(tokenPattern);
    const revoke = await agent
      .post(`/admin/scim-tokens/${created.id}/revoke`)
      .type('form')
      .send({ _csrf: csrf });
    expect(revoke.status).toBe(403);

    expect(await sesame.services.scimTokens.list()).toHaveLength(1);
    expect((await sesame.services.scimTokens.authenticate(created.token))?.id).toBe(created.id);
  });
});

describe('SCIM token form', () => {
  it('creates nothing when the created page is reloaded', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const page = await agent.get('/admin/scim-tokens');
    const fields = {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!,
      formNonce: /name="formNonce" value="([^"]+)"/.exec(page.text)![1]!,
      name: 'nightly',
    };
    const first = await agent.post('/admin/scim-tokens').type('form').send(fields);
    expect(first.status).toBe(200);
    expect(first.text).toMatch(tokenPattern);

    const again = await agent.post('/admin/scim-tokens').type('form').send(fields);
    expect(again.status).toBe(409);
    expect(again.text).toContain(
      'This form was already submitted, so no second token was created.',
    );
    expect(again.text).not.toMatch(tokenPattern);
    expect(await sesame.services.scimTokens.list()).toHaveLength(1);
  });
});
