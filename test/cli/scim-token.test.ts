import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createServices } from '../../src/services.ts';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-cli-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = () => ({
  SESAME_DATA_DIR: path.join(dir, 'data'),
  SESAME_CERTS_DIR: path.join(dir, 'certs'),
  SESAME_LOG_LEVEL: 'silent',
});

async function sesame(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const result = await runCli(args, env(), {
    print: (line) => out.push(line),
    error: (line) => err.push(line),
    readStdin: async () => '',
  });
  return { code: result.exitCode, out, err: err.join('\n') };
}

/** Authenticates `token` against the same data folder, as the SCIM server would. */
async function authenticate(token: string) {
  const services = await createServices(loadConfig(env()), { logger: createLogger('silent') });
  try {
    return await services.scimTokens.authenticate(token);
  } finally {
    await services.close();
  }
}

describe('sesame scim-token', () => {
  it('creates a token and prints it once', async () => {
    const created = await sesame(['scim-token', 'create', 'Workday']);
    expect(created.code).toBe(0);
    expect(created.out[0]).toMatch(/^Created SCIM token Workday with ID [0-9a-f-]{36}$/);
    expect(created.out[1]).toBe('SCIM base URL: http://localhost:8080/scim/v2');
    const token = created.out.at(-1)!;
    expect(token).toMatch(/^sesame_scim_[A-Za-z0-9_-]{43}$/);
    expect((await authenticate(token))?.name).toBe('Workday');

    const list = await sesame(['scim-token', 'list']);
    expect(list.code).toBe(0);
    expect(list.out.join('\n')).not.toContain(token);
  });

  it('lists tokens with their status', async () => {
    const created = await sesame(['scim-token', 'create', 'Workday']);
    const id = /with ID (\S+)$/.exec(created.out[0]!)![1]!;

    const list = await sesame(['scim-token', 'list']);
    expect(list.out).toHaveLength(1);
    const [listedId, name, status, createdBy, createdAt, lastUsed] = list.out[0]!.split('\t');
    expect(listedId).toBe(id);
    expect(name).toBe('Workday');
    expect(status).toBe('active');
    expect(createdBy).toBe('cli');
    expect(createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(lastUsed).toBe('never');
  });

  it('revokes a token', async () => {
    const created = await sesame(['scim-token', 'create', 'Workday']);
    const id = /with ID (\S+)$/.exec(created.out[0]!)![1]!;

    const revoked = await sesame(['scim-token', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toEqual([`Revoked SCIM token ${id}`]);
    expect(await authenticate(created.out.at(-1)!)).toBeUndefined();
    expect((await sesame(['scim-token', 'list'])).out[0]).toContain('\trevoked\t');
  });

  it('reports an unknown ID', async () => {
    const revoked = await sesame(['scim-token', 'revoke', 'nope']);
    expect(revoked.code).toBe(1);
    expect(revoked.err).toBe('sesame: Active SCIM token nope not found');
  });

  it('reports an invalid name', async () => {
    const created = await sesame(['scim-token', 'create', ' ']);
    expect(created.code).toBe(1);
    expect(created.err).toBe(
      'sesame: Invalid input: name must be 1-100 characters without control characters',
    );
    expect(created.out).toEqual([]);
  });
});
