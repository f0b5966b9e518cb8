import type { Request, Response } from 'express';
import { z } from 'zod';
import { eventTypes, maxEventPageSize } from '../../insights/events.ts';
import type { Services } from '../../services.ts';
import { parseBody, route, type ApiRoute } from './http.ts';

/** Directory Insights, read-only: events are written by the changes they record, never here. */
export function eventRoutes(services: Services): ApiRoute[] {
  return [route('GET', '/events', listEvents(services))];
}

export const defaultEventPageSize = 50;

/**
 * An ISO 8601 time with `Z` or an offset, turned into the UTC form that events are stored in.
 * The stored times compare as strings, so an offset must not reach the query.
 */
const isoTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 time with Z or an offset' })
  .transform((value) => new Date(value).toISOString());

const positiveInteger = (max: number) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, 'must be a positive integer')
    .transform(Number)
    .refine((value) => value <= max, `must be at most ${max}`);

const eventQuery = z.strictObject({
  type: z.enum(eventTypes).optional(),
  user: z.string().min(1).max(256).optional(),
  application: z.string().min(1).max(64).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  page: positiveInteger(1_000_000).optional(),
  pageSize: positiveInteger(maxEventPageSize).optional(),
});

/** Lists events newest first, filtered and paged, with the total that match the filters. */
function listEvents(services: Services) {
  return async function listEvents(req: Request, res: Response) {
    const filters = parseBody(eventQuery, req.query);
    const page = filters.page ?? 1;
    const pageSize = filters.pageSize ?? defaultEventPageSize;
    const { total, events } = await services.insights.query({ ...filters, page, pageSize });
    res.json({ total, page, pageSize, events });
  };
}
