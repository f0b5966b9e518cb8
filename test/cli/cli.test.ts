import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import { generateSelfSigned } from '../../src/saml/keys.ts';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-cli-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function sesame(args: string[], stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const env = { SESAME_CERTS_DIR: path.join(dir, 'certs'), SESAME_LOG_LEVEL: 'silent' };
  const result = await runCli(['--data-dir', path.join(dir, 'data'), ...args], env, {
    print: (line) => out.push(line),
    error: (line) => err.push(line),
    readStdin: async () => stdin,
  });
  return { code: result.exitCode, out: out.join('\n'), err: err.join('\n') };
}

describe('sesame command line', () => {
  it('creates a user, a group, an application and a binding', async () => {
    expect(
      (
        await sesame(
          [
            'user',
            'add',
            'alice',
            '--email',
            'alice@example.com',
            '--first',
            'Alice',
            '--password-stdin',
          ],
          'a long password\n',
        )
      ).code,
    ).toBe(0);
    expect((await sesame(['group', 'add', 'engineers'])).code).toBe(0);
    expect((await sesame(['group', 'add-member', 'engineers', 'ALICE'])).code).toBe(0);

    const created = await sesame([
      'app',
      'add',
      'databricks',
      '--name',
      'databricks',
      '--subdomain',
      'dbc-1a2b',
    ]);
    expect(created.code).toBe(0);
    expect(created.out).toContain(
      'ACS URL and SP entity ID: https://dbc-1a2b.cloud.databricks.com/saml/consume',
    );
    expect(created.out).toContain(
      'IdP entity ID and SSO URL: http://localhost:8080/saml2/databricks',
    );

    expect((await sesame(['app', 'bind', 'databricks', 'engineers'])).out).toBe(
      'Bound group engineers to databricks',
    );
    expect((await sesame(['user', 'list'])).out).toBe('alice\talice@example.com\tactive');
    expect((await sesame(['app', 'list'])).out).toContain('databricks\tdatabricks\tactive');
  });

  it('deletes users, groups, bindings and applications', async () => {
    await sesame(['user', 'add', 'alice', '--email', 'alice@example.com']);
    await sesame(['group', 'add', 'engineers']);
    await sesame(['app', 'add', 'databricks', '--name', 'databricks', '--subdomain', 'dbc-1']);
    await sesame(['app', 'bind', 'databricks', 'engineers']);

    expect((await sesame(['app', 'unbind', 'databricks', 'engineers'])).out).toBe(
      'Unbound group engineers from databricks',
    );
    expect((await sesame(['app', 'delete', 'databricks'])).out).toBe(
      'Deleted application databricks',
    );
    expect((await sesame(['group', 'delete', 'engineers'])).out).toBe('Deleted group engineers');
    expect((await sesame(['user', 'delete', 'alice'])).out).toBe('Deleted user alice');
    expect((await sesame(['user', 'list'])).out).toBe('');
    expect((await sesame(['app', 'list'])).out).toBe('');
  });

  it('adds account-level Databricks with a redirect URL', async () => {
    const url = 'https://accounts.cloud.databricks.com/saml/consume/0a1b';
    const created = await sesame([
      'app',
      'add',
      'databricks',
      '--name',
      'dbx-account',
      '--redirect-url',
      url,
    ]);
    expect(created.code).toBe(0);
    expect(created.out).toContain(`ACS URL and SP entity ID: ${url}`);
  });

  it('adds a custom SAML application with two ACS URLs and a certificate', async () => {
    const certFile = path.join(dir, 'sp.pem');
    fs.writeFileSync(
      certFile,
      generateSelfSigned({ bits: 2048, validityDays: 1, commonName: 'sp' }).certificatePem,
    );
    const created = await sesame([
      'app',
      'add',
      'saml',
      '--name',
      'wiki',
      '--sp-entity-id',
      'https://wiki.example/sp',
      '--acs-url',
      'https://wiki.example/acs',
      '--acs-url',
      'https://wiki.example/acs2',
      '--sp-cert',
      certFile,
      '--require-signed-requests',
    ]);
    expect(created.code).toBe(0);
    expect(created.out).toContain(
      '  ACS URL: https://wiki.example/acs\n  SP entity ID: https://wiki.example/sp',
    );
  });

  const failures: Array<[string, string[], string, RegExp]> = [
    [
      'duplicate username in another case',
      ['user', 'add', 'ALICE', '--email', 'other@example.com'],
      '',
      /A user with username "alice" already exists/,
    ],
    [
      'duplicate email in another case',
      ['user', 'add', 'carol', '--email', 'Alice@Example.com'],
      '',
      /A user with email "alice@example.com" already exists/,
    ],
    [
      'invalid email',
      ['user', 'add', 'carol', '--email', 'not-an-email'],
      '',
      /email must be an email address/,
    ],
    [
      'short password',
      ['user', 'add', 'carol', '--email', 'c@example.com', '--password-stdin'],
      'short\n',
      /password must be at least 12 characters/,
    ],
    ['unknown user', ['group', 'add-member', 'engineers', 'nobody'], '', /User "nobody" not found/],
    ['unknown group', ['app', 'bind', 'databricks', 'nobody'], '', /Group "nobody" not found/],
    ['duplicate group', ['group', 'add', 'ENGINEERS'], '', /Group "engineers" already exists/],
    [
      'invalid slug',
      ['app', 'add', 'databricks', '--name', 'Bad_Name', '--subdomain', 'x'],
      '',
      /Invalid application name "Bad_Name"/,
    ],
    [
      'duplicate application',
      ['app', 'add', 'databricks', '--name', 'databricks', '--subdomain', 'x'],
      '',
      /Application "databricks" already exists/,
    ],
    [
      'invalid subdomain',
      ['app', 'add', 'databricks', '--name', 'd2', '--subdomain', 'a.b/c'],
      '',
      /Invalid --subdomain "a.b\/c"/,
    ],
    [
      'http ACS URL',
      [
        'app',
        'add',
        'saml',
        '--name',
        's1',
        '--sp-entity-id',
        'x',
        '--acs-url',
        'http://sp.example/acs',
      ],
      '',
      /must use https/,
    ],
    [
      'javascript ACS URL',
      [
        'app',
        'add',
        'saml',
        '--name',
        's1',
        '--sp-entity-id',
        'x',
        '--acs-url',
        'javascript:alert(1)',
      ],
      '',
      /must use https/,
    ],
    [
      'signed requests without certificate',
      [
        'app',
        'add',
        'saml',
        '--name',
        's1',
        '--sp-entity-id',
        'x',
        '--acs-url',
        'https://sp/acs',
        '--require-signed-requests',
      ],
      '',
      /needs --sp-cert/,
    ],
    [
      'unreadable certificate file',
      [
        'app',
        'add',
        'saml',
        '--name',
        's1',
        '--sp-entity-id',
        'x',
        '--acs-url',
        'https://sp/acs',
        '--sp-cert',
        '/nonexistent.pem',
      ],
      '',
      /Cannot read \/nonexistent.pem: ENOENT/,
    ],
    [
      'unknown application',
      ['app', 'bind', 'nope', 'engineers'],
      '',
      /Application "nope" not found/,
    ],
  ];

  for (const [name, args, stdin, message] of failures) {
    it(`fails on ${name}`, async () => {
      await sesame(['user', 'add', 'alice', '--email', 'alice@example.com']);
      await sesame(['group', 'add', 'engineers']);
      await sesame(['app', 'add', 'databricks', '--name', 'databricks', '--subdomain', 'dbc-1']);

      const result = await sesame(args, stdin);
      expect(result.code).not.toBe(0);
      expect(result.err).toMatch(message);
    });
  }

  it('rejects a certificate that is not PEM', async () => {
    const certFile = path.join(dir, 'bad.pem');
    fs.writeFileSync(certFile, 'not a certificate');
    const result = await sesame([
      'app',
      'add',
      'saml',
      '--name',
      's1',
      '--sp-entity-id',
      'x',
      '--acs-url',
      'https://sp/acs',
      '--sp-cert',
      certFile,
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('Invalid SP certificate: not a PEM X.509 certificate');
  });

  it('rejects an unknown command with usage', async () => {
    const result = await sesame(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.err).toContain("unknown command 'frobnicate'");
  });
});
