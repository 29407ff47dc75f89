import { createHmac, timingSafeEqual } from "node:crypto";

const TICKET_ID = /^T-\d{1,12}$/;
const TOKEN_LENGTH = 12;
const SUBJECT_TAG = /\[#(T-\d{1,12})\]/i;

/** The signature that makes a reply address unguessable: support+T-1042.<sig>@domain. */
export function ticketSignature(ticketId: string, secret: string): string {
  return createHmac("sha256", secret)
    .update(`aviso-ticket:${ticketId}`)
    .digest("base64url")
    .slice(0, TOKEN_LENGTH)
    .toLowerCase();
}

export function replyAddress(supportAddress: string, ticketId: string, secret: string): string {
  const [local, domain] = splitAddress(supportAddress);
  return `${local}+${ticketId}.${ticketSignature(ticketId, secret)}@${domain}`;
}

export type TokenCheck = { ticketId: string; valid: true } | { ticketId: string; valid: false } | undefined;

/** Finds a ticket token in a recipient address of the support mailbox and checks its signature. */
export function readToken(recipient: string, supportAddress: string, secret: string): TokenCheck {
  const [supportLocal, supportDomain] = splitAddress(supportAddress.toLowerCase());
  const [local, domain] = splitAddress(recipient.toLowerCase());
  if (domain !== supportDomain || !local.startsWith(`${supportLocal}+`)) return undefined;
  const token = local.slice(supportLocal.length + 1);
  const dot = token.lastIndexOf(".");
  if (dot < 0) return undefined;
  const ticketId = token.slice(0, dot).toUpperCase();
  if (!TICKET_ID.test(ticketId)) return undefined;
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(ticketSignature(ticketId, secret));
  const valid = given.length === expected.length && timingSafeEqual(given, expected);
  return { ticketId, valid };
}

export function subjectTag(subject: string): string | undefined {
  return SUBJECT_TAG.exec(subject)?.[1]?.toUpperCase();
}

function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf("@");
  return at < 0 ? [address, ""] : [address.slice(0, at), address.slice(at + 1)];
}
