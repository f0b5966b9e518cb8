import { Router, type Request, type Response } from 'express';
import type { Services } from '../../services.ts';
import { requireCsrf } from '../csrf.ts';
import { actorOf, adminOf } from './access.ts';
import { isResubmitted, issueFormNonce } from './form-nonce.ts';
import { rejectedForm, isFormError, textField, type FieldErrors } from './forms.ts';
import { setNotice, takeNotice } from './notices.ts';

/** `/admin/api-keys`: every administrator's API keys, creation, and revocation. */
export function apiKeysRouter(services: Services): Router {
  const router = Router();
  router.get('/', showApiKeys(services));
  router.post('/', requireCsrf, createApiKey(services));
  router.post('/:id/revoke', requireCsrf, revokeApiKey(services));
  return router;
}

async function renderApiKeys(
  services: Services,
  req: Request,
  res: Response,
  name: string,
  errors: FieldErrors,
) {
  const keys = await services.apiKeys.list();
  const owners = new Map<string, string>();
  for (const key of keys) {
    if (owners.has(key.userId)) continue;
    const owner = await services.directory.getUser(key.userId);
    owners.set(key.userId, owner?.username ?? key.userId);
  }
  res.render('admin/api-keys', {
    title: 'API Keys',
    section: 'api-keys',
    formNonce: issueFormNonce(req, 'apiKeyFormNonce'),
    keys,
    owners,
    name,
    errors,
    notice: takeNotice(req),
  });
}

function showApiKeys(services: Services) {
  return (req: Request, res: Response) => renderApiKeys(services, req, res, '', {});
}

/**
 * `POST /admin/api-keys`: creates a key for the signed-in administrator and shows its token on
 * this response only. Sesame stores just the token's SHA-256 hash, so the page is not cached and
 * the token cannot be shown again.
 */
function createApiKey(services: Services) {
  return async (req: Request, res: Response) => {
    const name = textField(req.body, 'name');
    if (isResubmitted(req, 'apiKeyFormNonce')) {
      res.status(409);
      return renderApiKeys(services, req, res, '', {
        form: 'This form was already submitted, so no second key was created. The key it created is in the list below; its token was shown once.',
      });
    }

    let created;
    try {
      created = await services.apiKeys.create(adminOf(req).id, name, actorOf(req));
    } catch (error) {
      if (!isFormError(error)) throw error;
      res.status(400);
      return renderApiKeys(
        services,
        req,
        res,
        name,
        rejectedForm(services.logger, req, error, { labels: { name: 'Name' } }),
      );
    }
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.render('admin/api-key-created', {
      title: 'API key created',
      section: 'api-keys',
      key: created.key,
      token: created.token,
    });
  };
}

/** `POST /admin/api-keys/:id/revoke`: the key stops working at once. */
function revokeApiKey(services: Services) {
  return async (req: Request, res: Response) => {
    await services.apiKeys.revoke(String(req.params.id), actorOf(req));
    setNotice(req, 'API key revoked.');
    res.redirect(303, '/admin/api-keys');
  };
}
