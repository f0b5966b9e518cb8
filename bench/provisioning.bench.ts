import type { Benchmark } from './lib/benchmark.ts';
import { startLoopStallMonitor } from './lib/loop-stall.ts';
import {
  actor,
  groupName,
  seedDirectory,
  startProvisioningSetup,
  type ExpectedState,
  type ProvisioningSetup,
} from './lib/provisioning-setup.ts';
import { renderProvisioningSection, type ProvisioningRun } from './lib/provisioning-report.ts';
import { countCalls, type CallCounts } from './lib/scim-calls.ts';
import { diffState } from './lib/scim-state-check.ts';
import { startTicker } from './lib/ticker.ts';

/**
 * Outbound SCIM provisioning of 5,000 users in 20 bound groups into the Databricks SCIM emulator,
 * with Sesame and the emulator both limited to 25 requests per second, the emulator's default.
 * Three runs: the first sync by Activate, a Sync now with nothing changed, and a small
 * batch of directory edits. Each run fails the benchmark if the emulator ends up in another state
 * than the directory's, or if the run sends what it must not.
 */

const userCount = 5_000;
const groupCount = 20;
const ratePerSecond = 25;
const renamedCount = 50;
const movedCount = 25;
const progressIntervalMs = 10_000;

const benchmark: Benchmark = {
  id: 'provisioning',
  title: 'SCIM provisioning into Databricks (emulator)',

  async run({ progress }) {
    progress('starting Sesame and the Databricks SCIM emulator on 127.0.0.1');
    const setup = await startProvisioningSetup(ratePerSecond);
    try {
      const seedStart = performance.now();
      progress(`creating ${userCount} users in ${groupCount} groups`);
      const expected = await seedDirectory(setup, userCount, groupCount);
      const seedSeconds = (performance.now() - seedStart) / 1000;

      progress(
        `first sync: about ${Math.round(userCount / ratePerSecond)} s at ${ratePerSecond}/s`,
      );
      const first = await measureRun(setup, 'first sync by Activate', progress, setup.activate);
      await expectHealthy(setup, first, expected);
      const firstRssMiB = peakRssMiB();

      const provisioning = setup.services.provisioning;
      const unchanged = await measureRun(setup, 'Sync now, nothing changed', progress, () =>
        provisioning.syncNow(setup.slug, actor),
      );
      await expectHealthy(setup, unchanged, expected);
      if (unchanged.calls.writes !== 0) {
        throw new Error(
          `Sync now with nothing changed sent ${unchanged.calls.writes} writes (${describeCalls(unchanged.calls)}); expected 0`,
        );
      }

      const edits = await measureRun(setup, 'edits', progress, () =>
        editDirectory(setup, expected),
      );
      await expectHealthy(setup, edits, expected);

      return renderProvisioningSection({
        userCount,
        groupCount,
        ratePerSecond,
        renamedCount,
        movedCount,
        movedFrom: groupName(0),
        movedTo: groupName(1),
        runs: [first, unchanged, edits],
        seedSeconds,
        firstRssMiB,
        finalRssMiB: peakRssMiB(),
      });
    } finally {
      await setup.close();
    }
  },
};

export default benchmark;

/**
 * Times `act` until provisioning is idle again, and counts the requests the emulator received in
 * that time. It also records the longest event-loop stall, because Sesame's HTTP server shares
 * the loop with the worker. A progress line every 10 s shows the jobs waiting and the requests so far.
 */
async function measureRun(
  setup: ProvisioningSetup,
  label: string,
  progress: (message: string) => void,
  act: () => Promise<unknown>,
): Promise<ProvisioningRun> {
  const requests = setup.scim.scim.requests;
  const firstIndex = requests.length;
  const describe = async () => {
    const sent = requests.slice(firstIndex);
    const throttled = sent.filter((request) => request.status === 429).length;
    const waiting = await pendingJobs(setup);
    return `${label}: ${waiting} jobs waiting; ${sent.length} requests so far, ${throttled} of them 429`;
  };

  progress(`${label}: started`);
  const loopStalls = startLoopStallMonitor();
  const start = performance.now();
  const stopTicker = startTicker(progressIntervalMs, describe, progress);
  try {
    await act();
    await setup.services.provisioning.whenIdle(setup.slug);
  } finally {
    stopTicker();
  }
  const maxLoopStallMs = loopStalls.stop();
  const seconds = (performance.now() - start) / 1000;
  const calls = countCalls(requests.slice(firstIndex));
  progress(
    `${label}: ${describeCalls(calls)} in ${seconds.toFixed(1)} s; longest event-loop stall ${maxLoopStallMs.toFixed(0)} ms`,
  );
  return { label, calls, seconds, maxLoopStallMs };
}

async function pendingJobs(setup: ProvisioningSetup): Promise<number> {
  const row = await setup.services.db
    .selectFrom('idm_jobs')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Changes the last name of every 100th user, then moves the first 25 members of team-01 to
 * team-02 (added there before removed here, so they stay in scope), all while the worker runs.
 */
async function editDirectory(setup: ProvisioningSetup, expected: ExpectedState) {
  const { directory } = setup.services;
  const userNames = [...expected.users.keys()];
  const step = Math.floor(userNames.length / renamedCount);
  for (let index = step - 1; index < userNames.length; index += step) {
    const user = expected.users.get(userNames[index]!)!;
    const familyName = `${user.familyName}-renamed`;
    await directory.updateUser(user.id, { lastName: familyName }, actor);
    user.familyName = familyName;
  }

  const [from, to] = [groupName(0), groupName(1)];
  const moved = [...expected.groups.get(from)!].slice(0, movedCount);
  for (const userName of moved) {
    const { username } = await directory.requireUserById(expected.users.get(userName)!.id);
    await directory.addMember(to, username, actor);
    await directory.removeMember(from, username, actor);
    expected.groups.get(to)!.add(userName);
    expected.groups.get(from)!.delete(userName);
  }
}

/** Fails the benchmark when a run left the emulator wrong, got errors, or left failed jobs. */
async function expectHealthy(
  setup: ProvisioningSetup,
  run: ProvisioningRun,
  expected: ExpectedState,
) {
  const problems: string[] = [];
  if (run.calls.failed > 0) {
    const failed = setup.scim.scim.requests
      .filter((request) => request.status !== 429 && (request.status < 200 || request.status > 299))
      .slice(0, 3)
      .map((request) => `${request.method} ${request.path} ${request.status}`);
    problems.push(`${run.calls.failed} requests failed, such as ${failed.join('; ')}`);
  }

  const provisioning = setup.services.provisioning;
  const failedJobs = await provisioning.listFailedJobs(setup.slug);
  if (failedJobs.length > 0) {
    problems.push(`${failedJobs.length} jobs failed, such as: ${failedJobs[0]!.error}`);
  }
  const integration = await provisioning.get(setup.slug);
  if (integration?.lastError) problems.push(`provisioning stopped: ${integration.lastError}`);

  problems.push(...diffState(setup.scim.scim.snapshot(), expected));
  if (problems.length > 0) {
    throw new Error(
      `${run.label}: the emulator does not hold the expected state:\n  ${problems.join('\n  ')}`,
    );
  }
}

function describeCalls(calls: CallCounts): string {
  const methods = Object.entries(calls.byMethod)
    .filter(([, count]) => count > 0)
    .map(([method, count]) => `${count} ${method}`);
  return `${calls.total} requests (${methods.join(', ') || 'none'}), ${calls.throttled} of them 429`;
}

function peakRssMiB(): number {
  // maxRSS is in kibibytes.
  return process.resourceUsage().maxRSS / 1024;
}
