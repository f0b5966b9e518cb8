import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startInstance, type TestInstance } from '../../support/instance.ts';
import { seedAdminPortal, signInAdmin } from './support.ts';

let sesame: TestInstance;
let seed: Awaited<ReturnType<typeof seedAdminPortal>>;

beforeEach(async () => {
  sesame = await startInstance();
  seed = await seedAdminPortal(sesame.services);
});
afterEach(() => sesame.close());

describe('API Keys', () => {
  it('shows a new token once and it authenticates', async () => {
    const { agent, csrf } = await signInAdmin(sesame.app);
    const created = await agent
      .post('/admin/api-keys')
      .type('form')
      .send({ _csrf: await csrf('/admin/api-keys'), name: 'HR sync' });
    expect(created.status).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.text).toContain('cannot show it again');

    const token = /id="token" class="monospace" value="(sesame_ak_[^"]+)"/.exec(created.text)?.[1];
    expect(token).toBeDefined();
    expect((await sesame.services.apiKeys.authenticate(token!))?.id).toBe(seed.root.id);

    const list = await agent.get('/admin/api-keys');
    expect(list.text).toContain('HR sync');
    expect(list.text).not.toContain(token!);
  });

  it('revokes a key', async () => {
    const { key, token } = await sesame.services.apiKeys.create(seed.root.id, 'ci', {
      actor: 'test',
    });
    const { agent, csrf } = await signInAdmin(sesame.app);
    await agent
      .post(`/admin/api-keys/${key.id}/revoke`)
      .type('form')
      .send({ _csrf: await csrf() })
      .expect(303);
    expect(await sesame.services.apiKeys.authenticate(token)).toBeUndefined();

    const list = await agent.get('/admin/api-keys');
    expect(list.text).toContain('API key revoked.');
    expect(list.text).toContain('revoked</span>');
  });
});

describe('API key form', () => {
  it('creates nothing when the created page is reloaded', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const page = await agent.get('/admin/api-keys');
    const fields = {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!,
      formNonce: /name="formNonce" value="([^"]+)"/.exec(page.text)![1]!,
      name: 'nightly',
    };
    expect((await agent.post('/admin/api-keys').type('form').send(fields)).status).toBe(200);

    const again = await agent.post('/admin/api-keys').type('form').send(fields);
    expect(again.status).toBe(409);
    expect(again.text).toContain('This form was already submitted, so no second key was created.');
    expect(
      (await sesame.services.apiKeys.list()).filter((key) => key.name === 'nightly'),
    ).toHaveLength(1);
  });
});
