import type { Express } from 'express';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Services } from '../../src/services.ts';
import {
  createPasswordLinks,
  passwordLinkInvalidMessage,
  type PasswordLinks,
} from '../../src/directory/password-links.ts';
import { setPasswordRouter } from '../../src/web/routes/set-password.ts';
import { browser, csrfFrom, signIn, unescapeHtml } from '../support/browser-agent.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

const by = { actor: 'root' };
const newPassword = 'a brand new password';

let sesame: TestInstance;
let links: PasswordLinks;
let clock: Date;
let token: string;
let path: string;

/**
 * Mounts the set-password routes with this test's service, whose clock the test controls, right
 * after the session middleware. They then run before any set-password routes of src/app.ts.
 */
function mountSetPassword(app: Express, services: Services, passwordLinks: PasswordLinks) {
  app.use(setPasswordRouter(services, passwordLinks));
  const { stack } = (app as unknown as { router: { stack: Array<{ name: string }> } }).router;
  const layer = stack.pop()!;
  const sessions = stack.findIndex((entry) => entry.name === 'shortenAnonymousSessions');
  expect(sessions).toBeGreaterThan(0);
  stack.splice(sessions + 1, 0, layer);
}

beforeEach(async () => {
  sesame = await startInstance();
  clock = new Date();
  const { services } = sesame;
  links = createPasswordLinks(services.db, services.insights, {
    ttlSeconds: 3600,
    now: () => clock,
  });
  mountSetPassword(sesame.app, services, links);
  const alice = await services.directory.createUser(
    { username: 'alice', email: 'alice@example.com' },
    by,
  );
  ({ token } = await links.create(alice.id, by));
  path = `/set-password/${token}`;
});
afterEach(() => sesame.close());

async function openForm(agent = browser(sesame.app)) {
  const page = await agent.get(path).expect(200);
  return { agent, page, csrf: csrfFrom(page.text) };
}

async function submit(password: string, confirmation = password) {
  const { agent, csrf } = await openForm();
  return agent
    .post(path)
    .type('form')
    .send({ _csrf: csrf, password, passwordConfirmation: confirmation });
}

function fieldError(html: string, field: string): string | undefined {
  const match = new RegExp(
    `<p class="field-error" id="${field}-error" role="alert">([^<]*)</p>`,
  ).exec(html)?.[1];
  return match === undefined ? undefined : unescapeHtml(match);
}

async function signsInWith(password: string): Promise<boolean> {
  const verdict = await sesame.services.directory.authenticate('alice', password);
  return verdict.user !== undefined && verdict.reason === undefined;
}

async function linkUsed(): Promise<boolean> {
  const row = await sesame.services.db
    .selectFrom('password_links')
    .select('used_at')
    .executeTakeFirstOrThrow();
  return row.used_at !== null;
}

function expectPrivateHeaders(answer: { headers: Record<string, string> }) {
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['referrer-policy']).toBe('no-referrer');
}

function expectInvalidLinkPage(answer: { status: number; text: string }) {
  expect(answer.status).toBe(404);
  expect(unescapeHtml(answer.text)).toContain(passwordLinkInvalidMessage);
  expect(answer.text).not.toContain('<form method="post" action="/set-password/');
}

describe('set-password page', () => {
  it('shows the form for a valid link', async () => {
    const { page } = await openForm();
    expect(page.text).toContain('<strong>alice</strong>');
    expect(page.text).toContain(`action="${path}"`);
    expect(page.text).toContain('name="passwordConfirmation"');
  });

  it('sends no-store and no-referrer', async () => {
    const { page } = await openForm();
    expectPrivateHeaders(page);
    expectPrivateHeaders(await submit(newPassword));
    expectPrivateHeaders(await browser(sesame.app).get(path));
  });

  it('shows one message for unknown links', async () => {
    for (const unknown of [`sesame_pl_${'A'.repeat(43)}`, 'sesame_pl_short', 'x']) {
      const answer = await browser(sesame.app).get(`/set-password/${unknown}`);
      expectInvalidLinkPage(answer);
      expectPrivateHeaders(answer);
    }
  });

  it('rejects a POST without the CSRF token', async () => {
    const { agent } = await openForm();
    const answer = await agent
      .post(path)
      .type('form')
      .send({ password: newPassword, passwordConfirmation: newPassword });

    expect(answer.status).toBe(403);
    expect(answer.text).toContain('Form expired');
    expect(await linkUsed()).toBe(false);
    expect(await signsInWith(newPassword)).toBe(false);
  });

  it("rejects another session's CSRF token", async () => {
    const { csrf } = await openForm();
    const answer = await browser(sesame.app)
      .post(path)
      .type('form')
      .send({ _csrf: csrf, password: newPassword, passwordConfirmation: newPassword });

    expect(answer.status).toBe(403);
    expect(await linkUsed()).toBe(false);
  });

  it('shows a mismatched confirmation next to it', async () => {
    const answer = await submit(newPassword, 'a different password');
    expect(answer.status).toBe(400);
    expect(fieldError(answer.text, 'passwordConfirmation')).toBe(
      'Password confirmation does not match the password.',
    );
    expect(await linkUsed()).toBe(false);
  });

  it('shows a weak password next to it', async () => {
    const answer = await submit('too short');
    expect(answer.status).toBe(400);
    expect(fieldError(answer.text, 'password')).toBe('Password must be at least 12 characters');
    expect(answer.text).not.toContain('too short');
    expect(await linkUsed()).toBe(false);
  });

  it('sets the password the user signs in with', async () => {
    const answer = await submit(newPassword);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('Password set');
    expect(answer.text).toContain('href="/login"');

    const { agent } = await signIn(sesame.app, 'alice', newPassword);
    await agent.get('/console').expect(200);
  });

  it('rejects a second use', async () => {
    expect((await submit(newPassword)).status).toBe(200);
    expectInvalidLinkPage(await browser(sesame.app).get(path));

    const { agent } = await signIn(sesame.app, 'alice', newPassword);
    const page = await agent.get('/console').expect(200);
    const second = await agent
      .post(path)
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        password: 'another new one!',
        passwordConfirmation: 'another new one!',
      });
    expectInvalidLinkPage(second);
    expect(await signsInWith(newPassword)).toBe(true);
  });

  it('rejects an expired link', async () => {
    const { agent, csrf } = await openForm();
    clock = new Date(clock.getTime() + 3600 * 1000);

    expectInvalidLinkPage(await agent.get(path));
    const answer = await agent
      .post(path)
      .type('form')
      .send({ _csrf: csrf, password: newPassword, passwordConfirmation: newPassword });
    expectInvalidLinkPage(answer);
    expect(await signsInWith(newPassword)).toBe(false);
  });

  it('keeps the token out of events and logs', async () => {
    const { logger } = sesame.services;
    const calls = (['info', 'warn', 'error'] as const).map((level) => vi.spyOn(logger, level));

    await browser(sesame.app).post(path).type('form').send({ password: newPassword });
    await submit('too short');
    expect((await submit(newPassword)).status).toBe(200);
    await browser(sesame.app).get(path).expect(404);
    // A body over the form parser's limit fails before the page's own router.
    await browser(sesame.app)
      .post(path)
      .type('form')
      .send({ password: 'x'.repeat(200_000) });

    const logged = JSON.stringify(calls.flatMap((spy) => spy.mock.calls));
    expect(logged).toContain('request rejected');
    expect(logged).toContain('event recorded');
    expect(logged).not.toContain(token.slice('sesame_pl_'.length));
    const events = await sesame.services.db.selectFrom('events').selectAll().execute();
    expect(events.length).toBeGreaterThan(1);
    expect(JSON.stringify(events)).not.toContain(token.slice('sesame_pl_'.length));
  });
});
