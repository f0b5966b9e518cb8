import { Router, type Request, type Response } from 'express';
import { scimBasePath } from '../../scim/constants.ts';
import type { Services } from '../../services.ts';
import { requireCsrf } from '../csrf.ts';
import { actorOf } from './access.ts';
import { isResubmitted, issueFormNonce } from './form-nonce.ts';
import { rejectedForm, isFormError, textField, type FieldErrors } from './forms.ts';
import { setNotice, takeNotice } from './notices.ts';

/** `/admin/scim-tokens`: bearer tokens of the SCIM server, creation, and revocation. */
export function scimTokensRouter(services: Services): Router {
  const router = Router();
  router.get('/', showScimTokens(services));
  router.post('/', requireCsrf, createScimToken(services));
  router.post('/:id/revoke', requireCsrf, revokeScimToken(services));
  return router;
}

async function renderScimTokens(
  services: Services,
  req: Request,
  res: Response,
  name: string,
  errors: FieldErrors,
) {
  res.render('admin/scim-tokens', {
    title: 'SCIM Tokens',
    section: 'scim-tokens',
    formNonce: issueFormNonce(req, 'scimTokenFormNonce'),
    tokens: await services.scimTokens.list(),
    scimBaseUrl: services.config.baseUrl + scimBasePath,
    name,
    errors,
    notice: takeNotice(req),
  });
}

function showScimTokens(services: Services) {
  return (req: Request, res: Response) => renderScimTokens(services, req, res, '', {});
}

/**
 * `POST /admin/scim-tokens`: creates a token and shows it, with the SCIM base URL, on this
 * response only. Sesame stores just the token's SHA-256 hash, so the page is not cached and the
 * token cannot be shown again.
 */
function createScimToken(services: Services) {
  return async (req: Request, res: Response) => {
    const name = textField(req.body, 'name');
    if (isResubmitted(req, 'scimTokenFormNonce')) {
      res.status(409);
      return renderScimTokens(services, req, res, '', {
        form: 'This form was already submitted, so no second token was created. The token it created is in the list below; it was shown once.',
      });
    }

    let created;
    try {
      created = await services.scimTokens.create(name, actorOf(req));
    } catch (error) {
      if (!isFormError(error)) throw error;
      res.status(400);
      const errors = rejectedForm(services.logger, req, error, { labels: { name: 'Name' } });
      return renderScimTokens(services, req, res, name, errors);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.render('admin/scim-token-created', {
      title: 'SCIM token created',
      section: 'scim-tokens',
      created,
      scimBaseUrl: services.config.baseUrl + scimBasePath,
    });
  };
}

/** `POST /admin/scim-tokens/:id/revoke`: the token stops working on the next request. */
function revokeScimToken(services: Services) {
  return async (req: Request, res: Response) => {
    await services.scimTokens.revoke(String(req.params.id), actorOf(req));
    setNotice(req, 'SCIM token revoked.');
    res.redirect(303, '/admin/scim-tokens');
  };
}
