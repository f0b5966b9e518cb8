import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { browser, csrfFrom, signIn } from '../support/browser-agent.ts';
import { safeReturnPath } from '../../src/web/routes/sign-in.ts';
import {
  seedDatabricks,
  startInstance,
  testPassword,
  type TestInstance,
} from '../support/instance.ts';

let sesame: TestInstance;

beforeEach(async () => {
  sesame = await startInstance({
    SESAME_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
    SESAME_LOGIN_MAX_FAILURES_PER_ADDRESS: '6',
  });
  await seedDatabricks(sesame.services);
});
afterEach(() => sesame.close());

async function attempt(agent: ReturnType<typeof browser>, username: string, password: string) {
  const page = await agent.get('/login');
  return agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), username, password });
}

async function loginEvents() {
  return sesame.services.db
    .selectFrom('events')
    .selectAll()
    .where('type', '=', 'user_login_attempt')
    .orderBy('id')
    .execute();
}

describe('sign-in', () => {
  it('signs in by email without regard to case', async () => {
    const answer = await attempt(browser(sesame.app), 'ALICE@example.COM', testPassword);
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/console');
    expect((await loginEvents()).at(-1)?.outcome).toBe('success');
  });

  it('gives one message for a wrong password and an unknown user', async () => {
    const wrong = await attempt(browser(sesame.app), 'alice', 'wrong password!!');
    const unknown = await attempt(browser(sesame.app), 'nobody', 'wrong password!!');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.text).toContain('Invalid username or password.');
    expect(unknown.text).toContain('Invalid username or password.');
    const events = await loginEvents();
    expect(events.map((event) => event.error_code)).toEqual([
      'invalid_credentials',
      'invalid_credentials',
    ]);
    // The known account is named; the text typed for an unknown one is not stored.
    expect(events.map((event) => event.actor)).toEqual(['alice', 'anonymous']);
    expect(JSON.stringify(events)).not.toContain('nobody');
  });

  it('rejects a suspended user', async () => {
    await sesame.services.directory.setStatus('alice', 'suspended', { actor: 'test' });
    const answer = await attempt(browser(sesame.app), 'alice', testPassword);
    expect(answer.status).toBe(401);
    expect((await loginEvents()).at(-1)?.error_code).toBe('user_suspended');
  });

  it('throttles an account after repeated failures', async () => {
    const agent = browser(sesame.app);
    for (let i = 0; i < 3; i++)
      expect((await attempt(agent, 'alice', 'wrong password!!')).status).toBe(401);
    const locked = await attempt(agent, 'alice', testPassword);
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Too many failed sign-ins. Try again in 15 minutes.');
    // The window started at the first failure, a second or two before this attempt.
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(890);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(900);
    expect((await attempt(agent, 'bob', testPassword)).status).toBe(303);
  });

  it('counts parallel guesses before checking them', async () => {
    const agents = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const agent = browser(sesame.app);
        return { agent, csrf: csrfFrom((await agent.get('/login')).text) };
      }),
    );
    const answers = await Promise.all(
      agents.map(({ agent, csrf }) =>
        agent
          .post('/login')
          .type('form')
          .send({ _csrf: csrf, username: 'alice', password: 'wrong password!!' }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(3);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(5);
  });

  it('shares one count between username and email', async () => {
    const agent = browser(sesame.app);
    for (const login of ['alice', 'ALICE', 'alice@example.com']) {
      expect((await attempt(agent, login, 'wrong password!!')).status).toBe(401);
    }
    expect((await attempt(agent, 'Alice@Example.com', testPassword)).status).toBe(429);
  });

  it('clears the account count after a successful sign-in', async () => {
    const agent = browser(sesame.app);
    for (let i = 0; i < 2; i++) await attempt(agent, 'alice', 'wrong password!!');
    expect((await attempt(agent, 'alice', testPassword)).status).toBe(303);
    for (let i = 0; i < 3; i++)
      expect((await attempt(agent, 'alice', 'wrong password!!')).status).toBe(401);
  });

  it('lifts an account lock when an administrator resets the password', async () => {
    const agent = browser(sesame.app);
    for (let i = 0; i < 3; i++) await attempt(agent, 'alice', 'wrong password!!');
    expect((await attempt(agent, 'alice', testPassword)).status).toBe(429);

    await sesame.services.directory.setPassword('alice', 'a brand new password', { actor: 'test' });
    expect((await attempt(agent, 'alice', 'a brand new password')).status).toBe(303);
  });

  it('throttles an address after failures on many accounts', async () => {
    const agent = browser(sesame.app);
    for (let i = 0; i < 6; i++) await attempt(agent, `user${i}`, 'wrong password!!');
    expect((await attempt(agent, 'alice', testPassword)).status).toBe(429);
  });

  it('rejects a sign-in without the CSRF token', async () => {
    const agent = browser(sesame.app);
    await agent.get('/login');
    const answer = await agent
      .post('/login')
      .type('form')
      .send({ username: 'alice', password: testPassword });
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('csrf_invalid');
  });

  it('rejects a CSRF token from another session', async () => {
    const other = await browser(sesame.app).get('/login');
    const agent = browser(sesame.app);
    await agent.get('/login');
    const answer = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(other.text), username: 'alice', password: testPassword });
    expect(answer.status).toBe(403);
  });

  it('accepts only local return paths', () => {
    expect(safeReturnPath('/saml2/databricks/continue/ab')).toBe('/saml2/databricks/continue/ab');
    expect(safeReturnPath('//evil.example/console')).toBe('/console');
    expect(safeReturnPath('/\\evil.example')).toBe('/console');
    expect(safeReturnPath('https://evil.example/')).toBe('/console');
    expect(safeReturnPath(undefined)).toBe('/console');
  });

  it('ends the session at sign-out', async () => {
    const { agent, csrf } = await signIn(sesame.app, 'alice', testPassword);
    const answer = await agent.post('/logout').type('form').send({ _csrf: csrf });
    expect(answer.status).toBe(303);
    expect((await agent.get('/console')).headers.location).toBe('/login');
    const sessions = await sesame.services.db.selectFrom('sessions').select('user_id').execute();
    expect(sessions.filter((row) => row.user_id !== null)).toEqual([]);
  });

  it('keeps anonymous sessions for 30 minutes and signed-in ones for the TTL', async () => {
    const agent = browser(sesame.app);
    const page = await agent.get('/login');
    expect(page.headers['set-cookie']?.[0]).toMatch(/Expires=/);
    const anonymous = await sesame.services.db
      .selectFrom('sessions')
      .select('expires_at')
      .execute();
    expect(Number(anonymous[0]?.expires_at) - Date.now() / 1000).toBeLessThanOrEqual(30 * 60 + 5);

    await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), username: 'alice', password: testPassword });
    const signedIn = await sesame.services.db
      .selectFrom('sessions')
      .select('expires_at')
      .where('user_id', 'is not', null)
      .execute();
    expect(Number(signedIn[0]?.expires_at) - Date.now() / 1000).toBeGreaterThan(7 * 3600);
  });

  it('sets a session cookie that scripts cannot read', async () => {
    const page = await request(sesame.app).get('/login');
    const cookie = page.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
  });

  it('sends security headers', async () => {
    const page = await request(sesame.app).get('/login');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(page.headers['x-powered-by']).toBeUndefined();
  });
});
