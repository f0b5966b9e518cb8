import { sign } from 'node:crypto';
import { createRequire } from 'node:module';
import { generateSelfSigned, parseSigningKey } from '../src/saml/keys.ts';
import { createCanonicalResponseBuilder } from '../src/saml/response/canonical-builder.ts';
import type { Benchmark } from './lib/benchmark.ts';
import { runHttpLoad, type HttpLoadResult } from './lib/http-load.ts';
import { measureInterleaved } from './lib/measure.ts';
import { databricksLoginInput } from './saml-response/databricks.ts';
import { createSamlifyLoginResponse } from './saml-response/samlify-idp.ts';
import { renderSection, type MeasuredOperation } from './saml-response/render.ts';
import { startSesame } from './saml-response/sesame-server.ts';

/**
 * Signed SAML Responses per second for IdP-initiated SSO to Databricks, next to the cost of the
 * one RSA-2048 signature that each Response needs. Sesame's design goal is that everything in a
 * Response besides its signatures costs less than one signature.
 */

const inProcessOptions = { warmupMs: 500, rounds: 8, roundMs: 400 };
const httpRuns = [
  { concurrency: 1, warmupRequests: 200, requests: 1_000, timeCapMs: 15_000 },
  { concurrency: 4, warmupRequests: 300, requests: 3_000, timeCapMs: 20_000 },
];
const samlifyVersion = (
  createRequire(import.meta.url)('samlify/package.json') as { version: string }
).version;

type Row = Pick<MeasuredOperation, 'label' | 'signatures'>;
type RowName = keyof typeof rows;

const rows = {
  raw: {
    label: "node:crypto `sign('sha256')` of a SignedInfo, pre-parsed KeyObject",
    signatures: 1,
  },
  responseSigned: { label: 'Sesame builder, Response signed (Databricks default)', signatures: 1 },
  bothSigned: { label: 'Sesame builder, Response and Assertion signed', signatures: 2 },
  samlify: {
    label: `samlify ${samlifyVersion} \`createLoginResponse\`, Response signed`,
    signatures: 1,
  },
} satisfies Record<string, Row>;

const benchmark: Benchmark = {
  id: 'saml-response',
  title: 'Signed SAML Responses (IdP-initiated, Databricks)',

  async run({ progress }) {
    progress('generating an RSA-2048 key and certificate');
    const { keyPem, certificatePem } = generateSelfSigned({
      bits: 2048,
      validityDays: 10,
      commonName: 'bench',
    });
    const operations = await prepareInProcess(keyPem, certificatePem);

    const seconds = (operations.length * inProcessOptions.rounds * inProcessOptions.roundMs) / 1000;
    progress(`measuring ${operations.length} in-process operations, about ${seconds} s`);
    const measured = (await measureInterleaved(operations, inProcessOptions)).map((throughput) => ({
      ...throughput,
      ...rows[throughput.name as RowName],
    }));

    progress('starting Sesame on 127.0.0.1 and signing in');
    const http = await measureHttp(progress);
    const signature = measured.find((operation) => operation.name === 'raw')!;
    return renderSection({
      signature,
      operations: measured,
      http,
      samlifyVersion,
      rounds: inProcessOptions.rounds,
      roundMs: inProcessOptions.roundMs,
      nodeEnv: process.env.NODE_ENV,
    });
  },
};

export default benchmark;

/**
 * Prepares the operations and checks each one's output once, so a change in configuration
 * (a signature missing or added) fails the run instead of changing what is measured.
 */
async function prepareInProcess(keyPem: string, certificatePem: string) {
  const key = parseSigningKey(keyPem, certificatePem);
  const builder = createCanonicalResponseBuilder(key);
  const responseSigned = databricksLoginInput({ signResponse: true, signAssertion: false });
  const bothSigned = databricksLoginInput({ signResponse: true, signAssertion: true });
  const samlifyLoginResponse = createSamlifyLoginResponse(keyPem, certificatePem);

  const sample = builder.buildLoginResponse(responseSigned);
  expectSignatures(rows.responseSigned, sample);
  expectSignatures(rows.bothSigned, builder.buildLoginResponse(bothSigned));
  expectSignatures(rows.samlify, await samlifyLoginResponse());
  // The raw signature signs the same bytes as the builder's SignedInfo, less its xmlns:ds.
  const signedInfo = Buffer.from(/<ds:SignedInfo>.*<\/ds:SignedInfo>/.exec(sample)![0], 'utf8');

  const operations: Array<{ name: RowName; run: () => unknown }> = [
    { name: 'raw', run: () => sign('sha256', signedInfo, key.privateKey) },
    { name: 'responseSigned', run: () => builder.buildLoginResponse(responseSigned) },
    { name: 'bothSigned', run: () => builder.buildLoginResponse(bothSigned) },
    { name: 'samlify', run: samlifyLoginResponse },
  ];
  return operations;
}

function expectSignatures(row: Row, xml: string) {
  const found = xml.split('<ds:Signature ').length - 1;
  const rsaSha256 =
    xml.split('Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"').length - 1;
  if (found !== row.signatures || rsaSha256 !== row.signatures) {
    throw new Error(
      `${row.label}: output has ${found} signatures, ${rsaSha256} of them RSA-SHA256, expected ${row.signatures}`,
    );
  }
}

async function measureHttp(progress: (message: string) => void): Promise<HttpLoadResult[]> {
  const sesame = await startSesame();
  try {
    const results: HttpLoadResult[] = [];
    for (const run of httpRuns) {
      progress(
        `POST /saml2/databricks/launch: ${run.requests} requests, ${run.concurrency} at a time`,
      );
      results.push(
        await runHttpLoad({
          ...run,
          url: sesame.launchUrl,
          headers: sesame.launchHeaders,
          body: sesame.launchBody,
          expectedBodyText: 'name="SAMLResponse"',
        }),
      );
    }
    return results;
  } finally {
    await sesame.close();
  }
}
