/**
 * Makes an application slug from a display label: lower-case ASCII letters and digits, with
 * hyphens for every other run of characters, at most 64 characters. Accents are dropped
 * ("Café" becomes "cafe"), and a label with no usable character gives an empty string.
 */
export function slugFromLabel(label: string): string {
  return label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '');
}
