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
  idm_integrations: IdmIntegrationsTable;
  idm_users: IdmUsersTable;
  idm_groups: IdmGroupsTable;
  idm_memberships: IdmMembershipsTable;
  idm_jobs: IdmJobsTable;
  idm_imports: IdmImportsTable;
  password_links: PasswordLinksTable;
  scim_tokens: ScimTokensTable;
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
  /** The SCIM client's identifier for the user (`externalId`), compared with regard to case. */
  external_id: string | null;
  employee_number: string;
  department: string;
  /** The user's manager, another Sesame user; set to null when the manager is deleted. */
  manager_id: string | null;
}

export interface GroupsTable {
  id: string;
  name: string;
  name_key: string;
  created_at: string;
  /** Time of the last change to the name, `external_id` or the members. */
  updated_at: string;
  /** The SCIM client's identifier for the group (`externalId`), compared with regard to case. */
  external_id: string | null;
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
  /** JSON array of Databricks entitlement names sent for this group by SCIM provisioning. */
  entitlements: Generated<string>;
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

/** An application's outbound SCIM connection (Identity Management). */
export interface IdmIntegrationsTable {
  application_id: string;
  /** The SCIM Base URL, without a trailing slash. */
  base_url: string;
  /** The Token Key, AES-256-GCM encrypted with the secret key; see `provisioning/token.ts`. */
  token_encrypted: string;
  active: number;
  /** `auto` reads the level from the Base URL (`/preview/scim/v2` is a workspace). */
  target: 'auto' | 'account' | 'workspace';
  group_management: number;
  /** What happens in the SP to a user deleted in Sesame. */
  deprovision: 'delete' | 'deactivate';
  activated_at: string | null;
  /** Why the worker stopped, such as a Token Key the SP no longer accepts; null while it runs. */
  last_error: string | null;
  token_set_at: string;
  updated_at: string;
}

/** A user as Sesame last sent it to, or read it from, the SP. */
export interface IdmUsersTable {
  application_id: string;
  user_id: string;
  remote_id: string;
  user_name: string;
  email: string;
  given_name: string;
  family_name: string;
  display_name: string;
  active: number;
  /** JSON array of entitlement names, sorted. */
  entitlements: string;
  updated_at: string;
}

/** A group as Sesame last sent it to, or read it from, the SP. */
export interface IdmGroupsTable {
  application_id: string;
  group_id: string;
  remote_id: string;
  display_name: string;
  entitlements: string;
  updated_at: string;
}

/** A membership that the SP holds, as far as Sesame knows. */
export interface IdmMembershipsTable {
  application_id: string;
  group_id: string;
  user_id: string;
}

/** Work for an application's provisioning worker: bring one user or group in step. */
export interface IdmJobsTable {
  id: Generated<number>;
  application_id: string;
  /** `sync` compares the whole application with the SP and queues the differences. */
  kind: 'user' | 'group' | 'sync';
  /** The Sesame user or group ID (the object may since have been deleted), or for `sync` the application ID. */
  object_id: string;
  state: 'pending' | 'failed';
  attempts: number;
  /** Set when the worker takes the job; a started job left by a crash is uncertain. */
  started_at: string | null;
  /** 1 when a full listing just showed that the SP has no such object, so no lookup is needed. */
  known_absent: number;
  last_error: string | null;
  created_at: string;
}

/** A manual import of users from the SP, run in the background when it is large. */
export interface IdmImportsTable {
  id: string;
  application_id: string;
  requested_by: string;
  state: 'running' | 'finished';
  remaining: string;
  total: number;
  created: Generated<number>;
  skipped: Generated<number>;
  failed: Generated<number>;
  results: Generated<string>;
  started_at: string;
  finished_at: string | null;
  acknowledged_at: string | null;
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

/** A bearer token for Sesame's SCIM server at `/scim/v2`. */
export interface ScimTokensTable {
  id: string;
  /** The administrator's label for the client, such as `Workday`. */
  name: string;
  /** Hex SHA-256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  /** The actor who created the token. */
  created_by: string;
  created_at: string;
  /** Updated at most once a minute per token, so busy clients do not write on every request. */
  last_used_at: string | null;
  /** Time the token was revoked. A revoked token stays as a record and never works again. */
  revoked_at: string | null;
}
