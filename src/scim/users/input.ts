import { z } from 'zod';
import { newUserRecordSchema, type NewUser } from '../../directory/validation.ts';
import { schemas, scimTypes } from '../constants.ts';
import { invalidValue, ScimRequestError } from '../request-error.ts';
import { canonicalResource, isObject, userShape } from '../schema/names.ts';

/** A User resource as the directory stores it; see `readUser`. */
export interface UserState {
  userName: string;
  email: string;
  givenName: string;
  familyName: string;
  displayName: string;
  /** Undefined when the body has no `active`: the user's status stays as it is. */
  active?: boolean;
  /** Undefined when the body has no `password`: the password stays as it is. */
  password?: string;
  externalId: string | null;
  employeeNumber: string;
  department: string;
  managerId: string | null;
}

const text = z.string().nullish();
const email = z.looseObject({ value: z.string(), type: text, primary: z.boolean().nullish() });

/** The JSON types of the attributes Sesame stores; `null` means unassigned (RFC 7643 2.5). */
const userBody = z.looseObject({
  schemas: z.array(z.string()).nullish(),
  userName: z.string('is required and must be a string'),
  name: z.looseObject({ givenName: text, familyName: text }).nullish(),
  displayName: text,
  emails: z.array(email).nullish(),
  active: z.boolean().nullish(),
  password: text,
  externalId: text,
  [schemas.enterpriseUser]: z
    .looseObject({
      employeeNumber: text,
      department: text,
      manager: z.looseObject({ value: text }).nullish(),
    })
    .nullish(),
});

/** The SCIM name of each directory field, for error messages. */
const scimNames: Record<string, string> = {
  username: 'userName',
  email: 'emails.value',
  firstName: 'name.givenName',
  lastName: 'name.familyName',
  displayName: 'displayName',
  password: 'password',
  externalId: 'externalId',
  employeeNumber: `${schemas.enterpriseUser}:employeeNumber`,
  department: `${schemas.enterpriseUser}:department`,
  managerId: `${schemas.enterpriseUser}:manager.value`,
};

/**
 * Reads a User resource from a POST or PUT body, or from a resource that PATCH operations
 * changed. Attribute names are matched without regard to case, "True" and "False" are read as
 * booleans, and attributes Sesame does not store are ignored. Values are checked with the
 * directory's rules and reported under their SCIM names as 400 `invalidValue`.
 */
export function readUser(body: unknown): UserState {
  if (!isObject(body)) {
    throw new ScimRequestError(400, 'Request body must be a JSON object', scimTypes.invalidSyntax);
  }
  const canonical = canonicalResource(body, userShape);
  checkSchemas(canonical.schemas, schemas.user);
  normaliseManager(canonical);

  const parsed = userBody.safeParse(canonical);
  if (!parsed.success) throw invalidValue(describe(parsed.error.issues[0]!));
  const input = parsed.data;
  const enterprise = input[schemas.enterpriseUser];

  const state: UserState = {
    userName: input.userName,
    email: primaryEmail(input.emails ?? []),
    givenName: input.name?.givenName ?? '',
    familyName: input.name?.familyName ?? '',
    displayName: input.displayName ?? '',
    active: input.active ?? undefined,
    password: input.password ?? undefined,
    externalId: input.externalId || null,
    employeeNumber: enterprise?.employeeNumber ?? '',
    department: enterprise?.department ?? '',
    managerId: enterprise?.manager?.value || null,
  };
  checkRules(state);
  return state;
}

/** Rejects a body whose `schemas` leaves out the resource's core schema; none at all is read as it. */
export function checkSchemas(value: unknown, core: string): void {
  if (value === undefined || value === null) return;
  if (
    !Array.isArray(value) ||
    !value.some((urn) => String(urn).toLowerCase() === core.toLowerCase())
  ) {
    throw new ScimRequestError(400, `schemas must contain "${core}"`, scimTypes.invalidSyntax);
  }
}

/** Entra ID sends the manager as its ID alone; RFC 7643 section 4.3 makes it `{ value }`. */
function normaliseManager(resource: Record<string, unknown>) {
  const enterprise = resource[schemas.enterpriseUser];
  if (isObject(enterprise) && typeof enterprise.manager === 'string') {
    enterprise.manager = { value: enterprise.manager };
  }
}

/**
 * Picks the one email Sesame stores: the last one marked primary (a PATCH that adds a primary
 * email appends it), else the first of type work, else the first. A user needs an email,
 * because it is the SAML NameID.
 */
function primaryEmail(emails: z.infer<typeof email>[]): string {
  const primary = emails.filter((item) => item.primary === true).at(-1);
  const chosen = primary ?? emails.find((item) => item.type?.toLowerCase() === 'work') ?? emails[0];
  if (!chosen) {
    throw invalidValue('emails must contain an email address, because it is the SAML NameID');
  }
  return chosen.value;
}

/** Returns the directory's fields of a new user in `state`. */
export function newUserOf(state: UserState): NewUser {
  return {
    username: state.userName,
    email: state.email,
    firstName: state.givenName,
    lastName: state.familyName,
    displayName: state.displayName,
    password: state.password,
    externalId: state.externalId,
    employeeNumber: state.employeeNumber,
    department: state.department,
    managerId: state.managerId,
  };
}

function checkRules(state: UserState) {
  const parsed = newUserRecordSchema.safeParse(newUserOf(state));
  if (parsed.success) return;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  throw invalidValue(`${scimNames[field] ?? field} ${issue.message}`);
}

function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.') || 'body';
  return `${path} ${issue.message}`;
}
