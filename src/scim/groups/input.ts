import { z } from 'zod';
import { schemas, scimTypes } from '../constants.ts';
import { invalidValue, ScimRequestError } from '../request-error.ts';
import { canonicalResource, groupShape, isObject } from '../schema/names.ts';
import { checkSchemas } from '../users/input.ts';

/** A Group resource as the directory stores it. */
export interface GroupState {
  displayName: string;
  externalId: string | null;
  /** User IDs, each once. */
  memberIds: string[];
}

const member = z.looseObject({
  value: z.string('is required and must be a user id'),
  type: z.string().nullish(),
});

const groupBody = z.looseObject({
  displayName: z.string('is required and must be a string'),
  externalId: z.string().nullish(),
  members: z.array(member).nullish(),
});

/**
 * Reads a Group resource from a POST or PUT body, or from a resource that PATCH operations
 * changed. Names match without regard to case, unknown attributes are ignored, and members must
 * be users.
 */
export function readGroup(body: unknown): GroupState {
  if (!isObject(body)) {
    throw new ScimRequestError(400, 'Request body must be a JSON object', scimTypes.invalidSyntax);
  }
  const canonical = canonicalResource(body, groupShape);
  checkSchemas(canonical.schemas, schemas.group);

  const parsed = groupBody.safeParse(canonical);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidValue(`${issue.path.map(String).join('.') || 'body'} ${issue.message}`);
  }

  const members = parsed.data.members ?? [];
  const other = members.find((item) => item.type && item.type.toLowerCase() !== 'user');
  if (other) {
    throw invalidValue(`members must be users, not type "${String(other.type).slice(0, 40)}"`);
  }
  return {
    displayName: parsed.data.displayName,
    externalId: parsed.data.externalId || null,
    memberIds: [...new Set(members.map((item) => item.value))],
  };
}
