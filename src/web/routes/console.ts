import { Router, type Request, type Response } from 'express';
import { SesameError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { currentUser, requireSignedIn } from '../auth.ts';
import { csrfToken } from '../csrf.ts';

/** `/console`: a tile for each application the user may use, and the tiles' images. */
export function consoleRouter(services: Services): Router {
  const router = Router();
  router.get('/console', requireSignedIn, showConsole(services));
  router.get('/apps/:slug/image', requireSignedIn, sendImage(services));
  return router;
}

function showConsole(services: Services) {
  return async (req: Request, res: Response) => {
    const user = currentUser(req)!;
    const applications = (await services.applications.listForUser(user.id)).filter(
      (application) => application.showInPortal,
    );
    res.setHeader('Cache-Control', 'no-store');
    res.render('console', { user, applications, csrfToken: csrfToken(req) });
  };
}

/**
 * Sends a tile image. The bytes were checked to be PNG or JPEG on upload; nosniff and a
 * restrictive CSP keep a browser from treating them as anything else.
 */
function sendImage(services: Services) {
  return async (req: Request, res: Response) => {
    // Only for a tile the user can see, so images do not reveal other applications.
    const user = currentUser(req)!;
    const slug = String(req.params.slug);
    const visible =
      user.is_admin === 1 ||
      (await services.applications.listForUser(user.id)).some(
        (application) => application.slug === slug && application.showInPortal,
      );
    const image = visible ? await services.applications.getImage(slug) : undefined;
    if (!image) throw new SesameError('not_found', 'This application has no image');

    res.setHeader('Content-Type', image.type);
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.send(image.bytes);
  };
}
