import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startInstance, type TestInstance } from '../../support/instance.ts';
import { seedAdminPortal, signInAdmin } from './support.ts';

let sesame: TestInstance;

beforeEach(async () => {
  sesame = await startInstance();
  await seedAdminPortal(sesame.services);
});
afterEach(() => sesame.close());

describe('malformed uploads', () => {
  for (const [name, contentType, body] of [
    [
      'truncated body',
      'multipart/form-data; boundary=xyz',
      '--xyz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nabc',
    ],
    ['missing boundary', 'multipart/form-data', 'anything'],
  ] as const) {
    it(`answers a ${name} with 400`, async () => {
      const { agent } = await signInAdmin(sesame.app);
      const answer = await agent
        .post('/admin/applications/databricks/general')
        .set('Content-Type', contentType)
        .send(body);
      expect(answer.status).toBe(400);
      expect(answer.text).toContain('The form could not be read');
    });
  }
});
