import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { ScimContext } from './context.ts';
import { renderScimError, ScimError } from './errors.ts';
import { FaultSwitch } from './faults.ts';
import { groupHandlers } from './groups.ts';
import { rateLimit } from './limits.ts';
import { resolveOptions, type DatabricksScimOptions } from './options.ts';
import { recordRequests, type RequestRecord } from './requests.ts';
import { servicePrincipalHandlers } from './service-principals.ts';
import { snapshotState, type ScimSnapshot } from './snapshot.ts';
import { ScimState } from './state.ts';
import { userHandlers } from './users.ts';

export { FaultSwitch, type FaultSettings } from './faults.ts';
export type { DatabricksScimOptions } from './options.ts';
export { countRequests, findRequests, type RequestQuery, type RequestRecord } from './requests.ts';
export {
  snapshotState,
  type GroupSnapshot,
  type ScimSnapshot,
  type UserSnapshot,
} from './snapshot.ts';
export { ScimState } from './state.ts';

/**
 * A stand-in for Databricks' SCIM 2.0 API, for tests that provision into Databricks. Where
 * Databricks' behaviour is not documented (the 2025 group LIST change, externalId storage, per-method
 * limits, read lag), `options.ts` makes it a setting.
 *
 * Order of checks on every request: bearer token (401), account ID (404), rate limit (429),
 * injected faults (`faults.ts`), then the resource handler.
 */

export interface DatabricksScim {
  app: Express;
  state: ScimState;
  /**
   * Every request, oldest first, recorded when its response finishes, or with status 0 when its
   * connection closes first. `countRequests` and `findRequests` select from it.
   */
  requests: RequestRecord[];
  /** Empties `requests` in place, so references to the array stay valid. */
  clearRequests(): void;
  /** Fault injection, changeable while the emulator serves. */
  faults: FaultSwitch;
  /** Copies the current users and groups into plain objects (see `snapshotState`). */
  snapshot(): ScimSnapshot;
  /** Replaces the clock that drives the rate limit and the group read lag (milliseconds). */
  setClock(now: () => number): void;
}

const accountBases = [
  '/api/2.0/accounts/:accountId/scim/v2',
  '/api/2.1/accounts/:accountId/scim/v2',
  // The account API as a workspace host serves it, with no account ID in the path.
  '/api/2.0/account/scim/v2',
];
const workspaceBase = '/api/2.0/preview/scim/v2';

/** Returns the path of the SCIM Base URL that clients are given for `level`. */
export function scimBasePath(options: Pick<DatabricksScimOptions, 'level' | 'accountId'>): string {
  if (options.level === 'workspace') return workspaceBase;
  return `/api/2.0/accounts/${encodeURIComponent(options.accountId)}/scim/v2`;
}

export function createDatabricksScim(input: DatabricksScimOptions): DatabricksScim {
  let clock: () => number = Date.now;
  const now = () => clock();
  const context: ScimContext = { options: resolveOptions(input), state: new ScimState(now), now };
  const faults = new FaultSwitch(context.options.faults);
  const requests: RequestRecord[] = [];

  const app = express();
  app.use(
    recordRequests((record) => {
      requests.push(record);
      context.options.onRequest?.(record);
    }),
  );
  app.use(express.json({ type: ['application/json', 'application/scim+json'], limit: '1mb' }));

  const bases = context.options.level === 'account' ? accountBases : [workspaceBase];
  app.use(bases, scimRouter(context, faults));
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
    clearRequests() {
      requests.length = 0;
    },
    faults,
    snapshot: () => snapshotState(context.state),
    setClock(next) {
      clock = next;
    },
  };
}

function scimRouter(context: ScimContext, faults: FaultSwitch): express.Router {
  const router = express.Router({ mergeParams: true });
  router.use(checkBearer(context.options.tokens), checkAccount(context.options.accountId));
  router.use(rateLimit(context), faults.middleware);

  const users = userHandlers(context);
  if (context.options.level === 'workspace') router.get('/Me', users.me);
  mountResource(router, '/Users', users);
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

/** Accepts a configured bearer token and keeps it in `res.locals.token` for `GET /Me`. */
function checkBearer(tokens: string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const match = /^Bearer (\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match || !tokens.includes(match[1] as string)) {
      throw new ScimError(401, 'Invalid or missing bearer token.');
    }
    res.locals.token = match[1];
    next();
  };
}

/** Checks the account ID where the path has one; workspace-host paths have none. */
function checkAccount(accountId: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const requested = req.params.accountId;
    if (requested !== undefined && requested !== accountId) {
      throw new ScimError(404, `Account ${String(requested)} not found.`);
    }
    next();
  };
}
