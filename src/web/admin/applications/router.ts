import { Router } from 'express';
import type { Services } from '../../../services.ts';
import { requireCsrf } from '../../csrf.ts';
import { multipartForm } from '../uploads.ts';
import { createApplication, showCatalog, showCreated, showNewApplication } from './create.ts';
import { downloadMetadata } from './downloads.ts';
import { saveGeneral, sendImage, showGeneral } from './general.ts';
import { saveGroupsTab, setActive, showGroupsTab } from './groups-tab.ts';
import { identityManagementRouter } from './idm-router.ts';
import { confirmApplicationDeletion, deleteApplications, showApplications } from './list.ts';
import { readSpMetadata, saveSso, showSso } from './sso.ts';

/**
 * `/admin/applications`: the list, the catalog, and each application's panel. Forms that can
 * carry many fields (ACS URLs, attribute rows, group check boxes, selections) and uploads are
 * multipart, parsed before the CSRF check reads `_csrf` from them.
 */
export function applicationsRouter(services: Services): Router {
  const router = Router();
  const form = multipartForm();

  router.get('/', showApplications(services));
  router.get('/delete', confirmApplicationDeletion(services));
  router.post('/delete', form, requireCsrf, deleteApplications(services));

  router.get('/new', showCatalog);
  router.get('/new/:template', showNewApplication(services));
  router.post('/new/:template', multipartForm('image'), requireCsrf, createApplication(services));

  router.get('/:slug', (req, res) =>
    res.redirect(303, `${req.baseUrl}/${encodeURIComponent(req.params.slug)}/general`),
  );
  router.get('/:slug/created', showCreated(services));
  router.get('/:slug/general', showGeneral(services));
  router.post('/:slug/general', multipartForm('image'), requireCsrf, saveGeneral(services));
  router.get('/:slug/image', sendImage(services));
  router.get('/:slug/sso', showSso(services));
  router.post('/:slug/sso', form, requireCsrf, saveSso(services));
  router.post(
    '/:slug/sso/metadata',
    multipartForm('metadata'),
    requireCsrf,
    readSpMetadata(services),
  );
  router.get('/:slug/metadata.xml', downloadMetadata(services));
  router.get('/:slug/groups', showGroupsTab(services));
  router.post('/:slug/groups', form, requireCsrf, saveGroupsTab(services));
  router.use('/:slug/identity-management', identityManagementRouter(services));
  router.post('/:slug/activate', form, requireCsrf, setActive(services, true));
  router.post('/:slug/deactivate', form, requireCsrf, setActive(services, false));
  return router;
}
