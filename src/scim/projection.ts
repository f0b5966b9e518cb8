import type { Request } from 'express';
import { queryParameter } from './http.ts';
import { resolvePath, type ResolvedPath, type ResourceShape } from './schema/names.ts';

/**
 * The `attributes` or `excludedAttributes` of a request (RFC 7644 section 3.9). Each path is
 * the list of JSON keys it names, such as `['name', 'givenName']` or `[<urn>, 'department']`.
 * Names that no schema defines are ignored.
 */
export type Projection =
  { kind: 'all' } | { kind: 'only'; paths: string[][] } | { kind: 'except'; paths: string[][] };

/** Attributes that every response includes, whatever the projection. */
const alwaysReturned = new Set(['id', 'schemas']);

export function readProjection(req: Request, shape: ResourceShape): Projection {
  const attributes = queryParameter(req, 'attributes');
  const excluded = queryParameter(req, 'excludedAttributes');
  if (attributes !== undefined) return { kind: 'only', paths: resolveList(attributes, shape) };
  if (excluded !== undefined) return { kind: 'except', paths: resolveList(excluded, shape) };
  return { kind: 'all' };
}

function resolveList(text: string, shape: ResourceShape): string[][] {
  return text
    .split(',')
    .map((name) => resolvePath(name.trim(), shape))
    .filter((path): path is ResolvedPath => path !== undefined)
    .map(keysOf);
}

function keysOf(path: ResolvedPath): string[] {
  const names = [path.attribute?.name, path.subAttribute?.name].filter(
    (name): name is string => name !== undefined,
  );
  return path.extension ? [path.extension, ...names] : names;
}

/** Applies a projection to a resource's JSON; `id` and `schemas` always stay. */
export function project(
  resource: Record<string, unknown>,
  projection: Projection,
): Record<string, unknown> {
  if (projection.kind === 'all') return resource;

  if (projection.kind === 'except') {
    const result = structuredClone(resource);
    for (const keys of projection.paths) remove(result, keys);
    return result;
  }

  const result: Record<string, unknown> = {};
  for (const key of alwaysReturned) if (key in resource) result[key] = resource[key];
  for (const keys of projection.paths) copy(resource, result, keys);
  return result;
}

function remove(target: unknown, keys: string[]) {
  const [key, ...rest] = keys;
  if (key === undefined || alwaysReturned.has(key)) return;
  if (Array.isArray(target)) {
    for (const item of target) remove(item, keys);
    return;
  }
  if (typeof target !== 'object' || target === null) return;
  const object = target as Record<string, unknown>;
  if (rest.length === 0) delete object[key];
  else remove(object[key], rest);
}

function copy(source: unknown, target: Record<string, unknown>, keys: string[]) {
  const [key, ...rest] = keys;
  if (key === undefined || typeof source !== 'object' || source === null) return;
  const value = (source as Record<string, unknown>)[key];
  if (value === undefined) return;
  if (rest.length === 0) {
    target[key] = value;
    return;
  }

  if (Array.isArray(value)) {
    // `emails.value`: keep that sub-attribute of every value, merged with any kept before.
    const kept = (Array.isArray(target[key]) ? target[key] : []) as Record<string, unknown>[];
    target[key] = value.map((item, index) => {
      const into = kept[index] ?? {};
      copy(item, into, rest);
      return into;
    });
    return;
  }
  const into = (target[key] ?? {}) as Record<string, unknown>;
  copy(value, into, rest);
  target[key] = into;
}
