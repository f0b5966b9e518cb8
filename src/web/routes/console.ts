import { Router, type Request, type Response } from 'express';
import type { Services } from '../../services.ts';
import { currentUser, requireSignedIn } from '../auth.ts';
import { csrfToken } from '../csrf.ts';

/** `/console`: a tile for each application the user may use. */
export function consoleRouter(services: Services): Router {
  const router = Router();
  router.get('/console', requireSignedIn, showConsole(services));
  return router;
}

function showConsole(services: Services) {
  return async (req: Request, res: Response) => {
    const user = currentUser(req)!;
    const applications = await services.applications.listForUser(user.id);
    res.setHeader('Cache-Control', 'no-store');
    res.render('console', { user, applications, csrfToken: csrfToken(req) });
  };
}
