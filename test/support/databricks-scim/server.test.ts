import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { urn } from './constants.ts';
import { token } from './harness.ts';
import { formatRequest, parseCommandLine } from './main.ts';
import { startDatabricksScim, type DatabricksScimServer } from './server.ts';

const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };

describe('Databricks SCIM emulator: server', () => {
  const servers: DatabricksScimServer[] = [];
  const start = async (options: Partial<Parameters<typeof startDatabricksScim>[0]> = {}) => {
    const server = await startDatabricksScim({
      accountId: 'acc-1',
      tokens: [token],
      level: 'account',
      ...options,
    });
    servers.push(server);
    return server;
  };

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('serves the account API at baseUrl on loopback', async () => {
    const server = await start();
    const created = await fetch(`${server.baseUrl}/Users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ schemas: [urn.user], userName: 'alice@example.test' }),
    });

    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.baseUrl).toBe(`${server.url}/api/2.0/accounts/acc-1/scim/v2`);
    expect(created.status).toBe(201);
    expect(server.scim.snapshot().users['alice@example.test']?.active).toBe(true);
  });

  it('gives the workspace Base URL at workspace level', async () => {
    const server = await start({ level: 'workspace' });
    const res = await fetch(`${server.baseUrl}/Users`, { headers });

    expect(server.baseUrl).toBe(`${server.url}/api/2.0/preview/scim/v2`);
    expect(res.status).toBe(200);
  });

  it('listens on the port given', async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);
    await first.close();
    const second = await start({ port });

    expect(second.url).toBe(`http://127.0.0.1:${port}`);
  });

  it('ends kept-alive connections promptly on close', async () => {
    const server = await start();
    const agent = new http.Agent({ keepAlive: true });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http
        .get(`${server.baseUrl}/Users`, { agent, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        })
        .on('error', reject);
    });
    expect(status).toBe(200);

    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    agent.destroy();
  });

  it('returns the same promise when closed twice', async () => {
    const server = await start();

    expect(server.close()).toBe(server.close());
    await server.close();
  });

  it('rejects a host other than 127.0.0.1', async () => {
    const options = { accountId: 'a', tokens: [token], level: 'account' as const };
    const host = '0.0.0.0' as '127.0.0.1';

    await expect(startDatabricksScim({ ...options, host })).rejects.toThrow(
      'host must be 127.0.0.1, because the emulator is for loopback only; got 0.0.0.0',
    );
  });
});

describe('Databricks SCIM emulator: command line', () => {
  it('reads every option', () => {
    const args = ['--port', '8600', '--token', 'T1', '--token', 'T2', '--account-id', 'ID'];
    const options = parseCommandLine([...args, '--level', 'workspace', '--rate', '2.5']);

    expect(options).toEqual({
      port: 8600,
      tokens: ['T1', 'T2'],
      accountId: 'ID',
      level: 'workspace',
      ratePerSecond: 2.5,
    });
  });

  it('generates a token and an account ID when none is given', () => {
    const options = parseCommandLine([]);

    expect(options).toEqual({
      port: 0,
      tokens: [expect.stringMatching(/^dapi[0-9a-f]{32}$/)],
      accountId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      level: 'account',
      ratePerSecond: 25,
    });
  });

  it.each([
    [['--port', '70000'], '--port must be an integer from 0 to 65535; got 70000'],
    [['--rate', '0'], '--rate must be a number of requests per second above 0; got 0'],
    [['--level', 'org'], '--level must be account or workspace; got org'],
    [['--verbose'], "Unknown option '--verbose'"],
  ])('rejects %j', (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(message);
  });

  it('formats a request line, and a request that got no response', () => {
    const at = new Date('2025-01-02T03:04:05.000Z');
    const record = {
      method: 'POST',
      path: '/api/2.0/preview/scim/v2/Users',
      body: {},
      status: 201,
    };

    expect(formatRequest(record, at)).toBe(
      '2025-01-02T03:04:05.000Z POST /api/2.0/preview/scim/v2/Users 201',
    );
    expect(formatRequest({ ...record, status: 0 }, at)).toBe(
      '2025-01-02T03:04:05.000Z POST /api/2.0/preview/scim/v2/Users no response (connection closed)',
    );
  });

  it('runs as a program that prints the Base URL and logs each request', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const args = ['--token', 'T', '--account-id', 'acc-cli', '--level', 'workspace'];
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    try {
      await vi.waitFor(() => expect(output).toMatch(/Token: T\n/), { timeout: 15_000 });
      const baseUrl = /SCIM Base URL: (\S+)/.exec(output)?.[1] ?? '';
      expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/2\.0\/preview\/scim\/v2$/);

      const res = await fetch(`${baseUrl}/Users`, { headers: { Authorization: 'Bearer T' } });
      expect(res.status).toBe(200);
      await vi.waitFor(() =>
        expect(output).toMatch(/ GET \/api\/2\.0\/preview\/scim\/v2\/Users 200\n/),
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
