import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import { signIn } from '../support/browser-agent.ts';
import { png } from '../support/images.ts';
import {
  seedDatabricks,
  startInstance,
  testPassword,
  type TestInstance,
} from '../support/instance.ts';

let sesame: TestInstance;
const by = { actor: 'test' };

beforeEach(async () => {
  sesame = await startInstance();
  const { group } = await seedDatabricks(sesame.services);
  await sesame.services.applications.create(
    {
      slug: 'wiki',
      template: 'bookmark',
      displayLabel: 'Team wiki',
      bookmarkUrl: 'https://wiki.example/start?a=1&b=2',
      spEntityId: '',
      acsUrls: [],
      sso: databricksTemplate,
    },
    by,
  );
  await sesame.services.applications.bind('wiki', group.id, group.name, by);
});
afterEach(() => sesame.close());

describe('user console', () => {
  it('shows a bookmark as a link that opens its URL', async () => {
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    const page = (await agent.get('/console')).text;
    expect(page).toContain(
      'href="https://wiki.example/start?a=1&amp;b=2" target="_blank" rel="noopener noreferrer" data-app="wiki"',
    );
  });

  it('has no SSO for a bookmark', async () => {
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent.post('/saml2/wiki/launch').type('form').send({ _csrf: csrf });
    expect(answer.status).toBe(404);
    expect(answer.text).toContain('is a bookmark and has no SSO');
  });

  it('hides an application not shown in the portal but keeps its SSO', async () => {
    await sesame.services.applications.updateGeneral(
      'databricks',
      { displayLabel: 'Databricks', showInPortal: false },
      by,
    );
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);
    expect((await agent.get('/console')).text).not.toContain('data-app="databricks"');
    expect(
      (await agent.post('/saml2/databricks/launch').type('form').send({ _csrf: csrf })).status,
    ).toBe(200);
  });

  it('serves a tile image with nosniff to signed-in users only', async () => {
    await sesame.services.applications.setImage('databricks', png(32, 32), by);
    const { agent } = await signIn(sesame.app, 'alice', testPassword);
    expect((await agent.get('/console')).text).toContain(
      '<img src="/apps/databricks/image" alt="">',
    );

    const image = await agent.get('/apps/databricks/image').expect(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.compare(image.body as Buffer, png(32, 32))).toBe(0);

    const bob = await signIn(sesame.app, 'bob', testPassword);
    expect((await bob.agent.get('/apps/databricks/image')).status).toBe(404);
  });
});
