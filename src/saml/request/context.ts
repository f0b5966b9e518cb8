import type { AcsEndpoint, Application } from '../../applications/service.ts';
import type { AuthnRequest } from './parse.ts';
import type { RedirectQuery } from './redirect-query.ts';

/** Remembers AuthnRequest IDs until they expire, to reject replays. */
export interface ReplayStore {
  /** Records `requestId`; returns false if it was already recorded and has not expired. */
  remember(applicationId: string, requestId: string, expiresAt: Date): Promise<boolean>;
}

export interface IntakeSettings {
  clockSkewSeconds: number;
  maxAgeSeconds: number;
}

/** The state that the intake steps read, and the ACS endpoint that the ACS step chooses. */
export interface IntakeContext {
  application: Application;
  request: AuthnRequest;
  binding: 'redirect' | 'post';
  /** The signature parameters of an HTTP-Redirect request, with the octets they cover. */
  redirectSignature?: RedirectQuery['signature'];
  /** This application's SSO URL, which a Destination must equal. */
  ssoUrl: string;
  now: Date;
  settings: IntakeSettings;
  replayStore: ReplayStore;
  acs?: AcsEndpoint;
  signed: boolean;
}

export type IntakeStep = (context: IntakeContext) => void | Promise<void>;
