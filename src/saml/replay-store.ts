import type { Db } from '../db/index.ts';
import type { ReplayStore } from './request/context.ts';

/** Stores seen AuthnRequest IDs in the database, so replays are caught across restarts. */
export function createReplayStore(db: Db): ReplayStore {
  return {
    async remember(applicationId, requestId, expiresAt) {
      const now = Math.floor(Date.now() / 1000);
      await db.deleteFrom('saml_request_ids').where('expires_at', '<', now).execute();

      const result = await db
        .insertInto('saml_request_ids')
        .values({
          application_id: applicationId,
          request_id: requestId,
          expires_at: Math.ceil(expiresAt.getTime() / 1000),
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
  };
}
