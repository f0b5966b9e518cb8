import type { Request, Response } from 'express';
import { SesameError } from '../../errors.ts';
import type { Logger } from '../../log.ts';

/** Messages to show next to form fields, by field name; `form` is shown above the form. */
export type FieldErrors = Record<string, string>;

/** Field name of a message that belongs to no single field. */
export const formLevel = 'form';

type Body = Record<string, unknown> | undefined;

/** Reads a single-valued text field; a repeated field gives its first value. */
export function textField(body: unknown, name: string): string {
  const value = (body as Body)?.[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return '';
}

/** Reads a field that may be repeated (check boxes, table rows) as a list of strings. */
export function listField(body: unknown, name: string): string[] {
  const value = (body as Body)?.[name];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/** Reads a check box: checked when the browser sent any non-empty value for it. */
export function checkboxField(body: unknown, name: string): boolean {
  return textField(body, name) !== '';
}

/** Field names and labels of a form, so that service messages can be placed next to the fields. */
export interface FormFields {
  /** Field name to the label shown beside it, for messages such as "is required". */
  labels: Record<string, string>;
  /** Patterns of messages that name no field path, such as "Application "x" already exists". */
  rules?: Array<[RegExp, string]>;
  /** Names in service messages that differ from the form's, such as `value` for a lone password. */
  aliases?: Record<string, string>;
  /** Noun for a numbered item of a list field, such as "line" for a textarea of URLs. */
  itemNouns?: Record<string, string>;
}

/** True for the errors a form shows next to its fields; anything else goes to the error page. */
export function isFormError(error: unknown): error is SesameError {
  return (
    error instanceof SesameError && (error.code === 'input_invalid' || error.code === 'conflict')
  );
}

/**
 * Places the message of a rejected form on the fields it names. Schema messages look like
 * "Invalid input: acsUrls.0 must use https; displayLabel is required": each problem starts with
 * a dotted field path, whose first name is the form field. Other messages are matched by the
 * form's rules, and one that matches nothing is shown above the form.
 */
export function fieldErrorsOf(error: SesameError, form: FormFields): FieldErrors {
  const schemaPrefix = 'Invalid input: ';
  const errors: FieldErrors = {};
  const add = (field: string, text: string) => {
    errors[field] = errors[field] ? `${errors[field]} ${text}` : text;
  };

  if (error.message.startsWith(schemaPrefix)) {
    for (const problem of splitProblems(error.message.slice(schemaPrefix.length), form)) {
      add(problem.field, describe(problem, form));
    }
    if (Object.keys(errors).length > 0) return errors;
  }

  const rule = form.rules?.find(([pattern]) => pattern.test(error.message));
  add(rule ? rule[1] : formLevel, error.message);
  return errors;
}

interface Problem {
  field: string;
  index?: number;
  subPath: string[];
  message: string;
}

/**
 * Splits the problems joined by "; ". A piece starts a new problem only when its first word is
 * a path into a known field, because a message may itself contain "; ".
 */
function splitProblems(text: string, form: FormFields): Problem[] {
  const problems: Problem[] = [];
  for (const piece of text.split('; ')) {
    const [path = '', ...words] = piece.split(' ');
    const [head = '', ...rest] = path.split('.');
    const field = form.aliases?.[head] ?? head;
    const last = problems.at(-1);

    if (!(field in form.labels) && last) {
      last.message += `; ${piece}`;
      continue;
    }
    const index = rest[0] !== undefined && /^\d+$/.test(rest[0]) ? Number(rest[0]) : undefined;
    problems.push({
      field: field in form.labels ? field : formLevel,
      index,
      subPath: index === undefined ? rest : rest.slice(1),
      message: field in form.labels ? words.join(' ') : piece,
    });
  }
  return problems;
}

/**
 * Words a problem for display next to its field: "Display Label is required" for a predicate,
 * "Line 2: Invalid URL …" for an item of a list, and a full sentence as it is.
 */
function describe(problem: Problem, form: FormFields): string {
  const label = form.labels[problem.field];
  if (label === undefined) return problem.message;
  let message = problem.message;
  if (problem.subPath.length > 0) message = `${problem.subPath.join(' ')} ${message}`;

  if (problem.index !== undefined) {
    const noun = form.itemNouns?.[problem.field] ?? 'Item';
    return `${noun[0]!.toUpperCase()}${noun.slice(1)} ${problem.index + 1}: ${message}`;
  }
  return /^[a-z]/.test(problem.message) && problem.subPath.length === 0
    ? `${label} ${message}`
    : message;
}

/**
 * Logs a rejected form at info, as the error handler logs other client errors, and returns its
 * messages placed on the fields.
 */
export function rejectedForm(
  logger: Logger,
  req: Request,
  error: SesameError,
  form: FormFields,
): FieldErrors {
  logger.info(
    { code: error.code, method: req.method, path: req.path, message: error.message },
    'form rejected',
  );
  const errors = fieldErrorsOf(error, form);
  // Long forms scroll the field messages out of view, so the top of the page repeats that the form was not saved.
  errors[formLevel] ??= 'Not saved: correct the fields marked below.';
  return errors;
}

/** Renders a form again with its messages, status 400, after a rejected submission. */
export function renderInvalid(
  res: Response,
  view: string,
  locals: Record<string, unknown>,
  errors: FieldErrors,
): void {
  res.status(400).render(view, { ...locals, errors });
}
