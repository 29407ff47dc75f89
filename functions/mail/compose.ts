import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import type { Person } from "../core";
import type { RenderedMail } from "./render";

export interface OutgoingMail {
  from: Person;
  to: Person[];
  /** Copied (Cc): a ticket's colleagues on client mail (issue 16). */
  cc?: Person[];
  /** The signed reply address (support+T-1042.<sig>@domain): replies find their ticket. */
  replyTo: string;
  rendered: RenderedMail;
  ticketId: string;
  /** Message ids of the thread, oldest first: the last is In-Reply-To, all are References. */
  thread: string[];
  /** Automatic messages say so (RFC 3834); a technician's own reply does not. */
  automatic: boolean;
  /** The outbox effect this mail performs: SES reports it back in its Send event (see effectTag). */
  effectId?: string;
  configurationSetName?: string;
}

/** SES tag values allow only [A-Za-z0-9_.@-]: the ticket and effect ids travel base64url-encoded. */
export function effectTag(ticketId: string, effectId: string): string {
  return Buffer.from(`${ticketId} ${effectId}`, "utf8").toString("base64url");
}

export function parseEffectTag(tag: string): { ticketId: string; effectId: string } | undefined {
  const [ticketId, effectId] = Buffer.from(tag, "base64url").toString("utf8").split(" ");
  return ticketId && effectId && /^T-\d+$/.test(ticketId) ? { ticketId, effectId } : undefined;
}

/**
 * Formats an address for a header: an ASCII display name quoted as RFC 5322 asks, any other as an
 * RFC 2047 encoded word (SES takes only ASCII in address headers).
 */
export function formatAddress(person: Person): string {
  if (!person.name) return person.address;
  const name = person.name.replace(/[\r\n\t]+/g, " ").trim();
  if (!name) return person.address;
  if (/^[ -~]*$/.test(name)) return `"${name.replace(/(["\\])/g, "\\$1")}" <${person.address}>`;
  return `=?UTF-8?B?${Buffer.from(name, "utf8").toString("base64")}?= <${person.address}>`;
}

/** SESv2 takes header values of at most 870 characters. */
const MAX_HEADER_VALUE = 870;

/**
 * References for a reply: the thread's first id and as many of the latest as fit in one header value
 * (RFC 5322 §3.6.4 keeps the first and the most recent when a thread grows long).
 */
export function referencesValue(thread: string[]): string {
  const [first, ...rest] = thread;
  if (!first) return "";
  const latest: string[] = [];
  let length = first.length;
  for (const id of rest.reverse()) {
    if (length + 1 + id.length > MAX_HEADER_VALUE) break;
    latest.unshift(id);
    length += 1 + id.length;
  }
  return [first, ...latest].join(" ");
}

/** The SESv2 SendEmail request: Simple content with HTML and text, threading and loop headers. */
export function composeSendEmail(mail: OutgoingMail): SendEmailCommandInput {
  const headers: { Name: string; Value: string }[] = [{ Name: "X-Aviso-Ticket", Value: mail.ticketId }];
  if (mail.effectId) headers.push({ Name: "X-Aviso-Effect", Value: `${mail.ticketId}/${mail.effectId}` });
  const thread = mail.thread.filter((id) => /^<[!-;=?-~]+>$/.test(id) && id.length <= MAX_HEADER_VALUE);
  if (thread.length > 0) {
    headers.push({ Name: "In-Reply-To", Value: thread.at(-1) as string });
    headers.push({ Name: "References", Value: referencesValue(thread) });
  }
  if (mail.automatic) {
    headers.push({ Name: "Auto-Submitted", Value: "auto-generated" });
    headers.push({ Name: "X-Auto-Response-Suppress", Value: "All" });
  }
  return {
    FromEmailAddress: formatAddress(mail.from),
    Destination: {
      ToAddresses: mail.to.map(formatAddress),
      ...(mail.cc?.length ? { CcAddresses: mail.cc.map(formatAddress) } : {}),
    },
    ReplyToAddresses: [mail.replyTo],
    Content: {
      Simple: {
        Subject: { Data: mail.rendered.subject, Charset: "UTF-8" },
        Body: {
          Html: { Data: mail.rendered.html, Charset: "UTF-8" },
          Text: { Data: mail.rendered.text, Charset: "UTF-8" },
        },
        Headers: headers,
      },
    },
    // The ticket tag comes back on bounce and complaint events, so they find their ticket.
    EmailTags: [
      { Name: "ticket", Value: mail.ticketId },
      ...(mail.effectId ? [{ Name: "effect", Value: effectTag(mail.ticketId, mail.effectId) }] : []),
    ],
    ...(mail.configurationSetName ? { ConfigurationSetName: mail.configurationSetName } : {}),
  };
}
