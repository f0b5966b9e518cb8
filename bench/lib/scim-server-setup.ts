import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createServices, databaseFileName, type Services } from '../../src/services.ts';

/** Sesame's HTTP server on 127.0.0.1, with its database in a temporary folder. */
export interface ScimServerSetup {
  services: Services;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  databaseFile: string;
  close(): Promise<void>;
}

/**
 * The SCIM server's per-token limit, set high enough that sequential requests never get a 429.
 * These are the maximums that the configuration accepts.
 */
export const maxScimRate = { ratePerSecond: 100_000, burst: 1_000_000 };

/** Starts the real Express application on port 0 of 127.0.0.1 with logging off. */
export async function startScimServer(): Promise<ScimServerSetup> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-scim-server-'));
  const config = loadConfig({
    SESAME_DATA_DIR: path.join(folder, 'data'),
    SESAME_CERTS_DIR: path.join(folder, 'certs'),
    SESAME_LOG_LEVEL: 'silent',
    SESAME_SCIM_SERVER_RATE_PER_SECOND: String(maxScimRate.ratePerSecond),
    SESAME_SCIM_SERVER_BURST: String(maxScimRate.burst),
  });
  const services = await createServices(config);
  const server = buildApp(services).app.listen(0, '127.0.0.1');

  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await services.close();
    fs.rmSync(folder, { recursive: true, force: true });
  };

  try {
    await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    services,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    databaseFile: path.join(config.dataDir, databaseFileName),
    close,
  };
}
