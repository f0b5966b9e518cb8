import { randomBytes } from 'node:crypto';
import { SAML, ValidateInResponseTo, type Profile } from '@node-saml/node-saml';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session, { type Session } from 'express-session';
import { nameIdFormats, ns } from '../../src/saml/constants.ts';

/**
 * A stand-in for Databricks as a SAML 2.0 service provider, for tests that sign in through
 * Sesame. It reproduces what Databricks documents or what IdP guides for it require:
 *
 * - One URL (the "Databricks SAML URL", `/saml/consume`) is the ACS URL, the SP entity ID and
 *   the Audience.
 * - The Response must be signed with the key of the configured IdP certificate, and the Assertion
 *   may be unsigned. Encrypted assertions are rejected, because Databricks requires encryption off.
 * - The Issuer must equal the configured IdP entity ID.
 * - Destination and every SubjectConfirmationData Recipient must be the ACS URL, as SAML's bearer
 *   rules ask. No Databricks source confirms that Databricks checks these two.
 * - IdP-initiated Responses (no InResponseTo) are accepted. An InResponseTo must be the ID of an
 *   AuthnRequest that this SP sent and that no earlier Response used.
 * - The NameID is the user's email. With `knownUsers`, only those users may sign in, as with
 *   Databricks' automatic user creation (JIT) off.
 * - A browser without a session is sent to the IdP with an unsigned HTTP-Redirect AuthnRequest.
 */

export interface DatabricksSpOptions {
  idpCertPem: string;
  idpEntityId: string;
  idpSsoUrl: string;
  /** The Databricks SAML URL: ACS URL, SP entity ID and Audience at once. */
  acsUrl: string;
  /** Emails of the workspace's existing users. Without the list, any user may sign in. */
  knownUsers?: string[];
}

export interface SignInRecord {
  email: string;
  sessionIndex: string | undefined;
  /** The Response's InResponseTo (an AuthnRequest ID), undefined for IdP-initiated sign-in. */
  inResponseTo: string | undefined;
  relayState: string | undefined;
  at: Date;
}

export interface DatabricksSp {
  app: Express;
  /** Successful sign-ins, oldest first. */
  signIns: SignInRecord[];
}

/** An ACS failure shown to the browser on the error page with its HTTP status. */
class SignInError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type SpSession = Session & { signedInEmail?: string };

interface AcsState {
  samlResponse: string;
  document: Document;
  profile: Profile;
  email: string;
}

/**
 * Builds the stand-in SP: an Express app that does not listen yet (use supertest, or listen on
 * loopback) and the list that records its sign-ins.
 */
export function createDatabricksSp(options: DatabricksSpOptions): DatabricksSp {
  const saml = new SAML({
    idpCert: options.idpCertPem,
    entryPoint: options.idpSsoUrl,
    issuer: options.acsUrl,
    callbackUrl: options.acsUrl,
    audience: options.acsUrl,
    wantAuthnResponseSigned: true,
    wantAssertionsSigned: false,
    validateInResponseTo: ValidateInResponseTo.ifPresent,
    identifierFormat: nameIdFormats.emailAddress,
    // No Databricks documentation mentions a requested authentication context, so none is sent.
    disableRequestedAuthnContext: true,
  });
  const signIns: SignInRecord[] = [];

  const app = express();
  app.use(
    session({
      secret: randomBytes(32).toString('hex'),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );

  app.get('/', showSignedInUser, redirectToIdp(saml));
  app.post(
    '/saml/consume',
    express.urlencoded({ extended: false, limit: '512kb' }),
    readSamlResponse,
    rejectEncryptedAssertion,
    validateSignedResponse(saml),
    checkIssuer(options.idpEntityId),
    checkRecipient(options.acsUrl),
    findUser(options.knownUsers),
    startSession(signIns),
  );
  app.use(renderSignInError);

  return { app, signIns };
}

function showSignedInUser(req: Request, res: Response, next: NextFunction): void {
  const email = (req.session as SpSession).signedInEmail;
  if (!email) {
    next();
    return;
  }
  res.type('html').send(page('Databricks', `<p>Signed in as ${escapeHtml(email)}</p>`));
}

/** Sends the browser to the IdP with an unsigned AuthnRequest by HTTP-Redirect. */
function redirectToIdp(saml: SAML) {
  return async (req: Request, res: Response): Promise<void> => {
    // The page the browser asked for travels as RelayState, and the ACS sends the browser back
    // to it after sign-in.
    res.redirect(await saml.getAuthorizeUrlAsync(req.originalUrl, undefined, {}));
  };
}

function readSamlResponse(req: Request, res: Response, next: NextFunction): void {
  const samlResponse: unknown = req.body?.SAMLResponse;
  if (typeof samlResponse !== 'string' || samlResponse.trim() === '') {
    throw new SignInError(400, 'SAMLResponse is missing from the POST body');
  }
  if (!/^[A-Za-z0-9+/\r\n]+={0,2}\s*$/.test(samlResponse)) {
    throw new SignInError(400, 'SAMLResponse is not valid base64');
  }

  const document = parseXml(Buffer.from(samlResponse, 'base64').toString('utf8'));
  Object.assign(res.locals, { samlResponse, document });
  next();
}

function parseXml(xml: string): Document {
  try {
    return new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (error) {
    throw new SignInError(400, `SAMLResponse is not well-formed XML: ${(error as Error).message}`);
  }
}

function rejectEncryptedAssertion(_req: Request, res: Response, next: NextFunction): void {
  const { document } = res.locals as AcsState;
  if (document.getElementsByTagNameNS(ns.assertion, 'EncryptedAssertion').length > 0) {
    throw new SignInError(
      401,
      'The Response contains an EncryptedAssertion; turn off assertion encryption in the IdP',
    );
  }
  next();
}

/** Checks the Response signature, the conditions, the Audience and any InResponseTo. */
function validateSignedResponse(saml: SAML) {
  return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    const state = res.locals as AcsState;
    let profile: Profile | null;
    try {
      ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: state.samlResponse }));
    } catch (error) {
      throw new SignInError(401, `SAML response validation failed: ${(error as Error).message}`);
    }

    if (!profile) throw new SignInError(401, 'SAML response validation failed: no assertion');
    state.profile = profile;
    next();
  };
}

/**
 * Requires both Issuers to be the configured IdP entity ID. node-saml 5.1 compares its
 * `idpIssuer` option only on logout messages, so this step does it for login Responses.
 */
function checkIssuer(idpEntityId: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const state = res.locals as AcsState;
    const responseIssuer = childText(state.document.documentElement, ns.assertion, 'Issuer');

    for (const issuer of [responseIssuer, state.profile.issuer]) {
      if (issuer !== undefined && issuer !== idpEntityId) {
        throw new SignInError(401, `Issuer "${issuer}" is not the IdP entity ID "${idpEntityId}"`);
      }
    }
    next();
  };
}

/**
 * Requires the Response Destination and every SubjectConfirmationData Recipient, which
 * node-saml 5.1 does not check, to be this ACS URL: a Response meant for another SP must not
 * sign anyone in here. The signed Response covers the document read here.
 */
function checkRecipient(acsUrl: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const { document } = res.locals as AcsState;
    const destination = document.documentElement?.getAttribute('Destination');
    if (destination && destination !== acsUrl) {
      throw new SignInError(401, `Destination "${destination}" is not the ACS URL "${acsUrl}"`);
    }

    const confirmations = document.getElementsByTagNameNS(ns.assertion, 'SubjectConfirmationData');
    for (const confirmation of Array.from(confirmations)) {
      const recipient = confirmation.getAttribute('Recipient');
      if (recipient !== acsUrl) {
        throw new SignInError(401, `Recipient "${recipient}" is not the ACS URL "${acsUrl}"`);
      }
    }
    next();
  };
}

/** Takes the email from the NameID and, with `knownUsers`, requires the user to exist. */
function findUser(knownUsers: string[] | undefined) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const state = res.locals as AcsState;
    const email = state.profile.nameID;
    if (!email) throw new SignInError(401, 'The assertion has no NameID');

    // Databricks now compares emails case-insensitively (older workspaces compared them exactly).
    const known = knownUsers?.some((user) => user.toLowerCase() === email.toLowerCase()) ?? true;
    if (!known) throw new SignInError(403, `User ${email} does not exist in this workspace`);

    state.email = email;
    next();
  };
}

function startSession(signIns: SignInRecord[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const { email, profile } = res.locals as AcsState;
    const relayState = typeof req.body.RelayState === 'string' ? req.body.RelayState : undefined;

    // A new session ID at sign-in, so that a session ID planted before it is worth nothing.
    req.session.regenerate((error) => {
      if (error) {
        next(error);
        return;
      }
      (req.session as SpSession).signedInEmail = email;
      signIns.push({
        email,
        sessionIndex: profile.sessionIndex,
        inResponseTo: profile.inResponseTo as string | undefined,
        relayState,
        at: new Date(),
      });
      res.redirect(303, localPath(relayState));
    });
  };
}

/** Returns RelayState when it is a path on this host, and `/` otherwise (no open redirect). */
function localPath(relayState: string | undefined): string {
  if (relayState && /^\/(?![/\\])/.test(relayState)) return relayState;
  return '/';
}

function renderSignInError(error: unknown, _req: Request, res: Response, _next: NextFunction) {
  const status = error instanceof SignInError ? error.status : 500;
  const message = error instanceof Error ? error.message : String(error);
  // Rejections are the expected output of this SP, but any other error is a bug in it or a test.
  if (!(error instanceof SignInError)) console.error('databricks-sp: unexpected error', error);

  res
    .status(status)
    .type('html')
    .send(page('SAML login failed', `<h1>SAML login failed</h1><p>${escapeHtml(message)}</p>`));
}

function childText(
  parent: Element | null | undefined,
  namespace: string,
  localName: string,
): string | undefined {
  for (const child of Array.from(parent?.childNodes ?? [])) {
    if (child.nodeType === 1 && child.namespaceURI === namespace && child.localName === localName) {
      return child.textContent ?? '';
    }
  }
  return undefined;
}

function page(title: string, body: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `</head><body>${body}</body></html>`
  );
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
