import type { Request, Response } from 'express';
import type { Services } from '../../../services.ts';
import { idpMetadataOf } from '../../sso.ts';
import { actorOf } from '../access.ts';
import { loadApplication } from './shared.ts';

/** `GET /admin/certificate.pem`: the IdP signing certificate, recorded as a download. */
export function downloadCertificate(services: Services) {
  return async (req: Request, res: Response) => {
    await services.insights.record({
      type: 'certificate_download',
      outcome: 'success',
      ...actorOf(req),
      details: { file: 'certificate.pem', notAfter: services.signingKey.notAfter.toISOString() },
    });
    res.setHeader('Content-Type', 'application/x-pem-file');
    res.setHeader('Content-Disposition', 'attachment; filename="certificate.pem"');
    res.send(services.signingKey.certificatePem);
  };
}

/**
 * `GET /admin/applications/:slug/metadata.xml`: the application's IdP metadata, which carries
 * the certificate, as a download recorded like the certificate's.
 */
export function downloadMetadata(services: Services) {
  return async (req: Request, res: Response) => {
    const application = await loadApplication(services, req);
    const xml = idpMetadataOf(services, application);

    await services.insights.record({
      type: 'certificate_download',
      outcome: 'success',
      ...actorOf(req),
      applicationId: application.id,
      applicationSlug: application.slug,
      details: { file: 'metadata.xml' },
    });
    res.type('application/samlmetadata+xml');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${application.slug}-idp-metadata.xml"`,
    );
    res.send(xml);
  };
}
