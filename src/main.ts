import { runCli } from './cli/program.ts';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const result = await runCli(process.argv.slice(2), process.env, {
  print: (line) => process.stdout.write(line + '\n'),
  error: (line) => process.stderr.write(line + '\n'),
  readStdin,
});

if (result.services) {
  const services = result.services;
  const stop = (signal: string) => {
    services.logger.info({ event: 'server.stopping', signal }, 'Sesame is stopping');
    services.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  process.exitCode = result.exitCode;
}
