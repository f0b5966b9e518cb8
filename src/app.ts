import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { scimRouter } from './scim/router.ts';
import type { Services } from './services.ts';
import { adminRouter } from './web/admin/router.ts';
import { apiRouter } from './web/api/router.ts';
import { configurePassport } from './web/auth.ts';
import { errorHandler, notFound } from './web/errors.ts';
import { certificateRouter } from './web/routes/certificate.ts';
import { consoleRouter } from './web/routes/console.ts';
import { samlRouter } from './web/routes/saml.ts';
import { setPasswordRouter } from './web/routes/set-password.ts';
import { signInRouter } from './web/routes/sign-in.ts';
import { sessionMiddleware, shortenAnonymousSessions } from './web/session.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Form bodies are small; an HTTP-POST SAMLRequest is base64, about 4/3 of its XML size. */
function formBodyLimit(services: Services): number {
  return Math.ceil((services.config.samlRequestMaxBytes * 4) / 3) + 8 * 1024;
}

/**
 * Builds the Express application from the services. Tests use it without listening; `serve`
 * listens on it.
 */
export function buildApp(services: Services): {
  app: Express;
  pruneSessions: () => Promise<number>;
} {
  const app = express();
  const insecureHttp = services.config.baseUrl.startsWith('http:');

  app.set('trust proxy', services.config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', path.join(root, 'views'));
  // Compile each template once, regardless of NODE_ENV, because templates change only with a release.
  app.set('view cache', true);
  app.disable('x-powered-by');

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'"],
          'form-action': ["'self'"],
          // Upgrading to https would break a plain-http deployment such as localhost.
          'upgrade-insecure-requests': insecureHttp ? null : [],
        },
      },
      strictTransportSecurity: !insecureHttp,
    }),
  );
  app.use('/static', express.static(path.join(root, 'public'), { maxAge: '1h', index: false }));
  // The API authenticates with API keys only and is mounted before the session middleware, so
  // a session cookie never authenticates an API call and CSRF cannot reach it.
  app.use('/api/v1', apiRouter(services));
  // The SCIM server authenticates with SCIM tokens only, and is mounted before the session
  // middleware for the same reason.
  app.use('/scim/v2', scimRouter(services));
  app.use(
    express.urlencoded({ extended: false, limit: formBodyLimit(services), parameterLimit: 50 }),
  );

  const { middleware, store } = sessionMiddleware(services);
  const authenticator = configurePassport(services);
  app.use(middleware);
  app.use(authenticator.session());
  app.use(shortenAnonymousSessions);

  app.use(signInRouter(services, authenticator));
  app.use(setPasswordRouter(services, services.passwordLinks));
  app.use(consoleRouter(services));
  app.use('/admin', adminRouter(services));
  app.use(certificateRouter(services));
  app.use(samlRouter(services));

  app.use(notFound);
  app.use(errorHandler(services.logger));
  return { app, pruneSessions: () => store.prune() };
}
