import { expect } from 'vitest';
import { SesameError } from '../../src/errors.ts';

/** Awaits a promise that must reject with a SesameError, and returns that error. */
export async function failure(promise: Promise<unknown>): Promise<SesameError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SesameError);
  return error as SesameError;
}
