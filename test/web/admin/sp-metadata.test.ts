import { describe, expect, it } from 'vitest';
import { parseSpMetadata } from '../../../src/web/admin/applications/sp-metadata.ts';
import { bindings } from '../../../src/saml/constants.ts';

const md = 'urn:oasis:names:tc:SAML:2.0:metadata';

function entity(inner: string, entityId = 'https://sp.example/'): string {
  return `<md:EntityDescriptor xmlns:md="${md}" entityID="${entityId}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${inner}</md:SPSSODescriptor></md:EntityDescriptor>`;
}

const post = (url: string, extra = '') =>
  `<md:AssertionConsumerService Binding="${bindings.post}" Location="${url}" ${extra}/>`;

function parse(xml: string) {
  return parseSpMetadata(Buffer.from(xml));
}

function rejection(xml: string): string {
  try {
    parse(xml);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('metadata was accepted');
}

describe('SP metadata', () => {
  it('reads the first SP of an EntitiesDescriptor', () => {
    const xml = `<md:EntitiesDescriptor xmlns:md="${md}">${entity(post('https://a.example/acs'), 'https://a.example/')}${entity(post('https://b.example/acs'), 'https://b.example/')}</md:EntitiesDescriptor>`;
    expect(parse(xml)).toEqual({
      entityId: 'https://a.example/',
      acsUrls: ['https://a.example/acs'],
      signingCertificate: undefined,
      authnRequestsSigned: false,
    });
  });

  it('orders POST ACS URLs default first', () => {
    const xml = entity(
      post('https://sp.example/3', 'index="3"') +
        post('https://sp.example/1', 'index="1"') +
        `<md:AssertionConsumerService Binding="${bindings.redirect}" Location="https://sp.example/r" index="0"/>` +
        post('https://sp.example/2', 'index="2" isDefault="true"'),
    );
    expect(parse(xml).acsUrls).toEqual([
      'https://sp.example/2',
      'https://sp.example/1',
      'https://sp.example/3',
    ]);
  });

  it('rejects what it cannot use', () => {
    expect(rejection(entity(''))).toContain('no AssertionConsumerService with the HTTP-POST');
    expect(rejection(`<md:EntityDescriptor xmlns:md="${md}" entityID="x"/>`)).toContain(
      'no md:EntityDescriptor with an md:SPSSODescriptor',
    );
    expect(rejection('<!DOCTYPE x><x/>')).toContain('must not contain a DOCTYPE');
    expect(rejection('<x>')).toContain('is not well-formed XML');
    expect(rejection(' '.repeat(256 * 1024 + 1))).toContain('file is over 256 KiB');
    expect(
      rejection(
        entity(
          '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>' +
            post('https://sp.example/acs'),
        ),
      ),
    ).toContain('signing certificate is not a valid X.509 certificate');
  });
});
