import { describe, expect, it } from 'vitest';
import { createTokenBuckets } from '../../src/scim/token-bucket.ts';

function frozenClock(start = 1_000_000) {
  const clock = { time: start, now: () => clock.time };
  return clock;
}

describe('token buckets', () => {
  it('admits the burst, then gives the wait', () => {
    const clock = frozenClock();
    const buckets = createTokenBuckets({ ratePerSecond: 2, burst: 3 }, clock.now);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(500);
  });

  it('refills at the rate', () => {
    const clock = frozenClock();
    const buckets = createTokenBuckets({ ratePerSecond: 2, burst: 1 }, clock.now);
    expect(buckets.take('a')).toBe(0);
    clock.time += 250;
    expect(buckets.take('a')).toBe(250);
    clock.time += 250;
    expect(buckets.take('a')).toBe(0);
  });

  it('caps the refill at the burst', () => {
    const clock = frozenClock();
    const buckets = createTokenBuckets({ ratePerSecond: 10, burst: 2 }, clock.now);
    buckets.take('a');
    clock.time += 60_000;
    expect([buckets.take('a'), buckets.take('a')]).toEqual([0, 0]);
    expect(buckets.take('a')).toBe(100);
  });

  it('keeps one bucket per key', () => {
    const clock = frozenClock();
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 1 }, clock.now);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(1000);
    expect(buckets.take('b')).toBe(0);
  });

  it('charges nothing for a rejected request', () => {
    const clock = frozenClock();
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 1 }, clock.now);
    buckets.take('a');
    for (let i = 0; i < 5; i++) buckets.take('a');
    clock.time += 1000;
    expect(buckets.take('a')).toBe(0);
  });

  it('ignores a clock that goes back', () => {
    const clock = frozenClock();
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 1 }, clock.now);
    buckets.take('a');
    clock.time -= 5000;
    expect(buckets.take('a')).toBe(1000);
  });
});
