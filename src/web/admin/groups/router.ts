import { Router } from 'express';
import type { Services } from '../../../services.ts';
import { requireCsrf } from '../../csrf.ts';
import { multipartForm } from '../uploads.ts';
import {
  addMember,
  confirmGroupDeletion,
  createGroup,
  deleteGroup,
  removeMember,
  renameGroup,
  saveApplications,
  showGroup,
  showGroups,
} from './pages.ts';

/** `/admin/groups`: list, create, rename, members, bound applications, deletion. */
export function groupsRouter(services: Services): Router {
  const router = Router();
  router.get('/', showGroups(services));
  router.post('/', requireCsrf, createGroup(services));
  router.get('/:id', showGroup(services));
  router.post('/:id/rename', requireCsrf, renameGroup(services));
  router.post('/:id/members', requireCsrf, addMember(services));
  router.post('/:id/members/remove', requireCsrf, removeMember(services));
  // Multipart, because one check box per application can exceed the URL-encoded field limit.
  router.post('/:id/applications', multipartForm(), requireCsrf, saveApplications(services));
  router.get('/:id/delete', confirmGroupDeletion(services));
  router.post('/:id/delete', requireCsrf, deleteGroup(services));
  return router;
}
