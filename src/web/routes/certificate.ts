import { Router } from 'express';
import type { Services } from '../../services.ts';

/** `GET /certificate.pem`: the IdP signing certificate, as a download. */
export function certificateRouter(services: Services): Router {
  const router = Router();
  router.get('/certificate.pem', (_req, res) => {
    res.setHeader('Content-Type', 'application/x-pem-file');
    res.setHeader('Content-Disposition', 'attachment; filename="certificate.pem"');
    res.send(services.signingKey.certificatePem);
  });
  return router;
}
