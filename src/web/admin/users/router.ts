import { Router } from 'express';
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
  const { passwordLinks } = services;
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
