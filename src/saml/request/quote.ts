/** Maximum length of a client-supplied value quoted in an error message, event or log. */
export const maxQuotedLength = 120;

/**
 * Shortens a client-supplied value for an error message, so that a huge Issuer or URL cannot
 * fill the event table and the log.
 */
export function quote(value: string): string {
  return value.length <= maxQuotedLength ? value : `${value.slice(0, maxQuotedLength)}…`;
}
