import type { IntakeContext } from '../context.ts';
import { validateAgainstSchema } from '../schema.ts';

/**
 * Validates the request against the SAML 2.0 protocol schema. It costs about 0.2 s of CPU
 * (the schemas are compiled on every call), so it runs after the cheap checks have tied the
 * request to a registered SP and ACS.
 */
export async function checkSchema({ request }: IntakeContext): Promise<void> {
  await validateAgainstSchema(request.xml);
}
