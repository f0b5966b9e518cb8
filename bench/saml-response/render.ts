import type { HttpLoadResult } from '../lib/http-load.ts';
import type { Throughput } from '../lib/measure.ts';
import { formatNumber, markdownTable } from '../lib/report.ts';

/** One in-process operation with its figures. */
export interface MeasuredOperation extends Throughput {
  label: string;
  /** RSA signatures per operation: the part of its cost that the design goal excludes. */
  signatures: number;
}

export interface SamlResponseFigures {
  /** The raw RSA signature, which every other row is compared with. */
  signature: MeasuredOperation;
  operations: MeasuredOperation[];
  http: HttpLoadResult[];
  samlifyVersion: string;
  rounds: number;
  roundMs: number;
  /** NODE_ENV of the server process, which decides whether Express caches compiled views. */
  nodeEnv: string | undefined;
}

/**
 * Renders the section body: a summary against the design goal, the in-process table, the HTTP
 * table, and what each row measures.
 */
export function renderSection(figures: SamlResponseFigures): string {
  const { signature, operations, http } = figures;
  return [
    summarize(signature, operations, http),
    '### In process\n\n' + inProcessTable(signature, operations),
    '### HTTP: `POST /saml2/databricks/launch`\n\n' + httpTable(signature, http),
    notes(figures),
  ].join('\n\n');
}

const micros = (value: number) => formatNumber(value, 0);
const ratio = (value: number, signature: MeasuredOperation) =>
  `${formatNumber(value / signature.meanMicros, 2)}×`;

function inProcessTable(signature: MeasuredOperation, operations: MeasuredOperation[]): string {
  const header = [
    'operation',
    'signatures',
    'ops/s',
    'mean µs/op',
    '× one signature',
    'µs besides signatures',
    'round spread',
  ];
  const body = operations.map((operation) => [
    operation.label,
    String(operation.signatures),
    formatNumber(operation.opsPerSecond),
    micros(operation.meanMicros),
    ratio(operation.meanMicros, signature),
    micros(operation.meanMicros - operation.signatures * signature.meanMicros),
    `${formatNumber(operation.spreadPercent, 1)}%`,
  ]);
  return markdownTable(header, body, [1, 2, 3, 4, 5, 6]);
}

function httpTable(signature: MeasuredOperation, runs: HttpLoadResult[]): string {
  const header = [
    'clients',
    'requests',
    'ops/s',
    'mean µs/op',
    '× one signature',
    'µs besides the signature',
    'median latency',
    'p99 latency',
  ];
  const body = runs.map((run) => [
    String(run.concurrency),
    formatNumber(run.requests) + (run.stoppedByTimeCap ? ' (time cap)' : ''),
    formatNumber(run.opsPerSecond),
    micros(run.meanMicros),
    ratio(run.meanMicros, signature),
    micros(run.meanMicros - signature.meanMicros),
    `${formatNumber(run.medianLatencyMs, 2)} ms`,
    `${formatNumber(run.p99LatencyMs, 2)} ms`,
  ]);
  return markdownTable(header, body, [0, 1, 2, 3, 4, 5, 6, 7]);
}

function summarize(
  signature: MeasuredOperation,
  operations: MeasuredOperation[],
  http: HttpLoadResult[],
): string {
  const builder = operations.find((operation) => operation.name === 'responseSigned')!;
  const samlify = operations.find((operation) => operation.name === 'samlify')!;
  const busiest = http.reduce((best, run) => (run.opsPerSecond > best.opsPerSecond ? run : best));
  const builderExtra = builder.meanMicros - signature.meanMicros;
  const httpExtra = busiest.meanMicros - signature.meanMicros;
  const verdict = (extra: number) => (extra < signature.meanMicros ? 'within' : 'over');

  return [
    `One RSA-2048 SHA-256 signature takes ${micros(signature.meanMicros)} µs here.`,
    `Besides that signature, Sesame's builder spends ${micros(builderExtra)} µs on a Databricks Response`,
    `(${ratio(builderExtra, signature)} a signature, ${verdict(builderExtra)} the goal of less than one signature),`,
    `and samlify's \`createLoginResponse\` takes ${formatNumber(samlify.meanMicros / builder.meanMicros, 1)} times`,
    `as long as the builder for the same signing.`,
    `The whole HTTP launch at ${busiest.concurrency} clients spends ${micros(httpExtra)} µs per request besides`,
    `the signature (${ratio(httpExtra, signature)}, ${verdict(httpExtra)} the goal).`,
  ].join('\n');
}

function notes({ samlifyVersion, rounds, roundMs, nodeEnv }: SamlResponseFigures): string {
  // src/app.ts turns Express's view cache on whatever NODE_ENV is, so views compile once.
  const viewCache = `Compiled EJS views are cached (NODE_ENV is ${nodeEnv ? `\`${nodeEnv}\`` : 'unset'}).`;

  return `What the rows measure:

- **µs besides signatures** is the mean time per operation minus as many raw signatures as the
  operation makes. The design goal is that this stays below one signature. Each row is measured
  in its own rounds, so a value near 0, or below it, is within the noise of the run.
- **Raw signature**: \`crypto.sign('sha256', …)\` with RSA-2048 PKCS#1 v1.5 over the bytes of a
  SignedInfo from the builder, with a \`KeyObject\` parsed once.
- **Sesame builder**: \`createCanonicalResponseBuilder(key).buildLoginResponse(…)\` with the
  Databricks catalog template's NameID format and attributes (email, firstName, lastName).
- **samlify ${samlifyVersion}**: \`IdentityProvider.createLoginResponse\` with the HTTP-POST
  binding and samlify's default template, the ServiceProvider set to \`wantMessageSigned: true\`
  and \`wantAssertionsSigned: false\`, RSA-SHA256. That template has no AuthnStatement and no
  AttributeStatement, so samlify builds a smaller Response than Sesame does. samlify's schema
  validator is set to accept everything, which is safe here only because nothing is parsed.
- In-process rows run in ${rounds} rounds of ${roundMs} ms that take turns, after a warm-up.
  **ops/s** is the median of the rounds' rates and **mean µs/op** its inverse. **Round spread**
  is the gap between the fastest and slowest round, as a share of the median rate.
- **HTTP**: the real Express application with a SQLite database in a temporary folder, one
  signed-in session, and the console tile's form post. Each request reads and touches the
  session, loads the user and the application, checks CSRF and the group binding, builds and
  signs the Response, records an \`sso_auth\` event and renders the auto-submitting form.
  ${viewCache}
- A child process sends the HTTP requests over keep-alive connections on 127.0.0.1, after a
  warm-up. Every response must be 200 with a \`SAMLResponse\` field, or the run fails.
- HTTP **mean µs/op** is 1 / throughput. While the server's single event-loop thread is busy,
  that estimates the server's time per request. At 1 client it also contains the round trip.`;
}
