// Characters that XML 1.0 forbids, which no escaping can carry: controls other than tab, newline
// and carriage return, U+FFFE, U+FFFF and lone surrogates.
const invalidXmlCharacters = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/**
 * Tells whether `value` can be written into XML. Names, emails, group names and attribute
 * values are checked with it on input, so that a stored value can never make a SAML Response
 * impossible to build.
 */
export function isXmlText(value: string): boolean {
  return !invalidXmlCharacters.test(value);
}
