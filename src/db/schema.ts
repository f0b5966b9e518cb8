import type { Generated } from 'kysely';

/** Row types of Sesame's tables. Times are ISO 8601 text; expiries are epoch seconds. */
export interface Database {
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  applications: ApplicationsTable;
  application_groups: ApplicationGroupsTable;
  events: EventsTable;
  sessions: SessionsTable;
  saml_request_ids: SamlRequestIdsTable;
  login_failures: LoginFailuresTable;
  api_keys: ApiKeysTable;
  password_links: PasswordLinksTable;
}

export interface UsersTable {
  id: string;
  username: string;
  /** Lower-cased username, unique: usernames are unique without regard to case. */
  username_key: string;
  email: string;
  email_key: string;
  first_name: string;
  last_name: string;
  display_name: string;
  password_hash: string | null;
  status: 'active' | 'suspended';
  is_admin: number;
  created_at: string;
  updated_at: string;
}

export interface GroupsTable {
  id: string;
  name: string;
  name_key: string;
  created_at: string;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
}

export interface ApplicationsTable {
  id: string;
  slug: string;
  template: 'databricks' | 'saml' | 'bookmark';
  display_label: string;
  sp_entity_id: string;
  /** JSON array of `{ url, index, isDefault }`, in registration order. */
  acs_urls: string;
  sp_certificate: string | null;
  require_signed_requests: number;
  nameid_format: string;
  nameid_source: 'email' | 'username';
  sign_response: number;
  sign_assertion: number;
  /** JSON array of `{ name, nameFormat, source }` for the assertion's AttributeStatement. */
  attributes: string;
  default_relay_state: string | null;
  active: number;
  created_at: string;
  updated_at: string;
  description: string;
  show_in_portal: number;
  /** The URL a bookmark tile opens; null for SAML applications. */
  bookmark_url: string | null;
  /** The SP's own sign-in page, shown to administrators. */
  login_url: string | null;
  /** The tile image, PNG or JPEG bytes, validated on upload. */
  image: Buffer | null;
  image_type: 'image/png' | 'image/jpeg' | null;
}

export interface ApplicationGroupsTable {
  application_id: string;
  group_id: string;
}

export interface EventsTable {
  id: Generated<number>;
  time: string;
  type: string;
  outcome: 'success' | 'failure';
  actor: string | null;
  user_id: string | null;
  username: string | null;
  application_id: string | null;
  application_slug: string | null;
  source_ip: string | null;
  error_code: string | null;
  error_message: string | null;
  /** JSON object with type-specific detail; never a secret, assertion or cookie. */
  details: string;
}

export interface SessionsTable {
  sid: string;
  /** The signed-in user, so that suspending a user can end their sessions. */
  user_id: string | null;
  data: string;
  expires_at: number;
}

export interface SamlRequestIdsTable {
  application_id: string;
  request_id: string;
  expires_at: number;
}

export interface LoginFailuresTable {
  /** `account:<username key>` or `address:<ip>`. */
  key: string;
  failures: number;
  window_started_at: number;
}

export interface ApiKeysTable {
  id: string;
  /** The administrator the key acts as; the key stops working when they stop being one. */
  user_id: string;
  name: string;
  /** Hex SHA-256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface PasswordLinksTable {
  /** Hex SHA-256 of the link's token; the token itself is shown once and never stored. */
  token_hash: string;
  user_id: string;
  /** The actor who created the link. */
  created_by: string;
  created_at: string;
  expires_at: number;
  /** Time the link was redeemed. A used link stays as a record and never works again. */
  used_at: string | null;
}
