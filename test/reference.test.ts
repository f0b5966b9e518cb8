import fs from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../src/errors.ts';
import { eventTypes } from '../src/insights/events.ts';
import { createLogger } from '../src/log.ts';

const reference = fs.readFileSync(new URL('../docs/reference.md', import.meta.url), 'utf8');

describe('documented codes', () => {
  it('documents every error code', () => {
    for (const code of Object.keys(errorCodes)) expect(reference).toContain(`| \`${code}\` |`);
  });

  it('documents every event type', () => {
    for (const type of eventTypes) expect(reference).toContain(`| \`${type}\` |`);
  });
});

describe('logger', () => {
  it('redacts secrets in logged objects', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info(
      { password: 'hunter2hunter2', body: { SAMLResponse: 'PHNhbWw=', token: 'tkn' } },
      'x',
    );
    expect(lines.join('')).not.toMatch(/hunter2|PHNhbWw=|tkn/);
    expect(lines.join('')).toContain('[redacted]');
  });

  it('leaves the raw body out of logged errors', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const error = Object.assign(new Error('too many parameters'), {
      status: 413,
      type: 'parameters.too.many',
      body: 'username=alice&password=hunter2hunter2',
    });
    createLogger('info', sink).error(
      { err: new Error('wrapped', { cause: error }) },
      'request failed',
    );
    const line = lines.join('');
    expect(line).not.toContain('hunter2');
    expect(line).toContain('parameters.too.many');
  });
});
