import { createHmac, timingSafeEqual } from "node:crypto";
import { FEEDBACK_LINK_LIFETIME_DAYS } from "./limits";

/**
 * Signed links to a ticket's public pages (the feedback form; the status page uses the same signer).
 * `?exp=<epoch seconds>&sig=<HMAC>`: the signature covers the ticket id and the expiry, so neither can
 * be changed, and the link stops working at its expiry. A link without `exp` (the static links of
 * before issue 14) is refused: such a link never expired, so accepting it would keep every link ever
 * mailed, forwarded or leaked valid for ever; the client can still reply to the mail.
 */
export type LinkVerdict = "valid" | "expired" | "invalid";

/** The query of a signed link. */
export interface SignedLinkQuery {
  exp?: string | undefined;
  sig?: string | undefined;
}

const SIGNATURE_CHARS = 22; // 128 bits of HMAC-SHA256 in base64url

function signature(ticketId: string, exp: string, secret: string): string {
  return createHmac("sha256", secret)
    .update(`aviso-link:${ticketId}:${exp}`)
    .digest("base64url")
    .slice(0, SIGNATURE_CHARS);
}

/** `base/ticketId?exp=…&sig=…`, valid until `expiresAt` (whole seconds). */
export function signedLink(base: string, ticketId: string, secret: string, expiresAt: Date): string {
  const exp = String(Math.floor(expiresAt.getTime() / 1000));
  return `${base.replace(/\/+$/, "")}/${ticketId}?exp=${exp}&sig=${signature(ticketId, exp, secret)}`;
}

/**
 * Whether a link's query was signed for this ticket and is still within its expiry. The signature is
 * compared in constant time; "expired" is only said of a genuine link (the page can then tell its
 * client in their language), anything else is "invalid".
 */
export function verifySignedLink(
  ticketId: string,
  query: SignedLinkQuery | undefined,
  secret: string,
  now: Date,
): LinkVerdict {
  return verifyExpiringSignature(query, now, (exp) => signature(ticketId, exp, secret));
}

/** Any signed, expiring link's query against the signature `sign` makes of its expiry. */
export function verifyExpiringSignature(
  query: SignedLinkQuery | undefined,
  now: Date,
  sign: (exp: string) => string,
): LinkVerdict {
  const exp = query?.exp;
  const sig = query?.sig;
  if (typeof exp !== "string" || !/^\d{1,12}$/.test(exp) || typeof sig !== "string") return "invalid";
  const expected = Buffer.from(sign(exp));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "invalid";
  return now.getTime() >= Number(exp) * 1000 ? "expired" : "valid";
}

/**
 * The feedback link a mail carries: valid FEEDBACK_LINK_LIFETIME_DAYS from when the mail is sent
 * (the resolution or closure mail that asks for a rating).
 */
export function feedbackLink(base: string, ticketId: string, secret: string, sentAt: Date): string {
  return signedLink(base, ticketId, secret, feedbackLinkExpiry(sentAt));
}

export function feedbackLinkExpiry(sentAt: Date): Date {
  return new Date(sentAt.getTime() + FEEDBACK_LINK_LIFETIME_DAYS * 86_400_000);
}

/**
 * Days a status page link works, counted from the mail that carries it. Every client mail carries a
 * fresh one, so while a ticket is alive the newest link in the client's inbox is at most a business
 * day old; ninety days (longer than the feedback link's sixty) let a client look back at a closed
 * request for a quarter, and still bound how long a forwarded or leaked link shows the thread.
 */
export const STATUS_LINK_LIFETIME_DAYS = 90;

/** The status page link a client mail carries: valid STATUS_LINK_LIFETIME_DAYS from when it is sent. */
export function statusLink(base: string, ticketId: string, secret: string, sentAt: Date): string {
  return signedLink(
    base,
    ticketId,
    secret,
    new Date(sentAt.getTime() + STATUS_LINK_LIFETIME_DAYS * 86_400_000),
  );
}

/**
 * The public base URL of the status pages: the configured one, else the feedback links' with its last
 * segment /status (both are routes of the same API, on AWS and locally).
 */
export function statusBaseUrl(config: { statusUrl?: string | undefined; feedbackUrl: string }): string {
  if (config.statusUrl) return config.statusUrl;
  const feedback = config.feedbackUrl.replace(/\/+$/, "");
  return /\/feedback$/.test(feedback)
    ? feedback.replace(/\/feedback$/, "/status")
    : new URL("/status", feedback).href;
}
