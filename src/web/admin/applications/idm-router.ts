import { Router } from 'express';
import type { Services } from '../../../services.ts';
import { requireCsrf } from '../../csrf.ts';
import { multipartForm } from '../uploads.ts';
import {
  confirmIdmDeactivation,
  deactivateIntegration,
  previewIntegration,
  saveEntitlements,
  syncIntegration,
} from './idm-actions.ts';
import { dismissImport, importForm, showImport, showImportRun, startImport } from './idm-import.ts';
import {
  activateIntegration,
  saveIdmSettings,
  showIdentityManagement,
} from './identity-management.ts';

/**
 * `/admin/applications/:slug/identity-management`: outbound SCIM provisioning of one
 * application. Its forms take URL-encoded or multipart bodies, like the other tabs, except the
 * import form, which is multipart only because it can carry a thousand selected users.
 */
export function identityManagementRouter(services: Services): Router {
  const router = Router({ mergeParams: true });
  const form = multipartForm();

  router.get('/', showIdentityManagement(services));
  router.post('/', form, requireCsrf, activateIntegration(services));
  router.post('/settings', form, requireCsrf, saveIdmSettings(services));
  router.post('/sync', form, requireCsrf, syncIntegration(services));
  router.post('/preview', form, requireCsrf, previewIntegration(services));
  router.get('/deactivate', confirmIdmDeactivation(services));
  router.post('/deactivate', form, requireCsrf, deactivateIntegration(services));
  router.post('/entitlements/:groupId', form, requireCsrf, saveEntitlements(services));

  router.get('/import', showImport(services));
  router.post('/import', importForm, requireCsrf, startImport(services));
  router.get('/imports/:id', showImportRun(services));
  router.post('/imports/:id/dismiss', form, requireCsrf, dismissImport(services));
  return router;
}
