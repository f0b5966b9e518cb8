import { formatNumber, markdownTable } from './report.ts';
import type { CallCounts } from './scim-calls.ts';

/** One timed run: the requests the emulator received and the wall time until Sesame was idle. */
export interface ProvisioningRun {
  label: string;
  calls: CallCounts;
  seconds: number;
  /** The maximum time the event loop, which Sesame's HTTP server shares, could not run a timer. */
  maxLoopStallMs: number;
}

export interface ProvisioningReport {
  userCount: number;
  groupCount: number;
  ratePerSecond: number;
  renamedCount: number;
  movedCount: number;
  movedFrom: string;
  movedTo: string;
  /** The first sync, the unchanged Sync now and the edits, in that order. */
  runs: [ProvisioningRun, ProvisioningRun, ProvisioningRun];
  seedSeconds: number;
  /** Peak resident set size of the process after the first sync and at the end. */
  firstRssMiB: number;
  finalRssMiB: number;
}

/** Renders the body of the provisioning section of docs/benchmarks.md. */
export function renderProvisioningSection(report: ProvisioningReport): string {
  return [
    renderSummary(report),
    renderCallTable(report),
    'GET requests by purpose:',
    renderGetTable(report),
    renderMemory(report),
    renderNotes(report),
  ].join('\n\n');
}

const minimumSeconds = (run: ProvisioningRun, ratePerSecond: number) =>
  run.calls.total / ratePerSecond;

function renderSummary(report: ProvisioningReport): string {
  const { userCount, groupCount, ratePerSecond } = report;
  const first = report.runs[0];
  const minimum = minimumSeconds(first, ratePerSecond);
  const overheadSeconds = first.seconds - minimum;
  return [
    `${formatNumber(userCount)} users in ${groupCount} groups of ${userCount / groupCount}, every group bound to one Databricks application, provisioned into the Databricks SCIM emulator at account level.`,
    `Sesame's limit (\`SESAME_SCIM_RATE_PER_SECOND\`) and the emulator's are both ${ratePerSecond} requests per second, so a request that Sesame sent too early would get a 429 response.`,
    'After each run the emulator held exactly the users and groups of the directory, or the benchmark would have failed.',
    '',
    `The first sync took ${formatNumber(first.seconds, 1)} s for ${formatNumber(first.calls.total)} requests, ${formatNumber(first.seconds / minimum, 2)}× the ${formatNumber(minimum, 1)} s that ${ratePerSecond} requests per second allow.`,
    `The rate limit dominates the time, because Sesame sends one POST per user. Its own work adds ${formatNumber(overheadSeconds, 1)} s in all, ${formatNumber((overheadSeconds * 1000) / first.calls.total, 1)} ms per request on top of the ${1000 / ratePerSecond} ms between requests.`,
    stallSentence(report.runs),
  ].join('\n');
}

function stallSentence(runs: readonly ProvisioningRun[]): string {
  const worst = runs.reduce((max, run) => (run.maxLoopStallMs > max.maxLoopStallMs ? run : max));
  return `The longest event-loop stall, ${formatNumber(worst.maxLoopStallMs / 1000, 1)} s, came in the run "${worst.label}". For that long, Sesame could not respond to any HTTP request, sign-ins included.`;
}

function renderCallTable(report: ProvisioningReport): string {
  const rows = report.runs.map((run) => {
    const minimum = minimumSeconds(run, report.ratePerSecond);
    return [
      run.label,
      formatNumber(run.calls.byMethod.GET),
      formatNumber(run.calls.byMethod.POST),
      formatNumber(run.calls.byMethod.PATCH),
      formatNumber(run.calls.byMethod.DELETE + run.calls.byMethod.PUT),
      formatNumber(run.calls.total),
      formatNumber(run.calls.throttled),
      `${formatNumber(run.seconds, 1)} s`,
      `${formatNumber(minimum, 1)} s`,
      `${formatNumber(run.seconds / minimum, 2)}×`,
      `${formatNumber(run.maxLoopStallMs)} ms`,
    ];
  });
  const header = ['run', 'GET', 'POST', 'PATCH', 'DELETE or PUT', 'requests', '429s', 'time'];
  header.push(`minimum at ${report.ratePerSecond}/s`, 'time ÷ minimum', 'longest event-loop stall');
  return markdownTable(header, rows, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
}

function renderGetTable(report: ProvisioningReport): string {
  const rows = report.runs.map((run) => [
    run.label,
    formatNumber(run.calls.gets.list),
    formatNumber(run.calls.gets.lookup),
    formatNumber(run.calls.gets.read),
  ]);
  return markdownTable(['run', 'list pages', 'lookups by filter', 'reads by ID'], rows, [1, 2, 3]);
}

function renderMemory(report: ProvisioningReport): string {
  return [
    `Peak RSS of the process, which holds Sesame, the emulator and the seeded directory: ${formatNumber(report.firstRssMiB)} MiB after the first sync, ${formatNumber(report.finalRssMiB)} MiB at the end.`,
    `Creating the ${formatNumber(report.userCount)} users and their memberships in the directory took ${formatNumber(report.seedSeconds, 1)} s and is not part of any run.`,
  ].join('\n');
}

function renderNotes(report: ProvisioningReport): string {
  const [first, unchanged, edits] = report.runs;
  return `What the runs do:

- **${first.label}**: \`provisioning.activate\` with the emulator's Base URL and token. It checks
  them with one \`GET /Users\` and starts a full sync, which lists the emulator's users and groups,
  finds none, and queues one job per user and per group marked as known absent. So each user is
  created with one POST and no lookup. A group is created with its first 200 members, and one
  PATCH adds the rest.
- **${unchanged.label}**: \`provisioning.syncNow\` right after. It lists users and groups again,
  reads each group by ID (account-level group lists leave out members), compares, and queues a
  job only for a user or group that differs, so here none. It sent
  ${formatNumber(unchanged.calls.writes)} writes; the benchmark fails on any. Its time is
  Sesame's own work on ${formatNumber(report.userCount)} users, not requests.
- **${edits.label}**: while the worker runs, ${report.renamedCount} users spread over all groups
  get a new last name, then ${report.movedCount} members of ${report.movedFrom} move to
  ${report.movedTo} (added there, then removed here). A job is not queued twice for the same user
  or group while one waits, so the moves cost one PATCH per group when they are all queued before
  the worker reaches that group.
- **longest event-loop stall** is the longest time in the run that a 10 ms timer could not fire.
  Sesame's HTTP server runs on the same loop, so a sign-in or page request that arrives then
  waits that long. Database queries do not release the loop (better-sqlite3 is synchronous), so
  the comparison yields every 100 users and the worker yields after each job.
- **time** runs from the call until \`provisioning.whenIdle\` resolves: no sync running and no
  job waiting. **minimum** is requests ÷ ${report.ratePerSecond}. Requests are counted from the
  emulator's request log, 429 responses included.
- Sesame and the emulator run in one Node process, with Sesame's database in a SQLite file in a
  temporary folder and logging off.`;
}
