import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../src/saml/request/schema-limit.ts';

describe('validation limiter', () => {
  it('runs at most two tasks at once and rejects past the queue', async () => {
    const limit = createLimiter(2, 1);
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const task = () =>
      limit(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
      });

    const accepted = [task(), task(), task()];
    await expect(task()).rejects.toMatchObject({ code: 'server_busy', status: 503 });

    while (release.length > 0 || running > 0) {
      release.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(accepted);
    expect(peak).toBe(2);
  });
});
