/**
 * Calls `describe` every `intervalMs` and passes its text to `report`, for progress lines during
 * a long run. A tick is skipped while the previous one is still running. Returns the stop function.
 */
export function startTicker(
  intervalMs: number,
  describe: () => Promise<string>,
  report: (message: string) => void,
): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    describe()
      .then(report, (error: unknown) => report(`progress check failed: ${String(error)}`))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  return () => clearInterval(timer);
}
