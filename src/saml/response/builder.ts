import type { SigningKey } from '../keys.ts';
import type { SamlStatus } from '../../errors.ts';

export interface AssertionAttribute {
  name: string;
  nameFormat: string;
  values: string[];
}

/** Content of a login Response. The builder adds IDs, times and signatures. */
export interface LoginResponseInput {
  issuer: string;
  /** The ACS URL the Response is posted to: Destination and Recipient. */
  destination: string;
  /** The SP entity ID: the Audience. */
  audience: string;
  /** ID of the AuthnRequest; absent for IdP-initiated SSO, and then no attribute is written. */
  inResponseTo?: string;
  nameId: string;
  nameIdFormat: string;
  sessionIndex: string;
  authnInstant: Date;
  now: Date;
  /** How far NotBefore lies before `now`, for SPs whose clocks run behind. */
  clockSkewSeconds: number;
  /** How long the assertion is valid after `now`. */
  ttlSeconds: number;
  attributes: AssertionAttribute[];
  signResponse: boolean;
  signAssertion: boolean;
}

export interface StatusResponseInput {
  issuer: string;
  destination: string;
  inResponseTo?: string;
  status: SamlStatus;
  message?: string;
  now: Date;
}

/**
 * Builds signed SAML Responses. Kept behind this interface so the implementation can be swapped
 * (for speed, or for a library) without touching the SSO flows.
 */
export interface ResponseBuilder {
  buildLoginResponse(input: LoginResponseInput): string;
  buildStatusResponse(input: StatusResponseInput): string;
}

export type ResponseBuilderFactory = (key: SigningKey) => ResponseBuilder;
