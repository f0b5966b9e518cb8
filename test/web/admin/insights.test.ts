import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startInstance, type TestInstance } from '../../support/instance.ts';
import { seedAdminPortal, signInAdmin } from './support.ts';

let sesame: TestInstance;

beforeEach(async () => {
  sesame = await startInstance();
  await seedAdminPortal(sesame.services);
});
afterEach(() => sesame.close());

describe('Directory Insights', () => {
  it('lists events newest first', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const page = await agent.get('/admin/insights');
    expect(page.status).toBe(200);
    const types = [...page.text.matchAll(/<td><code>([a-z_]+)<\/code><\/td>/g)].map(
      (match) => match[1],
    );
    expect(types[0]).toBe('user_login_attempt');
    expect(types.at(-1)).toBe('user_create');
    expect(page.text).not.toMatch(/<form method="post" action="\/admin/);
  });

  it('filters by type, user and outcome', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const page = await agent.get(
      '/admin/insights?type=group_member_add&user=ALICE&outcome=success',
    );
    expect(page.text).toContain('1 event.');
    expect(page.text).toContain('<td><code>group_member_add</code></td>');
    expect(page.text).toMatch(/<option value="group_member_add" selected>/);

    const none = await agent.get('/admin/insights?type=user_login_attempt&outcome=failure');
    expect(none.text).toContain('0 events.');
  });

  it('filters by time in UTC', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const future = await agent.get('/admin/insights?from=2999-01-01T00:00');
    expect(future.text).toContain('0 events.');
    const past = await agent.get('/admin/insights?to=2000-01-01T00:00');
    expect(past.text).toContain('0 events.');
    const all = await agent.get('/admin/insights?from=2000-01-01T00:00&to=2999-01-01T00:00');
    expect(all.text).not.toContain('0 events.');
  });

  it('pages through events', async () => {
    for (let i = 0; i < 60; i++) {
      await sesame.services.insights.record({
        type: 'sso_auth',
        outcome: 'failure',
        username: 'alice',
        errorCode: 'not_assigned',
      });
    }
    const { agent } = await signInAdmin(sesame.app);
    const first = await agent.get('/admin/insights?type=sso_auth');
    expect(first.text).toContain('60 events, page 1 of 2.');
    expect(first.text).toContain('href="?type=sso_auth&amp;page=2" rel="next"');

    const second = await agent.get('/admin/insights?type=sso_auth&page=2');
    expect(second.text).toContain('page 2 of 2');
    expect(second.text.match(/<td><code>sso_auth<\/code><\/td>/g)).toHaveLength(10);
    expect(second.text).toContain('href="?type=sso_auth" rel="prev"');
  });

  it('exports the filtered events as JSON', async () => {
    const { agent } = await signInAdmin(sesame.app);
    const exported = await agent.get('/admin/insights/export.json?user=alice');
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toContain('application/json');
    expect(exported.headers['content-disposition']).toMatch(
      /^attachment; filename="directory-insights-.*\.json"$/,
    );

    const body = exported.body as {
      total: number;
      truncated: boolean;
      events: Array<{ type: string; username: string }>;
    };
    expect(body.truncated).toBe(false);
    expect(body.events).toHaveLength(body.total);
    expect(body.events.map((event) => event.type)).toEqual(['group_member_add', 'user_create']);
    expect(body.events.every((event) => event.username === 'alice')).toBe(true);
  });
});
