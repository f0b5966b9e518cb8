import { schemas } from '../constants.ts';

/** An attribute definition as RFC 7643 section 7 represents it under `/Schemas`. */
export interface AttributeDefinition {
  name: string;
  type: 'string' | 'boolean' | 'dateTime' | 'reference' | 'complex';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: AttributeDefinition[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

export interface SchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

type Options = Partial<Omit<AttributeDefinition, 'name' | 'description'>>;

function attribute(name: string, description: string, options: Options = {}): AttributeDefinition {
  return {
    name,
    type: 'string',
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

const userName = attribute(
  'userName',
  "Sesame's username, unique without regard to case: 1-128 letters, digits or . _ @ + -, starting with a letter or digit. An email address is a valid userName.",
  { required: true, uniqueness: 'server' },
);

const name = attribute('name', "The user's name.", {
  type: 'complex',
  subAttributes: [
    attribute('givenName', 'Given name, at most 128 characters.'),
    attribute('familyName', 'Family name, at most 128 characters.'),
    attribute('formatted', 'The given and family names joined by a space; derived, not stored.', {
      mutability: 'readOnly',
    }),
  ],
});

const emails = attribute(
  'emails',
  'Email addresses. Sesame stores one, the SAML NameID, which must be present: the last one marked primary, else the first of type work, else the first. It is returned as the primary work email.',
  {
    type: 'complex',
    multiValued: true,
    required: true,
    subAttributes: [
      attribute('value', 'The email address, unique without regard to case.', {
        required: true,
        uniqueness: 'server',
      }),
      attribute('type', 'Always "work" when returned.', { canonicalValues: ['work'] }),
      attribute('primary', 'Always true when returned.', { type: 'boolean' }),
    ],
  },
);

const groups = attribute('groups', 'The groups the user is a member of. Change them at /Groups.', {
  type: 'complex',
  multiValued: true,
  mutability: 'readOnly',
  subAttributes: [
    attribute('value', 'The group id.', { caseExact: true, mutability: 'readOnly' }),
    attribute('$ref', 'The URI of the group.', {
      type: 'reference',
      referenceTypes: ['Group'],
      caseExact: true,
      mutability: 'readOnly',
    }),
    attribute('display', "The group's displayName.", { mutability: 'readOnly' }),
  ],
});

export const userSchema: SchemaDefinition = {
  id: schemas.user,
  name: 'User',
  description: 'A Sesame user, who signs in to the portal and to applications with SAML.',
  attributes: [
    userName,
    name,
    attribute('displayName', 'The name shown for the user, at most 128 characters.'),
    emails,
    attribute('active', 'False suspends the user: their sessions and API keys end at once.', {
      type: 'boolean',
    }),
    attribute(
      'password',
      "The sign-in password, hashed with the directory's policy (at least 12 characters). Never returned.",
      { mutability: 'writeOnly', returned: 'never', caseExact: true },
    ),
    groups,
  ],
};

export const enterpriseUserSchema: SchemaDefinition = {
  id: schemas.enterpriseUser,
  name: 'EnterpriseUser',
  description: 'The enterprise user extension: the fields that Sesame stores from it.',
  attributes: [
    attribute('employeeNumber', 'Employee number, at most 128 characters.'),
    attribute('department', 'Department, at most 128 characters.'),
    attribute('manager', "The user's manager, another Sesame user.", {
      type: 'complex',
      subAttributes: [
        attribute('value', "The manager's user id.", { caseExact: true }),
        attribute('$ref', "The URI of the manager's User resource.", {
          type: 'reference',
          referenceTypes: ['User'],
          caseExact: true,
          mutability: 'readOnly',
        }),
      ],
    }),
  ],
};

export const groupSchema: SchemaDefinition = {
  id: schemas.group,
  name: 'Group',
  description: 'A Sesame user group; groups bound to an application grant access to it.',
  attributes: [
    attribute(
      'displayName',
      'The group name, unique without regard to case: 1-128 characters without control characters or surrounding spaces.',
      { required: true, uniqueness: 'server' },
    ),
    attribute('members', 'The users in the group. Only users can be members.', {
      type: 'complex',
      multiValued: true,
      subAttributes: [
        attribute('value', 'The user id.', { caseExact: true, mutability: 'immutable' }),
        attribute('$ref', 'The URI of the User resource.', {
          type: 'reference',
          referenceTypes: ['User'],
          caseExact: true,
          mutability: 'immutable',
        }),
        attribute('display', "The user's displayName, else their userName.", {
          mutability: 'readOnly',
        }),
        attribute('type', 'Always "User".', {
          canonicalValues: ['User'],
          mutability: 'immutable',
        }),
      ],
    }),
  ],
};

/**
 * The common attributes of every resource (RFC 7643 section 3.1). `/Schemas` leaves them out,
 * as RFC 7643 section 8.7.1 does, but requests may name them.
 */
export const commonAttributes: AttributeDefinition[] = [
  attribute('id', 'Assigned by Sesame.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attribute('externalId', "The client's identifier, at most 256 characters.", { caseExact: true }),
  attribute('meta', 'Resource metadata.', {
    type: 'complex',
    mutability: 'readOnly',
    subAttributes: [
      attribute('resourceType', 'User or Group.', { caseExact: true, mutability: 'readOnly' }),
      attribute('created', 'Time of creation.', { type: 'dateTime', mutability: 'readOnly' }),
      attribute('lastModified', 'Time of the last change.', {
        type: 'dateTime',
        mutability: 'readOnly',
      }),
      attribute('location', 'The URI of the resource.', {
        type: 'reference',
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('version', 'The weak ETag of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
  }),
];
