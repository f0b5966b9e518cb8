import { Router } from 'express';
import type { Services } from '../../services.ts';

/** `/admin`: the administrators' portal. */
export function adminRouter(services: Services): Router {
  void services;
  return Router();
}
