import type { Request } from 'express';
import type { Db } from '../../src/db/index.ts';
import { readListQuery } from '../../src/scim/list.ts';
import { userFilterScope } from '../../src/scim/users/scope.ts';
import { listUserRecords } from '../../src/scim/users/store.ts';
import { median, percentile } from './measure.ts';
import type { ListResponse, ReadScenario } from './scim-server-scenarios.ts';
import type { createSequentialClient } from './sequential-get.ts';

export const usersPath = '/scim/v2/Users';

const sqlWarmupRequests = 10;

/** Latency figures of one scenario, in milliseconds. */
export interface LatencySummary {
  requests: number;
  medianMs: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Median of the requests that the scenario marks as deep, when it marks any. */
  deepMedianMs?: number;
}

/** Summarizes latencies in milliseconds. `deep` contains the positions of the deep requests. */
function summarize(latenciesMs: number[], deep: number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const deepSorted = deep.map((index) => latenciesMs[index]!).sort((a, b) => a - b);
  return {
    requests: sorted.length,
    medianMs: median(sorted),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    maxMs: sorted.at(-1)!,
    deepMedianMs: deepSorted.length > 0 ? median(deepSorted) : undefined,
  };
}

export function queryString(parameters: Record<string, string>): string {
  return Object.entries(parameters)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
}

/**
 * Sends the scenario's warm-up requests and then its timed ones, one at a time, and checks every
 * response, warm-up included. The first wrong response fails the benchmark with the request,
 * the status and the start of the body.
 * After each of the first `sqlRequests` timed requests, it also times the SQL part of the same
 * request: the server's own `listUserRecords`, called in process on the server's database
 * connection, without HTTP, authentication or JSON. Taking turns exposes both figures to the
 * same load from other processes.
 */
export async function measureScenario(
  client: ReturnType<typeof createSequentialClient>,
  db: Db,
  scenario: ReadScenario,
  sqlRequests: number,
): Promise<{ http: LatencySummary; sql: LatencySummary }> {
  const send = async (index: number) => {
    const target = `${usersPath}?${queryString(scenario.parameters(index))}`;
    const response = await client.get(target);
    const problem =
      response.status === 200
        ? scenario.check(index, JSON.parse(response.body) as ListResponse)
        : `status is ${response.status}, expected 200`;
    if (problem !== undefined) {
      throw new Error(
        `${scenario.label}: GET ${target}: ${problem}. Body: ${response.body.slice(0, 300)}`,
      );
    }
    return response.latencyMs;
  };
  const timeSql = async (index: number) => {
    const query = listQueryOf(scenario.parameters(index));
    const start = performance.now();
    await listUserRecords(db, query);
    return performance.now() - start;
  };

  for (let index = 0; index < scenario.warmupRequests; index++) {
    await send(scenario.requests + index);
    if (index < sqlWarmupRequests) await timeSql(scenario.requests + index);
  }
  const httpMs: number[] = [];
  const sqlMs: number[] = [];
  for (let index = 0; index < scenario.requests; index++) {
    httpMs.push(await send(index));
    if (index < sqlRequests) sqlMs.push(await timeSql(index));
  }

  const deep = deepPositions(scenario);
  return {
    http: summarize(httpMs, deep),
    sql: summarize(
      sqlMs,
      deep.filter((index) => index < sqlMs.length),
    ),
  };
}

function deepPositions(scenario: ReadScenario): number[] {
  const positions = Array.from({ length: scenario.requests }, (_, index) => index);
  return scenario.deep ? positions.filter(scenario.deep) : [];
}

/**
 * Builds the server's list query from query parameters. `readListQuery` reads only `req.query`,
 * so a stand-in request with that property is enough.
 */
function listQueryOf(parameters: Record<string, string>) {
  return readListQuery({ query: parameters } as unknown as Request, userFilterScope);
}

/** Runs request `index` of the scenario through `listUserRecords` on `db`, for its query plans. */
export function requestQueries(scenario: ReadScenario, index: number) {
  return (db: Db) => listUserRecords(db, listQueryOf(scenario.parameters(index)));
}
