import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { ScimContext } from './context.ts';
import { renderScimError, ScimError } from './errors.ts';
import { groupHandlers } from './groups.ts';
import { injectFaults, rateLimit } from './limits.ts';
import { resolveOptions, type DatabricksScimOptions } from './options.ts';
import { servicePrincipalHandlers } from './service-principals.ts';
import { ScimState } from './state.ts';
import { userHandlers } from './users.ts';

export type { DatabricksScimOptions } from './options.ts';
export { ScimState } from './state.ts';

/**
 * A stand-in for Databricks' SCIM 2.0 API, for tests that provision into Databricks. Where
 * Databricks' behaviour is not documented (the 2025 group LIST change, externalId storage, per-method
 * limits, read lag), `options.ts` makes it a setting.
 *
 * Order of checks on every request: bearer token (401), account ID (404), rate limit (429),
 * injected faults (500), then the resource handler.
 */

export interface RequestRecord {
  method: string;
  /** The path with its query string, as sent. */
  path: string;
  body: unknown;
  status: number;
}

export interface DatabricksScim {
  app: Express;
  state: ScimState;
  /** Every request, oldest first, recorded when its response finishes. */
  requests: RequestRecord[];
  /** Replaces the clock that drives the rate limit and the group read lag (milliseconds). */
  setClock(now: () => number): void;
}

const accountBases = [
  '/api/2.0/accounts/:accountId/scim/v2',
  '/api/2.1/accounts/:accountId/scim/v2',
];
const workspaceBase = '/api/2.0/preview/scim/v2';

export function createDatabricksScim(input: DatabricksScimOptions): DatabricksScim {
  let clock: () => number = Date.now;
  const now = () => clock();
  const context: ScimContext = { options: resolveOptions(input), state: new ScimState(now), now };
  const requests: RequestRecord[] = [];

  const app = express();
  app.use(recordRequests(requests));
  app.use(express.json({ type: ['application/json', 'application/scim+json'], limit: '1mb' }));

  const bases = context.options.level === 'account' ? accountBases : [workspaceBase];
  app.use(bases, scimRouter(context));
  app.use((req: Request) => {
    // NOTE: Databricks' text for an unknown path, bad token or unknown account is not
    // documented, so clients should match these 401 and 404 errors on status only.
    throw new ScimError(404, `No route for ${req.method} ${req.path}.`);
  });
  app.use(renderScimError);

  return {
    app,
    state: context.state,
    requests,
    setClock(next) {
      clock = next;
    },
  };
}

function scimRouter(context: ScimContext): express.Router {
  const router = express.Router({ mergeParams: true });
  router.use(checkBearer(context.options.tokens), checkAccount(context.options.accountId));
  router.use(rateLimit(context), injectFaults(context));
  mountResource(router, '/Users', userHandlers(context));
  mountResource(router, '/Groups', groupHandlers(context));
  mountResource(router, '/ServicePrincipals', servicePrincipalHandlers(context));
  return router;
}

interface ResourceHandlers {
  list(req: Request, res: Response): void;
  create(req: Request, res: Response): void;
  get(req: Request, res: Response): void;
  replace(req: Request, res: Response): void;
  patch(req: Request, res: Response): void;
  remove(req: Request, res: Response): void;
}

function mountResource(router: express.Router, path: string, handlers: ResourceHandlers): void {
  router.get(path, handlers.list);
  router.post(path, handlers.create);
  router.get(`${path}/:id`, handlers.get);
  router.put(`${path}/:id`, handlers.replace);
  router.patch(`${path}/:id`, handlers.patch);
  router.delete(`${path}/:id`, handlers.remove);
}

function recordRequests(requests: RequestRecord[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.on('finish', () => {
      requests.push({
        method: req.method,
        path: req.originalUrl,
        body: req.body,
        status: res.statusCode,
      });
    });
    next();
  };
}

function checkBearer(tokens: string[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const match = /^Bearer (\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match || !tokens.includes(match[1] as string)) {
      throw new ScimError(401, 'Invalid or missing bearer token.');
    }
    next();
  };
}

/** Only the account-level paths carry an account ID; workspace paths pass through. */
function checkAccount(accountId: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const requested = req.params.accountId;
    if (requested !== undefined && requested !== accountId) {
      throw new ScimError(404, `Account ${String(requested)} not found.`);
    }
    next();
  };
}
