import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createDatabricksScim,
  scimBasePath,
  type DatabricksScim,
  type DatabricksScimOptions,
} from './index.ts';

export interface DatabricksScimServerOptions extends DatabricksScimOptions {
  /** The port to listen on. The default, 0, picks a free port. */
  port?: number;
  /** The only address allowed is loopback, so that no other host can reach the test tokens. */
  host?: '127.0.0.1';
}

export interface DatabricksScimServer {
  /** The origin, such as `http://127.0.0.1:8600`. */
  url: string;
  /** The SCIM Base URL to give a client: the origin plus the path for the level and account. */
  baseUrl: string;
  scim: DatabricksScim;
  /**
   * Stops listening, drops delayed requests and ends every open connection, including kept-alive
   * ones and hung requests. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/** Starts the emulator over HTTP on loopback and resolves once it is listening. */
export async function startDatabricksScim(
  options: DatabricksScimServerOptions,
): Promise<DatabricksScimServer> {
  const { port = 0, host = '127.0.0.1', ...scimOptions } = options;
  if (host !== '127.0.0.1') {
    throw new Error(
      `host must be 127.0.0.1, because the emulator is for loopback only; got ${host}`,
    );
  }

  const scim = createDatabricksScim(scimOptions);
  const server = http.createServer(scim.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    baseUrl: url + scimBasePath(scimOptions),
    scim,
    close: () => (closing ??= stop(server, scim)),
  };
}

function stop(server: http.Server, scim: DatabricksScim): Promise<void> {
  scim.faults.cancelDelayed();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
