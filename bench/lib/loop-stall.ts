/**
 * Measures the longest time the event loop could not run a timer, by ticking every `intervalMs`
 * and keeping the largest gap beyond the interval. Unlike `perf_hooks.monitorEventLoopDelay`,
 * `stop` counts the stall still in progress when it is called, because work that ends on a
 * resolved promise chain may never let a timer fire before the caller stops measuring.
 */
export function startLoopStallMonitor(intervalMs = 10): { stop(): number } {
  let last = performance.now();
  let maxStallMs = 0;
  const record = () => {
    const now = performance.now();
    maxStallMs = Math.max(maxStallMs, now - last - intervalMs);
    last = now;
  };
  const timer = setInterval(record, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      record();
      return Math.max(0, maxStallMs);
    },
  };
}
