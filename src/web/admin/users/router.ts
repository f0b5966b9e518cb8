import { Router } from 'express';
import { createPasswordLinks } from '../../../directory/password-links.ts';
import type { Services } from '../../../services.ts';
import { requireCsrf } from '../../csrf.ts';
import { confirmUserDeletion, deleteUser, setAdmin, setPassword, setStatus } from './actions.ts';
import { createUser, saveProfile, showNewUser, showUser, showUsers } from './pages.ts';
import { createPasswordLink } from './password-link.ts';

/**
 * `/admin/users`: list, create, edit, password, set-password links, suspension, administrator
 * rights, deletion.
 */
export function usersRouter(services: Services): Router {
  // TODO: use services.passwordLinks once src/services.ts builds it, because until then this
  // router builds its own. The service keeps no state, so the two behave the same.
  const passwordLinks = createPasswordLinks(services.db, services.insights, {
    ttlSeconds: services.config.passwordLinkTtlSeconds,
  });
  const router = Router();
  router.get('/', showUsers(services));
  router.get('/new', showNewUser);
  router.post('/new', requireCsrf, createUser(services));
  router.get('/:id', showUser(services));
  router.post('/:id', requireCsrf, saveProfile(services));
  router.post('/:id/password', requireCsrf, setPassword(services));
  router.post('/:id/password-link', requireCsrf, createPasswordLink(services, passwordLinks));
  router.post('/:id/suspend', requireCsrf, setStatus(services, 'suspended'));
  router.post('/:id/activate', requireCsrf, setStatus(services, 'active'));
  router.post('/:id/admin', requireCsrf, setAdmin(services));
  router.get('/:id/delete', confirmUserDeletion(services));
  router.post('/:id/delete', requireCsrf, deleteUser(services));
  return router;
}
