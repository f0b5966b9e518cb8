import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalog, databricksTemplate } from '../../src/applications/catalog.ts';
import { checkImage } from '../../src/applications/image.ts';
import type { SsoSettings } from '../../src/applications/settings.ts';
import { failure } from '../support/assertions.ts';
import { png } from '../support/images.ts';
import { startInstance, type TestInstance } from '../support/instance.ts';

let sesame: TestInstance;
const by = { actor: 'test' };
const acs = 'https://dbc-1.cloud.databricks.com/saml/consume';

beforeEach(async () => {
  sesame = await startInstance();
  await sesame.services.applications.create(
    {
      slug: 'databricks',
      template: 'databricks',
      spEntityId: acs,
      acsUrls: [acs],
      sso: databricksTemplate,
    },
    by,
  );
});
afterEach(() => sesame.close());

function sso(overrides: Partial<SsoSettings> = {}): SsoSettings {
  return {
    spEntityId: acs,
    acsUrls: [acs],
    nameIdFormat: databricksTemplate.nameIdFormat,
    nameIdSource: 'email',
    signResponse: true,
    signAssertion: false,
    attributes: databricksTemplate.attributes,
    ...overrides,
  };
}

describe('application settings', () => {
  it('saves SSO settings and reads them back', async () => {
    const updated = await sesame.services.applications.updateSso(
      'databricks',
      sso({
        acsUrls: [acs, 'http://localhost:9000/acs'],
        signAssertion: true,
        defaultRelayState: '/?o=1',
        attributes: [
          {
            name: 'groups',
            nameFormat: databricksTemplate.attributes[0]!.nameFormat,
            source: { groups: true },
          },
        ],
      }),
      by,
    );
    expect(updated.acsUrls.map((endpoint) => endpoint.url)).toEqual([
      acs,
      'http://localhost:9000/acs',
    ]);
    expect(updated.signAssertion).toBe(true);
    expect(updated.defaultRelayState).toBe('/?o=1');
  });

  const rejected: Array<[string, Partial<SsoSettings>, RegExp]> = [
    [
      'placeholder left in the ACS URL',
      { acsUrls: [catalog[0]!.sso!.acsUrls[0]!] },
      /acsUrls.0 still contains YOUR_SUBDOMAIN/,
    ],
    [
      'placeholder left in the entity ID',
      { spEntityId: catalog[0]!.sso!.spEntityId },
      /spEntityId still contains YOUR_SUBDOMAIN/,
    ],
    ['javascript: ACS URL', { acsUrls: ['javascript:alert(1)'] }, /acsUrls.0 .*must use https/],
    ['data: ACS URL', { acsUrls: ['data:text/html,x'] }, /acsUrls.0 .*must use https/],
    [
      'http ACS URL off localhost',
      { acsUrls: ['http://sp.example/acs'] },
      /acsUrls.0 .*must use https/,
    ],
    ['no ACS URL', { acsUrls: [] }, /acsUrls needs at least one ACS URL/],
    [
      'nothing signed',
      { signResponse: false, signAssertion: false },
      /signResponse sign the Response, the Assertion or both/,
    ],
    ['unknown NameID format', { nameIdFormat: 'urn:x' }, /nameIdFormat/],
    [
      'required signing without certificate',
      { requireSignedRequests: true },
      /spCertificate is required/,
    ],
    ['invalid SP certificate', { spCertificate: 'junk' }, /spCertificate Invalid SP certificate/],
    [
      'duplicate attribute',
      { attributes: [...databricksTemplate.attributes, databricksTemplate.attributes[0]!] },
      /attributes has "email" twice/,
    ],
  ];

  for (const [name, overrides, message] of rejected) {
    it(`rejects ${name} and changes nothing`, async () => {
      const before = await sesame.services.applications.require('databricks');
      const error = await failure(
        sesame.services.applications.updateSso('databricks', sso(overrides), by),
      );
      expect(error.code).toBe('input_invalid');
      expect(error.message).toMatch(message);
      expect(await sesame.services.applications.require('databricks')).toEqual(before);
    });
  }

  it('creates a bookmark and rejects one without a URL', async () => {
    const bookmark = await sesame.services.applications.create(
      {
        slug: 'wiki',
        template: 'bookmark',
        bookmarkUrl: 'https://wiki.example/',
        spEntityId: '',
        acsUrls: [],
        sso: databricksTemplate,
      },
      by,
    );
    expect(bookmark.bookmarkUrl).toBe('https://wiki.example/');
    const error = await failure(
      sesame.services.applications.create(
        {
          slug: 'wiki2',
          template: 'bookmark',
          spEntityId: '',
          acsUrls: [],
          sso: databricksTemplate,
        },
        by,
      ),
    );
    expect(error.message).toMatch(/bookmarkUrl is required/);
  });

  it('searches by label or slug', async () => {
    await sesame.services.applications.updateGeneral(
      'databricks',
      { displayLabel: 'Lakehouse 100%' },
      by,
    );
    expect(await sesame.services.applications.list('LAKE')).toHaveLength(1);
    expect(await sesame.services.applications.list('databr')).toHaveLength(1);
    expect(await sesame.services.applications.list('%')).toHaveLength(1);
    expect(await sesame.services.applications.list('_x')).toHaveLength(0);
  });

  it('sets bindings to exactly the checked groups', async () => {
    const { directory, applications } = sesame.services;
    const a = await directory.createGroup('a', by);
    const b = await directory.createGroup('b', by);
    await applications.setBindings('databricks', [a.id, b.id], by);
    await applications.setBindings('databricks', [b.id], by);
    expect((await applications.listBoundGroups('databricks')).map((group) => group.name)).toEqual([
      'b',
    ]);
    expect((await applications.listForGroup(b.id)).map((application) => application.slug)).toEqual([
      'databricks',
    ]);
  });

  it('deletes several applications with their bindings', async () => {
    const { directory, applications, db } = sesame.services;
    const group = await directory.createGroup('a', by);
    await applications.bind('databricks', group.id, group.name, by);
    await applications.remove(['databricks'], by);
    expect(await applications.list()).toEqual([]);
    expect(await db.selectFrom('application_groups').selectAll().execute()).toEqual([]);
    expect((await failure(applications.remove(['nope'], by))).code).toBe('not_found');
  });
});

describe('tile images', () => {
  it('accepts a small PNG and stores it', async () => {
    await sesame.services.applications.setImage('databricks', png(64, 64), by);
    expect((await sesame.services.applications.getImage('databricks'))?.type).toBe('image/png');
    expect((await sesame.services.applications.require('databricks')).hasImage).toBe(true);
  });

  it('rejects SVG, oversized and huge images', () => {
    expect(() =>
      checkImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>')),
    ).toThrow('image must be a PNG or JPEG file');
    expect(() => checkImage(png(5000, 10))).toThrow(
      'image must be at most 1024×1024 pixels, not 5000×10',
    );
    expect(() => checkImage(Buffer.alloc(300 * 1024))).toThrow('image is over 256 KiB');
  });

  it('reads a JPEG size from its frame header', () => {
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x20,
      0x00, 0x40, 0x03,
    ]);
    expect(checkImage(jpeg)).toBe('image/jpeg');
  });
});
