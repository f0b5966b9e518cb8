import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalog } from '../../../src/applications/catalog.ts';
import { nameIdFormats } from '../../../src/saml/constants.ts';
import { startInstance, type TestInstance } from '../../support/instance.ts';
import {
  acs,
  by,
  fieldError,
  png,
  seedAdminPortal,
  signInAdmin,
  snapshot,
  withFields,
} from './support.ts';

let sesame: TestInstance;
let seed: Awaited<ReturnType<typeof seedAdminPortal>>;

beforeEach(async () => {
  sesame = await startInstance();
  seed = await seedAdminPortal(sesame.services);
  await sesame.services.directory.createGroup('analysts', by);
});
afterEach(() => sesame.close());

const placeholderAcs = catalog.find((entry) => entry.template === 'databricks')!.sso!.acsUrls[0]!;

/** A valid SSO form for the seeded Databricks application; each case overrides one field. */
function sso(overrides: Record<string, string | string[]> = {}) {
  return {
    spEntityId: acs,
    acsUrls: acs,
    nameIdFormat: nameIdFormats.emailAddress,
    nameIdSource: 'email',
    signResponse: '1',
    ...overrides,
  };
}

const doctypeMetadata = `<?xml version="1.0"?>
<!DOCTYPE md:EntityDescriptor [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>`;

interface InvalidCase {
  name: string;
  path: string | (() => string);
  multipart?: boolean;
  fields: Record<string, string | string[]>;
  file?: { field: string; bytes: Buffer; filename: string; type: string };
  field: string;
  message: RegExp;
  /** Text the re-rendered form must still contain, as the administrator typed it. */
  keeps?: string;
}

const cases: InvalidCase[] = [
  {
    name: 'placeholder left in the ACS URL',
    path: '/admin/applications/databricks/sso',
    multipart: true,
    fields: sso({ acsUrls: placeholderAcs }),
    field: 'acsUrls',
    message: /^Line 1: .*still contains YOUR_SUBDOMAIN; replace it with your workspace subdomain$/,
    keeps: placeholderAcs,
  },
  {
    name: 'placeholder left in the entity ID',
    path: '/admin/applications/databricks/sso',
    multipart: true,
    fields: sso({ spEntityId: placeholderAcs }),
    field: 'spEntityId',
    message: /^SP Entity ID still contains YOUR_SUBDOMAIN/,
  },
  {
    name: 'http ACS URL',
    path: '/admin/applications/databricks/sso',
    multipart: true,
    fields: sso({ acsUrls: `${acs}\nhttp://sp.example/acs` }),
    field: 'acsUrls',
    message: /^Line 2: Invalid URL "http:\/\/sp\.example\/acs": must use https/,
    keeps: 'http://sp.example/acs',
  },
  {
    name: 'javascript: ACS URL',
    path: '/admin/applications/databricks/sso',
    multipart: true,
    fields: sso({ acsUrls: 'javascript:alert(1)' }),
    field: 'acsUrls',
    message: /must use https/,
  },
  {
    name: 'javascript: bookmark URL',
    path: '/admin/applications/new/bookmark',
    multipart: true,
    fields: { displayLabel: 'Wiki', bookmarkUrl: 'javascript:alert(1)' },
    field: 'bookmarkUrl',
    message: /must use https/,
  },
  {
    name: 'data: login URL',
    path: '/admin/applications/databricks/sso',
    multipart: true,
    fields: sso({ loginUrl: 'data:text/html,hi' }),
    field: 'loginUrl',
    message: /must use https/,
  },
  {
    name: 'bad PEM',
    path: '/admin/applications/databricks/sso',
    multipart: true,
    fields: sso({ spCertificate: '-----BEGIN CERTIFICATE-----\njunk\n-----END CERTIFICATE-----' }),
    field: 'spCertificate',
    message: /^Invalid SP certificate: not a PEM X\.509 certificate$/,
  },
  {
    name: 'signed requests without certificate',
    path: '/admin/applications/databricks/sso',
    multipart: true,
    fields: sso({ requireSignedRequests: '1' }),
    field: 'spCertificate',
    message: /^SP Certificate is required to require signed AuthnRequests$/,
  },
  {
    name: 'nothing signed',
    path: '/admin/applications/databricks/sso',
    multipart: true,
    fields: sso({ signResponse: [] }),
    field: 'signResponse',
    message: /sign the Response, the Assertion or both/,
  },
  {
    name: 'attribute without name',
    path: '/admin/applications/databricks/sso',
    multipart: true,
    fields: sso({
      attrName: ['email', ''],
      attrFormat: ['urn:oasis:names:tc:SAML:2.0:attrname-format:basic', 'bogus'],
      attrSource: ['email', 'constant'],
      attrConstant: ['', 'engineering'],
    }),
    field: 'attributes',
    message: /^Row 2: /,
  },
  {
    name: 'duplicate username',
    path: '/admin/users/new',
    fields: { username: 'ALICE', email: 'other@example.com' },
    field: 'username',
    message: /^A user with username "alice" already exists/,
    keeps: 'other@example.com',
  },
  {
    name: 'invalid email',
    path: '/admin/users/new',
    fields: { username: 'carol', email: 'not-an-email' },
    field: 'email',
    message: /^Company email must be an email address$/,
    keeps: 'carol',
  },
  {
    name: 'short first password',
    path: '/admin/users/new',
    fields: { username: 'carol', email: 'carol@example.com', password: 'short' },
    field: 'password',
    message: /^Password must be at least 12 characters$/,
  },
  {
    name: 'invalid username on edit',
    path: () => `/admin/users/${seed.alice.id}`,
    fields: { username: '-alice', email: 'alice@example.com' },
    field: 'username',
    message: /^Username must be 1-128 letters/,
    keeps: '-alice',
  },
  {
    name: 'short password',
    path: () => `/admin/users/${seed.alice.id}/password`,
    fields: { password: 'short', passwordConfirmation: 'short' },
    field: 'password',
    message: /^Password must be at least 12 characters$/,
  },
  {
    name: 'password confirmation mismatch',
    path: () => `/admin/users/${seed.alice.id}/password`,
    fields: { password: 'a long new password', passwordConfirmation: 'a long new passw0rd' },
    field: 'passwordConfirmation',
    message: /does not match the password/,
  },
  {
    name: 'bad slug',
    path: '/admin/applications/new/saml',
    multipart: true,
    fields: { displayLabel: 'Wiki', slug: 'Wiki Site', spEntityId: 'wiki', acsUrls: acs },
    field: 'slug',
    message: /lower-case letters, digits and hyphens/,
    keeps: 'Wiki Site',
  },
  {
    name: 'slug taken',
    path: '/admin/applications/new/bookmark',
    multipart: true,
    fields: { displayLabel: 'Wiki', slug: 'databricks', bookmarkUrl: 'https://wiki.example/' },
    field: 'slug',
    message: /^Application "databricks" already exists$/,
  },
  {
    name: 'custom SAML without ACS URL',
    path: '/admin/applications/new/saml',
    multipart: true,
    fields: { displayLabel: 'Wiki', spEntityId: 'https://wiki.example/sp' },
    field: 'acsUrls',
    message: /At least one ACS URL is required/,
  },
  {
    name: 'empty display label',
    path: '/admin/applications/databricks/general',
    multipart: true,
    fields: { displayLabel: '  ', showInPortal: '1' },
    field: 'displayLabel',
    message: /^Display Label is required$/,
  },
  {
    name: 'SVG image',
    path: '/admin/applications/databricks/general',
    multipart: true,
    fields: { displayLabel: 'Databricks' },
    file: {
      field: 'image',
      bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      filename: 'logo.png',
      type: 'image/png',
    },
    field: 'image',
    message: /^image must be a PNG or JPEG file$/,
  },
  {
    name: 'oversized image',
    path: '/admin/applications/new/bookmark',
    multipart: true,
    fields: { displayLabel: 'Wiki', bookmarkUrl: 'https://wiki.example/' },
    file: {
      field: 'image',
      bytes: Buffer.concat([png(64, 64), Buffer.alloc(300 * 1024)]),
      filename: 'big.png',
      type: 'image/png',
    },
    field: 'image',
    message: /^image is over 256 KiB$/,
  },
  {
    name: 'metadata with DOCTYPE',
    path: '/admin/applications/databricks/sso/metadata',
    multipart: true,
    fields: {},
    file: {
      field: 'metadata',
      bytes: Buffer.from(doctypeMetadata),
      filename: 'sp.xml',
      type: 'text/xml',
    },
    field: 'metadata',
    message: /^SP metadata must not contain a DOCTYPE or entity declaration$/,
  },
  {
    name: 'metadata not XML',
    path: '/admin/applications/databricks/sso/metadata',
    multipart: true,
    fields: {},
    file: {
      field: 'metadata',
      bytes: Buffer.from('<md:Entity'),
      filename: 'sp.xml',
      type: 'text/xml',
    },
    field: 'metadata',
    message: /^SP metadata is not well-formed XML/,
  },
  {
    name: 'duplicate group',
    path: '/admin/groups',
    fields: { name: 'Engineers' },
    field: 'name',
    message: /^Group "engineers" already exists$/,
  },
  {
    name: 'rename onto another group',
    path: () => `/admin/groups/${seed.group.id}/rename`,
    fields: { name: 'analysts' },
    field: 'name',
    message: /^Group "analysts" already exists$/,
  },
  {
    name: 'unknown member',
    path: () => `/admin/groups/${seed.group.id}/members`,
    fields: { username: 'nobody' },
    field: 'username',
    message: /^User "nobody" not found$/,
  },
  {
    name: 'wrong delete count',
    path: '/admin/applications/delete',
    multipart: true,
    fields: { slug: 'databricks', count: '2' },
    field: 'count',
    message: /^Type 1, the number of applications being deleted\.$/,
  },
  {
    name: 'blank API key name',
    path: '/admin/api-keys',
    fields: { name: ' ' },
    field: 'name',
    message: /^Name must be 1-100 characters without control characters$/,
  },
];

describe('admin form validation', () => {
  for (const invalid of cases) {
    it(`rejects ${invalid.name}`, async () => {
      const { agent, csrf } = await signInAdmin(sesame.app);
      const token = await csrf();
      const before = await snapshot(sesame.services);
      const path = typeof invalid.path === 'function' ? invalid.path() : invalid.path;

      let pending = agent.post(path);
      if (invalid.multipart) {
        pending = withFields(pending, { _csrf: token, ...invalid.fields });
        if (invalid.file) {
          const { field, bytes, filename, type } = invalid.file;
          pending = pending.attach(field, bytes, { filename, contentType: type });
        }
      } else {
        pending = pending.type('form').send({ _csrf: token, ...invalid.fields });
      }
      const page = await pending;

      expect(page.status).toBe(400);
      expect(fieldError(page.text, invalid.field)).toMatch(invalid.message);
      if (invalid.keeps) expect(page.text).toContain(invalid.keeps);
      expect(await snapshot(sesame.services)).toEqual(before);
    });
  }

  it('rejects an invalid Insights time', async () => {
    const { agent } = await signInAdmin(sesame.app);
    for (const from of ['yesterday', '2026-02-30T00:00', '2026-13-01T00:00']) {
      const page = await agent.get(`/admin/insights?from=${from}`);
      expect(page.status).toBe(400);
      expect(fieldError(page.text, 'from')).toMatch(/^Enter a date and time such as/);
    }
  });
});
