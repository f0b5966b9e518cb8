import type { Request, Response } from 'express';
import { eventTypes, maxEventPageSize, type EventQuery } from '../../insights/events.ts';
import type { Services } from '../../services.ts';
import { textField, type FieldErrors } from './forms.ts';

/** Events shown per page of Directory Insights. */
export const insightsPageSize = 50;

/** Maximum number of events in one JSON export; its `truncated` field is true when more matched. */
export const maxExportedEvents = 10_000;

/** The filter form's fields as typed; times are `datetime-local` values in UTC. */
interface FilterValues {
  type: string;
  user: string;
  application: string;
  outcome: string;
  from: string;
  to: string;
}

const localTimePattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?$/;

/** Converts a `datetime-local` value, read as UTC, to the ISO 8601 form events are stored in. */
function isoFromLocal(value: string): string | undefined {
  if (!localTimePattern.test(value)) return undefined;
  const time = new Date(`${value}Z`);
  if (Number.isNaN(time.getTime())) return undefined;
  // Date rolls 2026-02-30 over to 2 March; a date that does not read back the same is invalid.
  const iso = time.toISOString();
  return iso.startsWith(value.slice(0, 16)) ? iso : undefined;
}

/** Reads the filters from the query string; a value the form could not have sent is an error. */
function readFilters(query: unknown): {
  values: FilterValues;
  filters: EventQuery;
  errors: FieldErrors;
} {
  const values: FilterValues = {
    type: textField(query, 'type'),
    user: textField(query, 'user').trim().slice(0, 256),
    application: textField(query, 'application').trim().slice(0, 64),
    outcome: textField(query, 'outcome'),
    from: textField(query, 'from').trim(),
    to: textField(query, 'to').trim(),
  };
  const errors: FieldErrors = {};
  const filters: EventQuery = {};

  if (values.type && !(eventTypes as readonly string[]).includes(values.type)) {
    errors.type = `Event type must be one of the listed types, not "${values.type.slice(0, 64)}".`;
  } else if (values.type) filters.type = values.type;
  if (values.outcome === 'success' || values.outcome === 'failure')
    filters.outcome = values.outcome;
  else if (values.outcome) errors.outcome = 'Outcome must be success or failure.';
  if (values.user) filters.user = values.user;
  if (values.application) filters.application = values.application;

  for (const field of ['from', 'to'] as const) {
    if (!values[field]) continue;
    const iso = isoFromLocal(values[field]);
    if (iso) filters[field] = iso;
    else errors[field] = 'Enter a date and time such as 2026-01-31T09:30 (UTC).';
  }
  return { values, filters, errors };
}

/** Builds the query string of the current filters, for paging and export links. */
function queryStringOf(values: FilterValues, page?: number): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) params.set(name, value);
  if (page && page > 1) params.set('page', String(page));
  return params.toString();
}

/** `GET /admin/insights`: events newest first, filtered and paged. Read-only. */
export function showInsights(services: Services) {
  return async (req: Request, res: Response) => {
    const { values, filters, errors } = readFilters(req.query);
    const requested = Number.parseInt(textField(req.query, 'page'), 10);
    const page = Number.isInteger(requested) && requested > 0 ? Math.min(requested, 1e6) : 1;

    const invalid = Object.keys(errors).length > 0;
    const { events, total } = invalid
      ? { events: [], total: 0 }
      : await services.insights.query({ ...filters, page, pageSize: insightsPageSize });
    const pages = Math.max(1, Math.ceil(total / insightsPageSize));

    res.status(invalid ? 400 : 200).render('admin/insights', {
      title: 'Directory Insights',
      section: 'insights',
      eventTypes,
      values,
      errors,
      events,
      total,
      page,
      pages,
      previousLink: page > 1 ? `?${queryStringOf(values, page - 1)}` : undefined,
      nextLink: page < pages ? `?${queryStringOf(values, page + 1)}` : undefined,
      exportLink: `/admin/insights/export.json?${queryStringOf(values)}`,
    });
  };
}

/**
 * `GET /admin/insights/export.json`: every event matching the filters, newest first, up to
 * `maxExportedEvents`, as a JSON attachment. Without a `to` filter the export stops at the
 * time it started, so events recorded while it pages do not shift the pages.
 */
export function exportInsights(services: Services) {
  return async (req: Request, res: Response) => {
    const { filters, errors } = readFilters(req.query);
    if (Object.keys(errors).length > 0) {
      res.status(400).json({ error: 'input_invalid', fields: errors });
      return;
    }
    const query = { ...filters, to: filters.to ?? new Date().toISOString() };

    const events = [];
    let total = 0;
    for (let page = 1; events.length < maxExportedEvents; page++) {
      const result = await services.insights.query({ ...query, page, pageSize: maxEventPageSize });
      total = result.total;
      events.push(...result.events);
      if (result.events.length < maxEventPageSize) break;
    }

    res.setHeader(
      'Content-Disposition',
      `attachment; filename="directory-insights-${query.to.slice(0, 19).replace(/:/g, '')}.json"`,
    );
    res.json({
      exportedAt: new Date().toISOString(),
      filters: query,
      total,
      truncated: total > maxExportedEvents,
      events: events.slice(0, maxExportedEvents),
    });
  };
}
