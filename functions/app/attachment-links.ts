import { createHmac } from "node:crypto";
import { type LinkVerdict, type SignedLinkQuery, verifyExpiringSignature } from "./feedback-link";

/**
 * Days a technicians' link to a kept attachment works, from when the notice is sent. A week covers a
 * ticket's usual life and a weekend; a technician who needs it later finds the file in the raw mail
 * (or asks for a fresh notice). Every notice carries freshly signed links.
 */
export const ATTACHMENT_LINK_LIFETIME_DAYS = 7;

const SIGNATURE_CHARS = 22; // 128 bits of HMAC-SHA256 in base64url

function signature(ticketId: string, sha256: string, exp: string, secret: string): string {
  return createHmac("sha256", secret)
    .update(`aviso-attachment:${ticketId}:${sha256}:${exp}`)
    .digest("base64url")
    .slice(0, SIGNATURE_CHARS);
}

/** `base/ticketId/sha256?exp=…&sig=…`: the signature covers the ticket, the file's hash and the expiry. */
export function attachmentLink(
  base: string,
  ticketId: string,
  sha256: string,
  secret: string,
  expiresAt: Date,
): string {
  const exp = String(Math.floor(expiresAt.getTime() / 1000));
  const path = `${encodeURIComponent(ticketId)}/${sha256}`;
  return `${base.replace(/\/+$/, "")}/${path}?exp=${exp}&sig=${signature(ticketId, sha256, exp, secret)}`;
}

/** Whether an attachment link was signed for this ticket and file and is within its expiry (constant-time). */
export function verifyAttachmentLink(
  ticketId: string,
  sha256: string,
  query: SignedLinkQuery | undefined,
  secret: string,
  now: Date,
): LinkVerdict {
  return verifyExpiringSignature(query, now, (exp) => signature(ticketId, sha256, exp, secret));
}

/**
 * The public base URL of attachment links: the feedback links' with its last segment /attachments
 * (routes of the same API, on AWS and locally).
 */
export function attachmentBaseUrl(config: { feedbackUrl: string }): string {
  const feedback = config.feedbackUrl.replace(/\/+$/, "");
  return /\/feedback$/.test(feedback)
    ? feedback.replace(/\/feedback$/, "/attachments")
    : new URL("/attachments", feedback).href;
}
