import type { Benchmark } from './lib/benchmark.ts';
import { peakRssMiB, snapshotMemory } from './lib/memory.ts';
import { explainQueries } from './lib/query-plan.ts';
import { measureScenario, requestQueries } from './lib/scim-server-measure.ts';
import { renderScimServerSection, type ScenarioResult } from './lib/scim-server-report.ts';
import { readScenarios } from './lib/scim-server-scenarios.ts';
import { insertDirectory, planDirectory } from './lib/scim-server-seed.ts';
import { startScimServer, maxScimRate } from './lib/scim-server-setup.ts';
import { createSequentialClient } from './lib/sequential-get.ts';

/**
 * Read latency of Sesame's SCIM server (`GET /scim/v2/Users`) over 100,000 users in 100 groups:
 * lookups by userName and pages of 100 at offsets all over the table, sent one at a time over
 * HTTP on 127.0.0.1. Every response is checked against the seeded directory, so a server that
 * returns wrong or empty results fails the benchmark instead of producing a figure.
 */

const userCount = 100_000;
const groupCount = 100;
/** Requests per scenario whose SQL is also timed alone, to split the latency. */
const sqlRequests = 200;
/**
 * The request whose queries are explained and timed one by one. The second request reads from
 * about 62% of the way through the list, so its page is neither the cheapest nor the dearest.
 */
const sampleIndex = 1;
const planRuns = 10;
const actor = { actor: 'bench' };

const benchmark: Benchmark = {
  id: 'scim-server',
  title: 'SCIM server reads (`GET /scim/v2/Users`)',

  async run({ progress }) {
    progress('starting Sesame on 127.0.0.1');
    const setup = await startScimServer();
    try {
      const memory = [snapshotMemory('started, empty directory')];
      const directory = planDirectory(userCount, groupCount);
      const scenarios = readScenarios(directory);
      memory.push(snapshotMemory("the benchmark's copy of the users built"));

      progress(`inserting ${userCount} users in ${groupCount} groups`);
      const seedStart = performance.now();
      await insertDirectory(setup.services.db, directory);
      const seedSeconds = (performance.now() - seedStart) / 1000;
      memory.push(snapshotMemory('users inserted'));

      const { token } = await setup.services.scimTokens.create('bench', actor);
      const headers = { authorization: `Bearer ${token}`, accept: 'application/scim+json' };
      const results: ScenarioResult[] = [];
      for (const scenario of scenarios) {
        progress(`${scenario.label}: ${scenario.requests} requests`);
        // Each scenario opens its own connection, so none reuses one left idle: the server
        // closes a connection idle for 5 s, and a request sent as it closes gets ECONNRESET.
        const client = createSequentialClient(setup.origin, headers);
        const { http, sql } = await measureScenario(
          client,
          setup.services.db,
          scenario,
          sqlRequests,
        ).finally(() => client.close());
        const queries = await explainQueries(
          setup.databaseFile,
          requestQueries(scenario, sampleIndex),
          planRuns,
        );
        progress(
          `${scenario.label}: median ${http.medianMs.toFixed(2)} ms, SQL ${sql.medianMs.toFixed(2)} ms`,
        );
        results.push({ scenario, sample: scenario.parameters(sampleIndex), http, sql, queries });
      }
      memory.push(snapshotMemory('after the runs'));

      return renderScimServerSection({
        planRuns,
        userCount,
        groupCount,
        membershipCount: directory.membershipCount,
        seedSeconds,
        rate: maxScimRate,
        results,
        memory,
        peakRssMiB: peakRssMiB(),
      });
    } finally {
      await setup.close();
    }
  },
};

export default benchmark;
