import type { ApplicationsTable } from '../db/schema.ts';
import type { AttributeMapping } from './catalog.ts';

export interface AcsEndpoint {
  url: string;
  index: number;
  isDefault: boolean;
}

/** An application with its JSON columns parsed; the tile image stays in the database. */
export interface Application {
  id: string;
  slug: string;
  template: ApplicationsTable['template'];
  displayLabel: string;
  description: string;
  showInPortal: boolean;
  /** The URL a bookmark tile opens; null for SAML applications. */
  bookmarkUrl: string | null;
  /** The SP's sign-in page, for administrators' reference. */
  loginUrl: string | null;
  hasImage: boolean;
  spEntityId: string;
  acsUrls: AcsEndpoint[];
  spCertificate: string | null;
  requireSignedRequests: boolean;
  nameIdFormat: string;
  nameIdSource: 'email' | 'username';
  signResponse: boolean;
  signAssertion: boolean;
  attributes: AttributeMapping[];
  defaultRelayState: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Columns read for an Application: every column but the image bytes. */
export const applicationColumns = [
  'id',
  'slug',
  'template',
  'display_label',
  'description',
  'show_in_portal',
  'bookmark_url',
  'login_url',
  'image_type',
  'sp_entity_id',
  'acs_urls',
  'sp_certificate',
  'require_signed_requests',
  'nameid_format',
  'nameid_source',
  'sign_response',
  'sign_assertion',
  'attributes',
  'default_relay_state',
  'active',
  'created_at',
  'updated_at',
] as const;

export type ApplicationRow = Pick<ApplicationsTable, (typeof applicationColumns)[number]>;

export function toApplication(row: ApplicationRow): Application {
  return {
    id: row.id,
    slug: row.slug,
    template: row.template,
    displayLabel: row.display_label,
    description: row.description,
    showInPortal: row.show_in_portal === 1,
    bookmarkUrl: row.bookmark_url,
    loginUrl: row.login_url,
    hasImage: row.image_type !== null,
    spEntityId: row.sp_entity_id,
    acsUrls: JSON.parse(row.acs_urls) as AcsEndpoint[],
    spCertificate: row.sp_certificate,
    requireSignedRequests: row.require_signed_requests === 1,
    nameIdFormat: row.nameid_format,
    nameIdSource: row.nameid_source,
    signResponse: row.sign_response === 1,
    signAssertion: row.sign_assertion === 1,
    attributes: JSON.parse(row.attributes) as AttributeMapping[],
    defaultRelayState: row.default_relay_state,
    active: row.active === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Builds the ACS endpoint list: the first URL is the default, indexes follow the order. */
export function acsEndpoints(urls: string[]): AcsEndpoint[] {
  return urls.map((url, index) => ({ url, index, isDefault: index === 0 }));
}
