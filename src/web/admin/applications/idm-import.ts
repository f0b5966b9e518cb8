import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import type { Application } from '../../../applications/service.ts';
import { SesameError, type ErrorCode } from '../../../errors.ts';
import { immediateLimit, type ImportCandidate } from '../../../provisioning/import.ts';
import type { Services } from '../../../services.ts';
import { actorOf } from '../access.ts';
import { formLevel, listField, rejectedForm, textField, type FieldErrors } from '../forms.ts';
import { idmFields } from './idm-form.ts';
import { checkedForm, idmPath, isIdmError } from './identity-management.ts';
import { loadApplication, panelLocals } from './shared.ts';

/** Databricks users listed per page of the manual import, and selectable with one link. */
export const importPageSize = 1000;

/**
 * Maximum number of users one import form may select: one page. The engine takes up to 10,000
 * per import, but a form of one page keeps the body small: each selected user adds a multipart
 * part of roughly 100 bytes.
 */
export const maxImportSelection = importPageSize;

/** Maximum length of a remote user ID, far above Databricks' numeric user IDs. */
const maxRemoteIdLength = 128;

/** Results listed on an import's page; the counts above the table cover all of them. */
const maxShownResults = 1000;

/** Seconds between reloads of the page of an import that is still running. */
const refreshSeconds = 3;

const importParser = multer({
  storage: multer.memoryStorage(),
  limits: {
    files: 0,
    // The selected IDs plus `_csrf`, `newOnly` and `page`, with room for a few more.
    fields: maxImportSelection + 10,
    parts: maxImportSelection + 10,
    fieldSize: 1024,
    fieldNameSize: 100,
    fieldArrayIndexLimit: 0,
  },
}).none();

/**
 * Parses the import form, a multipart body because a URL-encoded one may carry only 50 fields.
 * A body over the limits gets 413 before the CSRF check, so that it is never read whole.
 */
export const importForm: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
  importParser(req, res, (error?: unknown) => {
    if (!error) return next();
    const tooMany =
      error instanceof multer.MulterError &&
      (error.code === 'LIMIT_FIELD_COUNT' || error.code === 'LIMIT_PART_COUNT');
    next(
      tooMany
        ? new SesameError(
            'payload_too_large',
            `The import form is over its limit: select at most ${maxImportSelection} users per import`,
            { cause: error },
          )
        : new SesameError('input_invalid', 'The import form could not be read', { cause: error }),
    );
  });
};

interface ListView {
  newOnly: boolean;
  page: number;
  selectAll: boolean;
}

function readListView(source: unknown): ListView {
  const page = textField(source, 'page');
  return {
    newOnly: textField(source, 'newOnly') === '1',
    page: /^[1-9]\d{0,5}$/.test(page) ? Number(page) : 1,
    selectAll: textField(source, 'select') === 'all',
  };
}

function importPath(application: Application, view: Partial<ListView>): string {
  const query = new URLSearchParams();
  if (view.newOnly) query.set('newOnly', '1');
  if (view.page && view.page > 1) query.set('page', String(view.page));
  if (view.selectAll) query.set('select', 'all');
  const search = query.toString();
  return `${idmPath(application)}/import${search ? `?${search}` : ''}`;
}

/** Lists the SP's users for the import page; a failed read is shown on the page. */
async function renderImport(
  services: Services,
  req: Request,
  res: Response,
  application: Application,
  view: ListView,
  state: { errors?: FieldErrors; selected?: Set<string> } = {},
): Promise<void> {
  const errors: FieldErrors = { ...state.errors };
  let candidates: ImportCandidate[] = [];
  try {
    candidates = await services.provisioning.listImportCandidates(application.slug, {
      newOnly: view.newOnly,
    });
  } catch (error) {
    if (!isIdmError(error)) throw error;
    res.status(error.status);
    errors[formLevel] = rejectedForm(services.logger, req, error, idmFields)[formLevel]!;
  }

  const pages = Math.max(1, Math.ceil(candidates.length / importPageSize));
  const page = Math.min(view.page, pages);
  const pageOfCandidates = candidates.slice((page - 1) * importPageSize, page * importPageSize);
  res.render('admin/application-idm-import', {
    ...panelLocals(services, req, 'identity-management', application),
    candidates: pageOfCandidates,
    total: candidates.length,
    page,
    pages,
    newOnly: view.newOnly,
    selected: view.selectAll
      ? new Set(
          pageOfCandidates.filter((user) => user.status === 'New').map((user) => user.remoteId),
        )
      : (state.selected ?? new Set<string>()),
    links: {
      filter: importPath(application, { newOnly: !view.newOnly }),
      selectAll: importPath(application, { ...view, page, selectAll: true }),
      clear: importPath(application, { ...view, page, selectAll: false }),
      previous: page > 1 ? importPath(application, { newOnly: view.newOnly, page: page - 1 }) : '',
      next: page < pages ? importPath(application, { newOnly: view.newOnly, page: page + 1 }) : '',
    },
    maxImportSelection,
    immediateLimit,
    errors,
  });
}

/** `GET …/identity-management/import?newOnly=1&page=2&select=all`: the SP's users. */
export function showImport(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    await renderImport(services, req, res, application, readListView(req.query));
  };
}

/** Checks the selected IDs before the engine reads the SP; returns the problem, if any. */
function selectionProblem(remoteIds: string[]): string | undefined {
  if (remoteIds.length === 0) return 'Select at least one user to import.';
  if (remoteIds.length > maxImportSelection) {
    return `Select at most ${maxImportSelection} users per import; ${remoteIds.length} were selected.`;
  }
  const invalid = remoteIds.some(
    (id) => id === '' || id.length > maxRemoteIdLength || /[\u0000-\u001f\s]/.test(id),
  );
  if (invalid) return 'A selected user ID is invalid; reload the list and select the users again.';
  return undefined;
}

/**
 * `POST …/identity-management/import`: creates the selected users in Sesame. Up to 100 are
 * created before the redirect to the import's page; more run in the background.
 */
export function startImport(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    const view = { ...readListView(req.body), selectAll: false };
    const remoteIds = listField(req.body, 'remoteIds');
    const rejected = (message: string, status = 400, code: ErrorCode = 'input_invalid') => {
      res.status(status);
      return renderImport(services, req, res, application, view, {
        errors: checkedForm(
          services,
          req,
          { [formLevel]: 'Nothing was imported: see the message below.', remoteIds: message },
          code,
        ),
        selected: new Set(remoteIds),
      });
    };
    const problem = selectionProblem(remoteIds);
    if (problem) return rejected(problem);

    let run;
    try {
      run = await services.provisioning.importUsers(application.slug, remoteIds, actorOf(req));
    } catch (error) {
      if (!isIdmError(error)) throw error;
      return rejected(error.message, error.status, error.code);
    }
    res.redirect(303, `${idmPath(application)}/imports/${run.id}`);
  };
}

async function loadRun(services: Services, req: Request, application: Application) {
  const id = String(req.params.id);
  const run = await services.provisioning.getImport(id);
  if (!run || run.applicationSlug !== application.slug) {
    throw new SesameError('not_found', `No import "${id.slice(0, 64)}" for this application`);
  }
  return run;
}

const outcomeOrder = { failed: 0, skipped: 1, created: 2 } as const;

/** `GET …/identity-management/imports/:id`: progress, then the results, of one import. */
export function showImportRun(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    const run = await loadRun(services, req, application);
    const results = [...run.results].sort(
      (a, b) => outcomeOrder[a.outcome] - outcomeOrder[b.outcome],
    );
    res.render('admin/application-idm-import-run', {
      ...panelLocals(services, req, 'identity-management', application),
      run,
      results: results.slice(0, maxShownResults),
      refreshSeconds: run.state === 'running' ? refreshSeconds : undefined,
    });
  };
}

/** Accepts only a path inside the portal as the page to return to. */
function returnPath(value: string, fallback: string): string {
  const safe = /^\/admin\/[^/\\]/.test(value) && !/[\\\s]/.test(value) && value.length <= 1000;
  return safe ? value : fallback;
}

/** `POST …/identity-management/imports/:id/dismiss`: removes the notice of a finished import. */
export function dismissImport(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    const run = await loadRun(services, req, application);
    await services.provisioning.acknowledgeImport(run.id);
    const fallback = `${idmPath(application)}/imports/${run.id}`;
    res.redirect(303, returnPath(textField(req.body, 'returnTo'), fallback));
  };
}

/**
 * Puts the finished imports that no administrator has dismissed on every portal page, for the
 * notice at its top. Only pages (GET) need them.
 */
export function loadFinishedImports(services: Services): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET') {
      res.locals.finishedImports = await services.provisioning.listUnacknowledgedImports();
      res.locals.currentPath = req.originalUrl;
    }
    next();
  };
}
