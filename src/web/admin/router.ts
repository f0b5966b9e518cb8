import { Router } from 'express';
import type { Services } from '../../services.ts';
import { requireSignedIn } from '../auth.ts';
import { requireAdmin } from './access.ts';
import { apiKeysRouter } from './api-keys.ts';
import { downloadCertificate } from './applications/downloads.ts';
import { loadFinishedImports } from './applications/idm-import.ts';
import { applicationsRouter } from './applications/router.ts';
import { groupsRouter } from './groups/router.ts';
import { exportInsights, showInsights } from './insights.ts';
import { scimTokensRouter } from './scim-tokens.ts';
import { usersRouter } from './users/router.ts';

/**
 * `/admin`: the administrators' portal. Every route needs a signed-in active administrator:
 * a visitor without a session goes to /login and comes back, anyone else gets a 403 page.
 * Every POST checks the form's CSRF token before it acts. Every page shows the finished imports
 * of Databricks users that no administrator has dismissed yet.
 */
export function adminRouter(services: Services): Router {
  const router = Router();
  router.use(requireSignedIn, requireAdmin, loadFinishedImports(services));

  router.get('/', (_req, res) => res.redirect(303, '/admin/applications'));
  router.get('/certificate.pem', downloadCertificate(services));
  router.use('/applications', applicationsRouter(services));
  router.use('/users', usersRouter(services));
  router.use('/groups', groupsRouter(services));
  router.get('/insights', showInsights(services));
  router.get('/insights/export.json', exportInsights(services));
  router.use('/api-keys', apiKeysRouter(services));
  router.use('/scim-tokens', scimTokensRouter(services));
  return router;
}
