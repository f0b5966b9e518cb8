import { z } from 'zod';
import { SesameError } from '../errors.ts';
import { isXmlText } from '../text.ts';
import { maxPasswordLength, minPasswordLength } from './passwords.ts';

export const usernamePattern = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
export const groupNamePattern = /^[^\u0000-\u001f\u007f]{1,128}$/;

const profileText = z
  .string()
  .max(128)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'contains control characters')
  .refine(isXmlText, 'contains a character that XML cannot carry');

/** Tells whether a group name is valid: 1-128 characters, no controls, all writable in XML. */
export function isGroupName(name: string): boolean {
  return groupNamePattern.test(name) && isXmlText(name);
}

export const newUserSchema = z.strictObject({
  username: z
    .string()
    .regex(
      usernamePattern,
      'must be 1-128 letters, digits or . _ @ + - and start with a letter or digit',
    ),
  email: z.email('must be an email address').max(254),
  firstName: profileText.default(''),
  lastName: profileText.default(''),
  displayName: profileText.default(''),
  password: z
    .string()
    .min(minPasswordLength, `must be at least ${minPasswordLength} characters`)
    .max(maxPasswordLength, `must be at most ${maxPasswordLength} characters`)
    .optional(),
  isAdmin: z.boolean().default(false),
});

/**
 * Fields that an HR system or other SCIM client sets beside the profile. They are not on the
 * admin forms or the admin API. `null` clears `externalId` and `managerId`; an empty string
 * clears the others.
 */
const hrFields = {
  /** The client's own identifier for the user, compared with regard to case. */
  externalId: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'contains control characters')
    .nullable()
    .optional(),
  employeeNumber: profileText.optional(),
  department: profileText.optional(),
  /** The Sesame user ID of the user's manager. */
  managerId: z.string().min(1).max(64).nullable().optional(),
};

/** A new user as the directory takes it: the admin form's fields and the HR fields. */
export const newUserRecordSchema = newUserSchema.extend(hrFields);

export type NewUser = z.input<typeof newUserRecordSchema>;

/** Profile changes: every field optional, unknown fields rejected. */
export const userChangesSchema = z.strictObject({
  username: newUserSchema.shape.username.optional(),
  email: newUserSchema.shape.email.optional(),
  firstName: profileText.optional(),
  lastName: profileText.optional(),
  displayName: profileText.optional(),
});

/** Profile changes as the directory takes them: the admin form's fields and the HR fields. */
export const userRecordChangesSchema = userChangesSchema.extend(hrFields);

export type UserChanges = z.input<typeof userRecordChangesSchema>;

export const passwordSchema = z
  .string()
  .min(minPasswordLength, `must be at least ${minPasswordLength} characters`)
  .max(maxPasswordLength, `must be at most ${maxPasswordLength} characters`);

/** Parses `value` with `schema`, or throws `input_invalid` naming each field and its rule. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;

  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.join('.') || 'value';
    return `${field} ${issue.message}`;
  });
  throw new SesameError('input_invalid', `Invalid input: ${problems.join('; ')}`);
}
