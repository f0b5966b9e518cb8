import type { Request, Response } from 'express';
import type { Services } from '../../services.ts';
import { actorOf, route, type ApiRoute } from './http.ts';

export function certificateRoutes(services: Services): ApiRoute[] {
  return [route('GET', '/certificate', getCertificate(services))];
}

/** Returns the IdP signing certificate and records a `certificate_download` event. */
function getCertificate(services: Services) {
  return async function getCertificate(req: Request, res: Response) {
    const { certificatePem, notAfter, fingerprintSha256 } = services.signingKey;
    // The same details as the portal's download; the actor distinguishes the two.
    await services.insights.record({
      type: 'certificate_download',
      outcome: 'success',
      ...actorOf(req, res),
      details: { file: 'certificate.pem', notAfter: notAfter.toISOString() },
    });
    res.json({ pem: certificatePem, notAfter: notAfter.toISOString(), fingerprintSha256 });
  };
}
