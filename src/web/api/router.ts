import { Router } from 'express';
import type { Services } from '../../services.ts';

/** `/api/v1`: the JSON admin API, authenticated with API keys only. */
export function apiRouter(services: Services): Router {
  void services;
  return Router();
}
