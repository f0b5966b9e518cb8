/**
 * A benchmark module is a file `bench/<id>.bench.ts` whose default export is a `Benchmark`.
 * `bench/run.ts` finds every such file, runs it and writes its section of docs/benchmarks.md.
 */
export interface Benchmark {
  /** Stable identifier: the command-line filter and the name in the section's markers. */
  id: string;
  /** Heading of the section in docs/benchmarks.md. */
  title: string;
  /** Runs the measurements and returns the section's body in Markdown, without its heading. */
  run(context: BenchmarkContext): Promise<string>;
}

export interface BenchmarkContext {
  /** Writes a progress line to stderr, so stdout keeps only the report. */
  progress(message: string): void;
}
