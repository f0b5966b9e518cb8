import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { databricksTemplate } from '../../src/applications/catalog.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';
import { by } from './harness.ts';

/** A SCIM server on 127.0.0.1 whose handler each test writes, to misbehave on purpose. */
interface HostileServer {
  baseUrl: string;
  /** Request paths in the order they arrived. */
  paths: string[];
  close(): Promise<void>;
}

async function startHostileServer(
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<HostileServer> {
  const paths: string[] = [];
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/2.0/accounts/hostile/scim/v2`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const emptyList = JSON.stringify({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
  totalResults: 0,
  Resources: [],
});

/** Returns a handler that passes the activation check, which reads one user, and leaves every other request to `rest`. */
function passCheckThen(rest: (response: http.ServerResponse) => void) {
  return (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (request.url?.endsWith('/Users?startIndex=1&count=1')) {
      response.writeHead(200, { 'content-type': 'application/scim+json' });
      response.end(emptyList);
      return;
    }
    rest(response);
  };
}

/** Sends the status line, then a space every 100 ms, and never ends the body. */
function dripForever(response: http.ServerResponse) {
  response.writeHead(200, { 'content-type': 'application/scim+json' });
  const timer = setInterval(() => response.write(' '), 100);
  response.on('close', () => clearInterval(timer));
}

describe('a SCIM server that holds requests open', () => {
  let sesame: TestInstance;
  let server: HostileServer;

  async function start(handler: Parameters<typeof startHostileServer>[0], timeoutMs: number) {
    server = await startHostileServer(handler);
    sesame = await startInstance({
      SESAME_SCIM_TIMEOUT_MS: String(timeoutMs),
      SESAME_SCIM_MAX_RETRIES: '1',
      SESAME_SCIM_BACKOFF_BASE_MS: '5',
      SESAME_SCIM_BACKOFF_MAX_MS: '50',
    });
    await sesame.services.applications.create(
      {
        slug: 'databricks',
        template: 'databricks',
        displayLabel: 'Databricks',
        spEntityId: 'https://accounts.cloud.databricks.com/saml',
        acsUrls: ['https://dbc-test.cloud.databricks.com/saml/consume'],
        sso: databricksTemplate,
      },
      by,
    );
    await sesame.services.provisioning.start();
  }

  async function waitForPath(pattern: RegExp) {
    for (let waited = 0; !server.paths.some((path) => pattern.test(path)); waited += 10) {
      if (waited > 5000) throw new Error(`no request matching ${pattern} within 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  afterEach(async () => {
    await sesame.close();
    await server.close();
  });

  it('times out a response that drips forever', async () => {
    await start((_request, response) => dripForever(response), 300);
    const started = Date.now();
    await expect(
      sesame.services.provisioning.activate(
        'databricks',
        { baseUrl: server.baseUrl, token: 'dapi-hostile' },
        by,
      ),
    ).rejects.toThrow(/did not answer within the timeout/);
    // Two attempts of 300 ms each and a backoff of at most 50 ms, with room for a slow machine.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it.each([
    ['never answers', (_response: http.ServerResponse) => undefined],
    ['drips forever', dripForever],
  ])('deactivates at once while it %s', async (_case, rest) => {
    await start(passCheckThen(rest), 20_000);
    const { provisioning } = sesame.services;
    await provisioning.activate('databricks', { baseUrl: server.baseUrl, token: 'dapi-x' }, by);
    await waitForPath(/\/Users\?startIndex=1&count=1000$/);

    const started = Date.now();
    await provisioning.deactivate('databricks', by);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await provisioning.get('databricks'))?.active).toBe(false);
  });
});

describe('a SCIM server that returns malformed users', () => {
  let sesame: TestInstance;
  let server: HostileServer;

  afterEach(async () => {
    await sesame.close();
    await server.close();
  });

  it('is reported as a failed SCIM call', async () => {
    const users = [{ id: { nested: 'object' }, userName: 'x@example.com' }];
    server = await startHostileServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/scim+json' });
      response.end(
        JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
          totalResults: users.length,
          Resources: users,
        }),
      );
    });
    sesame = await startInstance();
    await sesame.services.applications.create(
      {
        slug: 'databricks',
        template: 'databricks',
        displayLabel: 'Databricks',
        spEntityId: 'https://accounts.cloud.databricks.com/saml',
        acsUrls: ['https://dbc-test.cloud.databricks.com/saml/consume'],
        sso: databricksTemplate,
      },
      by,
    );
    const { provisioning } = sesame.services;
    await provisioning.activate('databricks', { baseUrl: server.baseUrl, token: 'dapi-x' }, by);

    const listing = provisioning.listImportCandidates('databricks');
    await expect(listing).rejects.toMatchObject({ code: 'scim_call_failed' });
    await expect(listing).rejects.toThrow(/A SCIM user in the response has no id/);
    await expect(provisioning.preview('databricks')).rejects.toMatchObject({
      code: 'scim_call_failed',
    });
  });
});

describe('a SCIM server that pages for ever', () => {
  let sesame: TestInstance;
  let server: HostileServer;
  afterEach(async () => {
    await sesame.close();
    await server.close();
  });

  /** Answers the check, then serves list pages made by `page` for every other request. */
  async function start(page: (pageNumber: number) => { ids: string[]; total: number }) {
    let pageNumber = 0;
    server = await startHostileServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/scim+json' });
      if (request.url?.endsWith('/Users?startIndex=1&count=1')) {
        response.end(emptyList);
        return;
      }
      pageNumber += 1;
      const { ids, total } = page(pageNumber);
      response.end(
        JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
          totalResults: total,
          Resources: ids.map((id) => ({ id, userName: `${id}@example.com` })),
        }),
      );
    });
    sesame = await startInstance({ SESAME_SCIM_MAX_LISTED_RESOURCES: '2500' });
    await sesame.services.applications.create(
      {
        slug: 'databricks',
        template: 'databricks',
        spEntityId: 'https://accounts.cloud.databricks.com/saml',
        acsUrls: ['https://dbc-test.cloud.databricks.com/saml/consume'],
        sso: databricksTemplate,
      },
      by,
    );
    await sesame.services.provisioning.activate(
      'databricks',
      { baseUrl: server.baseUrl, token: 'dapi-hostile' },
      by,
    );
  }

  it('stops at the listing limit when every page is new', async () => {
    await start((pageNumber) => ({
      ids: Array.from({ length: 1000 }, (_, index) => `u${pageNumber}-${index}`),
      total: 1e12,
    }));
    await expect(sesame.services.provisioning.listImportCandidates('databricks')).rejects.toThrow(
      /lists more than 2500 \/Users/,
    );
    expect(server.paths.length).toBeLessThanOrEqual(5);
  });

  it('stops when a page repeats', async () => {
    await start(() => ({ ids: ['same-1', 'same-2'], total: 1e12 }));
    await expect(sesame.services.provisioning.listImportCandidates('databricks')).rejects.toThrow(
      /returned the same \/Users page again/,
    );
  });

  it("trusts only the first page's total", async () => {
    await start((pageNumber) => ({
      ids: Array.from({ length: 1000 }, (_, index) => `u${pageNumber}-${index}`),
      total: pageNumber === 1 ? 1500 : 1e12,
    }));
    const candidates = await sesame.services.provisioning.listImportCandidates('databricks');
    expect(candidates).toHaveLength(2000);
  });
});
