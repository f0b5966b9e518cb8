import type { Request } from 'express';
import type { ResolvedOptions } from './options.ts';
import type { ScimState } from './state.ts';

/** What every handler needs: the options, the data and the clock. */
export interface ScimContext {
  options: ResolvedOptions;
  state: ScimState;
  now: () => number;
}

/** Returns the `{id}` route parameter as a string, because Express 5 types it loosely. */
export function idParam(req: Request): string {
  return String(req.params.id);
}
