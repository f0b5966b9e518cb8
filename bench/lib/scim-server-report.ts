import type { MemorySnapshot } from './memory.ts';
import type { ExplainedQuery } from './query-plan.ts';
import { formatNumber, markdownTable } from './report.ts';
import type { LatencySummary } from './scim-server-measure.ts';
import { groupsPerUser } from './scim-server-seed.ts';
import type { ReadScenario } from './scim-server-scenarios.ts';

/** One scenario's figures over HTTP and for its SQL alone, with the plans of its queries. */
export interface ScenarioResult {
  scenario: ReadScenario;
  /** Query parameters of the request whose SQL is explained and timed query by query. */
  sample: Record<string, string>;
  http: LatencySummary;
  sql: LatencySummary;
  queries: ExplainedQuery[];
}

export interface ScimServerReport {
  /** Runs of each sample query behind its median. */
  planRuns: number;
  userCount: number;
  groupCount: number;
  membershipCount: number;
  seedSeconds: number;
  rate: { ratePerSecond: number; burst: number };
  results: ScenarioResult[];
  /** Started, the benchmark's own data built, users inserted, after the runs: in that order. */
  memory: MemorySnapshot[];
  peakRssMiB: number;
}

/** Renders the body of the scim-server section of docs/benchmarks.md. */
export function renderScimServerSection(report: ScimServerReport): string {
  return [
    renderSetup(report),
    renderLatencyTable(report.results),
    renderFindings(report.results),
    '### Memory',
    renderMemory(report),
    '### Query plans',
    renderPlans(report.results),
    renderNotes(report),
  ].join('\n\n');
}

/** Formats milliseconds with 3 significant digits or more, so that sub-millisecond times show. */
function milliseconds(value: number | undefined): string {
  if (value === undefined) return '–';
  if (value < 0.1) return `${formatNumber(value, 3)} ms`;
  if (value < 10) return `${formatNumber(value, 2)} ms`;
  return `${formatNumber(value, 1)} ms`;
}

function renderSetup(report: ScimServerReport): string {
  return [
    `${formatNumber(report.userCount)} users in ${report.groupCount} groups, each user a member of ${groupsPerUser} (${formatNumber(report.membershipCount)} memberships), inserted straight into the SQLite file in ${formatNumber(report.seedSeconds, 1)} s.`,
    'Requests go one at a time over one keep-alive connection to `http://127.0.0.1:<port>/scim/v2/Users`, after a warm-up.',
    'Every response, warm-up included, must have status 200 and the right `totalResults` and users, or the benchmark fails.',
  ].join('\n');
}

function renderLatencyTable(results: ScenarioResult[]): string {
  const rows = results.map(({ scenario, http, sql }) => [
    `${scenario.label}: ${scenario.shape}`,
    formatNumber(http.requests),
    milliseconds(http.medianMs),
    milliseconds(http.p99Ms),
    milliseconds(http.deepMedianMs),
    formatNumber(1000 / http.meanMs),
    milliseconds(sql.medianMs),
    `${formatNumber((sql.medianMs / http.medianMs) * 100)}%`,
  ]);
  return markdownTable(
    [
      'request',
      'requests',
      'median',
      'p99',
      'median, last 100 pages',
      'requests/s',
      'SQL median',
      'SQL share of median',
    ],
    rows,
    [1, 2, 3, 4, 5, 6, 7],
  );
}

/**
 * States what dominates each scenario's latency, from the measured SQL share, and the time and
 * full-table plan steps of each query of the sample request.
 */
function renderFindings(results: ScenarioResult[]): string {
  const lines = results.map(({ scenario, http, sql, queries }) => {
    const share = sql.medianMs / http.medianMs;
    const of = `${milliseconds(sql.medianMs)} of the ${milliseconds(http.medianMs)} median`;
    let dominant = `SQL and the work outside it take about equal shares: \`listUserRecords\` takes ${of}`;
    if (share >= 0.6) dominant = `SQL dominates: \`listUserRecords\` takes ${of}`;
    if (share <= 0.4) {
      dominant = `the work outside SQL dominates (HTTP, the token check, parsing the filter, building and serializing the resources): \`listUserRecords\` takes ${of}`;
    }
    return `- **${scenario.label}**: ${dominant}. ${describeQueries(queries)}`;
  });
  return ['What dominates the latency:', '', ...lines].join('\n');
}

function queryName(query: ExplainedQuery): string {
  if (/^select count\(/.test(query.sql)) return 'the count';
  if (/from "group_members"/.test(query.sql)) return "the page's groups";
  return 'the page';
}

/** Gives each query's time and names the plan steps that read or sort the whole users table. */
function describeQueries(queries: ExplainedQuery[]): string {
  const times = queries.map((query) => `${queryName(query)} ${milliseconds(query.medianMs)}`);
  const fullTable = queries.flatMap((query) => {
    if (!/from "users"/.test(query.sql)) return [];
    const steps = query.plan
      .map((step) => step.trim())
      .filter((step) => /^SCAN users\b/.test(step) || step.startsWith('USE TEMP B-TREE'));
    return steps.length > 0
      ? [`${queryName(query)} ${steps.map((step) => `\`${step}\``).join(', ')}`]
      : [];
  });
  const timesSentence = `In the sample request the queries take: ${times.join(', ')}.`;
  if (fullTable.length === 0) return timesSentence;
  return `${timesSentence} Steps over the whole users table: ${fullTable.join('; ')}.`;
}

function renderMemory(report: ScimServerReport): string {
  const rows = report.memory.map((snapshot) => [
    snapshot.label,
    `${formatNumber(snapshot.rssMiB)} MiB`,
    `${formatNumber(snapshot.heapUsedMiB, 1)} MiB`,
  ]);
  const [, built, inserted, after] = report.memory;
  const growth =
    built && inserted && after
      ? `Without the benchmark's own copy of the users, inserting them grew the heap by ${formatNumber(inserted.heapUsedMiB - built.heapUsedMiB, 1)} MiB and the runs by ${formatNumber(after.heapUsedMiB - inserted.heapUsedMiB, 1)} MiB more. Peak RSS was ${formatNumber(report.peakRssMiB)} MiB.`
      : `Peak RSS was ${formatNumber(report.peakRssMiB)} MiB.`;
  return [markdownTable(['moment', 'RSS', 'heap used after a full GC'], rows, [1, 2]), growth].join(
    '\n\n',
  );
}

/** Renders the SQL of each scenario's sample request, with its time and SQLite's plan. */
function renderPlans(results: ScenarioResult[]): string {
  return results
    .map(({ scenario, sample, queries }) => {
      const text = queries.flatMap((query) => [
        `${shortenSql(query.sql)}  -- median ${milliseconds(query.medianMs)}`,
        ...query.plan.map((step) => `  ${step}`),
      ]);
      const parameters = Object.entries(sample)
        .map(([name, value]) => `${name}=${value}`)
        .join('&');
      return [`${scenario.label}, \`${parameters}\`:`, '', '```text', ...text, '```'].join('\n');
    })
    .join('\n\n');
}

/** Collapses the long `in (?, ?, …)` list of a page's user IDs. */
function shortenSql(sql: string): string {
  return sql.replace(/\(\?(?:, \?){3,}\)/g, (list) => `(?, … ${list.split('?').length - 1} IDs)`);
}

function renderNotes(report: ScimServerReport): string {
  return [
    'What the figures measure:',
    '',
    '- **median** and **p99** are per request, from sending it to the last byte of the response, with the nearest-rank percentile. **median, last 100 pages** covers every tenth page request, which reads one of the last 100 pages; the others read pages spread evenly over the whole list.',
    '- **requests/s** is 1 ÷ the mean latency, because one request is in flight at a time.',
    `- **SQL median** is the server's \`listUserRecords\` for the same request: building its three queries (the count, the page and the page's groups) with Kysely and running them. It is timed in process on the server's database connection, right after each of the first ${formatNumber(report.results[0]?.sql.requests ?? 0)} requests of each kind, so both figures see the same load from other processes. The rest of the latency is HTTP, the bearer token check, parsing the filter, and building and serializing the User resources.`,
    `- **Query plans** come from SQLite's EXPLAIN QUERY PLAN for the SQL that the server's \`listUserRecords\` builds for one sample request of each kind, run on a second, read-only connection. Each query's time there is the median of ${report.planRuns} runs.`,
    '- The checks: a lookup must return exactly the user asked for, with its ID, userName and groups. A page must have `totalResults` equal to the number of users and exactly the expected user IDs in the expected order.',
    `- The users: userName and email \`user<n>@example.com\`, an externalId, a department, an employee number and, after the first 100, a manager, so User resources carry the enterprise extension. Rows are inserted with Kysely in batches of 1,000 in one transaction, without password hashes, so the seed is not part of any figure.`,
    `- Sesame runs in the benchmark's process with logging off, on a SQLite file in a temporary folder. The SCIM token's rate limit is raised to ${formatNumber(report.rate.ratePerSecond)} requests per second with a burst of ${formatNumber(report.rate.burst)}, so no request gets a 429. The client runs in the same process: its sending and reading are part of each latency, and its checks run between requests.`,
    "- Memory is read after a full garbage collection. The process also holds the benchmark's own list of the users for the checks, which is why the second row is measured apart.",
  ].join('\n');
}
