/**
 * Runs the Databricks SCIM emulator on 127.0.0.1 until SIGINT or SIGTERM. It prints the SCIM
 * Base URL and the bearer token, then one line per request with its method, path and status.
 *
 *   npx tsx test/support/databricks-scim/main.ts --port 8600 --token T --account-id ID \
 *     [--level account|workspace] [--rate 25]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { RequestRecord } from './requests.ts';
import {
  startDatabricksScim,
  type DatabricksScimServer,
  type DatabricksScimServerOptions,
} from './server.ts';

export const usage = `Usage: npx tsx test/support/databricks-scim/main.ts [options]

Options:
  --port N          port on 127.0.0.1 (default 0: a free port, printed at start)
  --token T         bearer token to accept; repeat for more (default: one generated token)
  --account-id ID   account ID in the account-level paths (default: a random UUID)
  --level L         account or workspace (default account)
  --rate N          requests per second before 429 (default 25, as Databricks documents)
  --help            print this help`;

/** Reads the command line into server options; throws an Error whose message names the option. */
export function parseCommandLine(args: string[]): DatabricksScimServerOptions | 'help' {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string', default: '0' },
      token: { type: 'string', multiple: true },
      'account-id': { type: 'string' },
      level: { type: 'string', default: 'account' },
      rate: { type: 'string', default: '25' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be an integer from 0 to 65535; got ${values.port}`);
  }
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new Error(`--rate must be a number of requests per second above 0; got ${values.rate}`);
  }
  const level = values.level;
  if (level !== 'account' && level !== 'workspace') {
    throw new Error(`--level must be account or workspace; got ${level}`);
  }

  return {
    port,
    level,
    ratePerSecond: rate,
    tokens: values.token ?? [`dapi${randomBytes(16).toString('hex')}`],
    accountId: values['account-id'] ?? randomUUID(),
  };
}

/** Formats one request log line: time, method, path and status. */
export function formatRequest(record: RequestRecord, at = new Date()): string {
  const outcome = record.status === 0 ? 'no response (connection closed)' : String(record.status);
  return `${at.toISOString()} ${record.method} ${record.path} ${outcome}`;
}

function fail(what: string, error: unknown): never {
  process.stderr.write(`${what}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let options: DatabricksScimServerOptions | 'help';
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${usage}\n`);
    return;
  }

  const print = (line: string) => process.stdout.write(`${line}\n`);
  let server: DatabricksScimServer;
  try {
    server = await startDatabricksScim({
      ...options,
      onRequest: (record) => print(formatRequest(record)),
    });
  } catch (error) {
    fail(`Failed to listen on 127.0.0.1:${options.port}`, error);
  }
  print(`Databricks SCIM emulator (${options.level} level) listening on ${server.url}`);
  print(`SCIM Base URL: ${server.baseUrl}`);
  // The token is printed on purpose: it is a test token, and the client under test needs it.
  print(`Token: ${options.tokens.join(', ')}`);
  print('Press Ctrl-C to stop.');

  const stopOnSignal = (signal: NodeJS.Signals) => {
    print(`Stopping on ${signal}.`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => fail('Failed to stop the server', error),
    );
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
