import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark } from './lib/benchmark.ts';
import { describeMachine, formatMachine, type Machine } from './lib/machine.ts';
import { writeSection } from './lib/report.ts';

/**
 * Runs the benchmark modules `bench/*.bench.ts` (all of them, or those whose ids are given as
 * arguments) one after another, prints each section and writes it to docs/benchmarks.md.
 * A section is written as soon as its module finishes, so a later failure keeps earlier figures.
 */

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repositoryRoot = path.resolve(benchDir, '..');
const reportFile = path.join(repositoryRoot, 'docs', 'benchmarks.md');
const moduleSuffix = '.bench.ts';

async function main() {
  const requested = process.argv.slice(2);
  const benchmarks = selectBenchmarks(await loadBenchmarks(), requested);
  const machine = describeMachine(repositoryRoot);
  const command =
    requested.length > 0 ? `npm run bench -- ${requested.join(' ')}` : 'npm run bench';
  const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

  progress(formatMachine(machine));
  for (const benchmark of benchmarks) {
    progress(`${benchmark.id}: started`);
    const started = performance.now();
    const loadAverage = os.loadavg()[0]!;
    if (loadAverage > 0.5) {
      progress(
        `load average is ${loadAverage.toFixed(2)}, so other processes will slow the figures`,
      );
    }
    const body = await benchmark.run({
      progress: (message) => progress(`${benchmark.id}: ${message}`),
    });
    const section = renderSection(benchmark, body, { machine, command, loadAverage });

    writeSection(reportFile, benchmark.id, section);
    process.stdout.write(`${section}\n\n`);
    progress(`${benchmark.id}: finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  progress(`wrote ${path.relative(repositoryRoot, reportFile)}`);
}

async function loadBenchmarks(): Promise<Benchmark[]> {
  const files = fs
    .readdirSync(benchDir)
    .filter((name) => name.endsWith(moduleSuffix))
    .sort();

  const benchmarks: Benchmark[] = [];
  for (const file of files) {
    const loaded = (await import(pathToFileURL(path.join(benchDir, file)).href)) as {
      default?: Benchmark;
    };
    const benchmark = loaded.default;
    if (!benchmark || benchmark.id !== file.slice(0, -moduleSuffix.length)) {
      throw new Error(
        `bench/${file} must default-export a Benchmark whose id is its file name without ${moduleSuffix}`,
      );
    }
    benchmarks.push(benchmark);
  }
  return benchmarks;
}

function selectBenchmarks(benchmarks: Benchmark[], requested: string[]): Benchmark[] {
  if (requested.length === 0) return benchmarks;
  const known = new Set(benchmarks.map((benchmark) => benchmark.id));
  const unknown = requested.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Error(
      `Benchmark ${unknown.join(', ')} not found. The benchmarks are: ${[...known].join(', ')}`,
    );
  }
  return benchmarks.filter((benchmark) => requested.includes(benchmark.id));
}

interface RunConditions {
  machine: Machine;
  command: string;
  /** One-minute load average just before the module started. */
  loadAverage: number;
}

function renderSection(benchmark: Benchmark, body: string, run: RunConditions): string {
  const date = new Date().toISOString().slice(0, 10);
  const commit = run.machine.commit ? `, commit ${run.machine.commit}` : '';
  const conditions = [
    `Measured on ${date}${commit}, with \`${run.command}\`.`,
    `Machine: ${formatMachine(run.machine)}.`,
    `One-minute load average before the run: ${run.loadAverage.toFixed(2)}.`,
    'A load average well above 0 means that other processes competed for the cores, which lowers the figures and widens their spread.',
  ];
  return [`## ${benchmark.title}`, conditions.join('\n'), body.trim()].join('\n\n');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
