import type { Express } from 'express';
import request from 'supertest';

/** Reads the `_csrf` hidden field from a page. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('No _csrf field on the page');
  return match[1];
}

/** Reads the hidden fields of the HTTP-POST binding page. */
export function postBindingFrom(html: string): {
  action: string;
  samlResponse: string;
  relayState?: string;
} {
  const action = /<form id="saml-post" method="post" action="([^"]+)"/.exec(html)?.[1];
  const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(html)?.[1];
  const relayState = /name="RelayState" value="([^"]*)"/.exec(html)?.[1];
  if (!action || !samlResponse) throw new Error('Not an HTTP-POST binding page');
  return {
    action: unescapeHtml(action),
    samlResponse,
    relayState: relayState === undefined ? undefined : unescapeHtml(relayState),
  };
}

export function unescapeHtml(value: string): string {
  return value
    .replace(/&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Decodes the base64 SAMLResponse of a POST binding page to XML. */
export function responseXml(html: string): string {
  return Buffer.from(postBindingFrom(html).samlResponse, 'base64').toString('utf8');
}

/** Creates a cookie-keeping client that can sign in, like a browser. */
export function browser(app: Express) {
  return request.agent(app);
}

/** Signs in through the form; returns the agent and the console page's CSRF token. */
export async function signIn(app: Express, username: string, password: string) {
  const agent = browser(app);
  const page = await agent.get('/login').expect(200);
  await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), username, password })
    .expect(303);
  const console = await agent.get('/console').expect(200);
  return { agent, csrf: csrfFrom(console.text) };
}
