import argon2 from 'argon2';

/**
 * argon2id parameters: 64 MiB, 3 passes, 4 lanes. OWASP's Password Storage Cheat Sheet recommends
 * at least 19 MiB with 2 passes and 1 lane, so these are stronger.
 */
const hashOptions = {
  type: argon2.argon2id,
  memoryCost: 64 * 1024,
  timeCost: 3,
  parallelism: 4,
} as const;

export const minPasswordLength = 12;
export const maxPasswordLength = 1024;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, hashOptions);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies `password` against `hash`. With no hash (unknown user or no password set) it still
 * spends the time of one verification, so response time does not reveal which usernames exist.
 */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (password.length > maxPasswordLength) return false;

  if (!hash) {
    dummyHash ??= hashPassword('sesame-dummy-password-for-timing');
    await argon2.verify(await dummyHash, password);
    return false;
  }

  return argon2.verify(hash, password);
}
