import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { z } from 'zod';
import { maxImageBytes } from '../../applications/image.ts';
import type { Actor } from '../../directory/service.ts';
import { parseInput } from '../../directory/validation.ts';
import { SesameError } from '../../errors.ts';
import { apiAdmin } from './auth.ts';
import { FieldError, issueField } from './errors.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The kind of request body a route accepts. */
export type BodyKind = 'none' | 'json' | 'image';

/** One API route: its method, its path under `/api/v1`, its body kind and its handler. */
export interface ApiRoute {
  method: Method;
  path: string;
  body: BodyKind;
  handler: RequestHandler;
}

export function route(
  method: Method,
  path: string,
  handler: RequestHandler,
  body: BodyKind = 'none',
): ApiRoute {
  return { method, path, body, handler };
}

export const maxJsonBodyBytes = 256 * 1024;
const jsonType = 'application/json';
const imageTypes = ['image/png', 'image/jpeg'];

const parseJson = express.json({ limit: maxJsonBodyBytes, strict: true, type: jsonType });
const parseImage = express.raw({ type: imageTypes, limit: maxImageBytes });

/**
 * Tells whether the request carries body bytes. Unlike `req.is`, it takes `Content-Length: 0`,
 * which many clients send with a bodyless POST, as no body.
 */
function hasBody(req: Request): boolean {
  return req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
}

/** Rejects a body whose Content-Type is not one of `types` with 415, and a missing one with 400. */
function requireMediaType(types: string[], required: boolean): RequestHandler {
  return (req, _res, next) => {
    if (!hasBody(req)) {
      if (!required) return next();
      throw new SesameError(
        'input_invalid',
        `A request body of type ${types.join(' or ')} is required`,
      );
    }
    if (!req.is(types)) {
      const contentType = req.get('content-type');
      const instead = contentType
        ? `, not "${contentType.slice(0, 100)}"`
        : ', and the request has none';
      throw new SesameError(
        'input_invalid',
        `Content-Type must be ${types.join(' or ')}${instead}`,
        {
          status: 415,
        },
      );
    }
    next();
  };
}

/**
 * Rejects JSON in another charset than UTF-8 with 415. RFC 8259 section 8.1 requires UTF-8
 * between systems, while body-parser 2.4 would also decode UTF-16 and even UTF-7.
 */
function requireUtf8(req: Request, _res: Response, next: NextFunction) {
  if (!hasBody(req)) return next();
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.get('content-type') ?? '')?.[1];
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    throw new SesameError(
      'input_invalid',
      `JSON must be UTF-8, not charset "${charset.slice(0, 40)}"`,
      { status: 415 },
    );
  }
  next();
}

/** Accepts no body, or an empty JSON object, which some HTTP clients send with every POST. */
function requireEmptyBody(req: Request, _res: Response, next: NextFunction) {
  if (req.body !== undefined) parseBody(z.strictObject({}), req.body);
  next();
}

/** The body parsers of each body kind, run after authentication and before the handler. */
export const bodyParsers: Record<BodyKind, RequestHandler[]> = {
  none: [requireMediaType([jsonType], false), requireUtf8, parseJson, requireEmptyBody],
  json: [requireMediaType([jsonType], true), requireUtf8, parseJson],
  image: [requireMediaType(imageTypes, true), parseImage],
};

/**
 * Parses a request body or query with `schema`, or throws `input_invalid` worded by parseInput
 * (`Invalid input: <field> <rule>`) and naming the first field at fault in `field`.
 */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  try {
    return parseInput(schema, value);
  } catch (error) {
    // Parsing again on this failure path finds the path of the first issue.
    const issue = schema.safeParse(value).error?.issues[0];
    const field = issue && issueField(issue);
    if (!(error instanceof SesameError) || !field) throw error;
    throw new FieldError(field, error.message, { cause: error });
  }
}

/** Records the administrator behind the API key as the actor of a change. */
export function actorOf(req: Request, res: Response): Actor {
  return { actor: `${apiAdmin(res).username} (API key)`, sourceIp: req.ip ?? null };
}

/** Reads a path parameter. None of the API's routes has a wildcard, so each is one string. */
export function param(req: Request, name: string): string {
  return String(req.params[name]);
}
