import { createHash } from "node:crypto";
import { EventValidationError, type Ticket } from "../../core";
import { replyIntent } from "../../mail/intent";
import { renderMessage } from "../../mail/render";
import { formatInstant } from "../../mail/renderer";
import { REPLY_MARKERS } from "../../mail/reply-marker";
import { applyEvent, type CoreDeps } from "../apply";
import { isSent } from "../effect-result";
import { verifySignedLink } from "../feedback-link";
import type { ApiRequest, ApiResponse } from "../http";
import type { MailLedger, OutboxRepository } from "../ports";
import {
  STATUS_PAGE_HEADERS,
  type StatusMessage,
  statusExpiredPage,
  statusInvalidPage,
  statusPage,
  statusReplyPage,
} from "./status";

export type StatusDeps = CoreDeps & { outbox: OutboxRepository; mail: Pick<MailLedger, "thread"> };

/**
 * Replies the form takes for one ticket in an hour: far above what a person writes, and a leaked link
 * cannot flood the technicians with notices. Past it the page points to the mail, which is still open.
 */
export const STATUS_FORM_REPLIES_PER_HOUR = 10;

/** The longest reply the form takes: a technician's text has the same bound (core/events.ts). */
const REPLY_MAX_CHARS = 20_000;

/**
 * GET|POST /status/{id}?exp=…&sig=… (DESIGN §4, §8): the client's page of one request and its reply
 * form. The signature is checked before anything is read; a tampered link is 403, a ticket that is
 * gone 404, an expired link 403 in the ticket's language.
 */
export async function handleStatusRequest(
  deps: StatusDeps,
  request: ApiRequest,
  ticketId: string,
): Promise<ApiResponse> {
  const method = request.method.toUpperCase();
  const page = (status: number, body: string): ApiResponse => ({
    status,
    headers: STATUS_PAGE_HEADERS,
    body,
  });
  const link = { exp: request.query?.exp ?? "", sig: request.query?.sig ?? "" };
  const verdict = verifySignedLink(ticketId, link, deps.config.tokenSecret, deps.clock.now());
  if (verdict === "invalid") return page(403, statusInvalidPage(deps.config.defaultLocale));
  const ticket = await deps.tickets.load(ticketId);
  if (!ticket) return page(404, statusInvalidPage(deps.config.defaultLocale));
  const locale = ticket.client.locale;
  if (verdict === "expired") return page(403, statusExpiredPage(locale));
  if (method === "POST") return page(...(await reply(deps, ticket, request.body ?? "", link)));
  if (method !== "GET") return page(405, statusInvalidPage(locale));
  const timeZone = ticket.client.calendar.timeZone;
  const plan = ticket.plan;
  return page(
    200,
    statusPage({
      locale,
      ticketId,
      ...(ticket.clientAuthenticated === false ? {} : { subject: ticket.subject }),
      status: ticket.status,
      ...(plan
        ? {
            plan: {
              text: plan.text,
              ...(plan.eta ? { eta: formatInstant(plan.eta, locale, timeZone) } : {}),
              ...(plan.alternatives ? { alternatives: plan.alternatives } : {}),
            },
          }
        : {}),
      messages: (await sentToClient(deps, ticket)).map((m) => ({
        ...m,
        when: formatInstant(m.at, locale, timeZone),
      })),
      link,
      formMark: String(deps.clock.now().getTime()),
    }),
  );
}

/**
 * Every message the client was actually sent (suppressed, failed and pending ones were not), oldest
 * first, as its text part read. Only send-client effects: notes, staff notices and what the tone
 * coach holds are never client messages. The reply-above marker is for mail, not for the page.
 */
async function sentToClient(deps: StatusDeps, ticket: Ticket): Promise<StatusMessage[]> {
  const marker = REPLY_MARKERS[ticket.client.locale];
  const [items, thread] = await Promise.all([deps.outbox.list(ticket.id), deps.mail.thread(ticket.id)]);
  // Mails sent within the same instant are in the order the thread recorded them.
  const place = (item: (typeof items)[number]) =>
    isSent(item.result) ? thread.indexOf(item.result.messageId) : -1;
  return items
    .filter((item) => item.effect.kind === "send-client" && item.status === "done" && isSent(item.result))
    .sort((a, b) => (a.doneAt ?? a.createdAt).localeCompare(b.doneAt ?? b.createdAt) || place(a) - place(b))
    .flatMap((item) => {
      if (item.effect.kind !== "send-client") return [];
      const rendered = renderMessage(item.effect.locale, item.effect.template, item.effect.data, {
        timeZone: ticket.client.calendar.timeZone,
      });
      return [
        {
          at: item.doneAt ?? item.createdAt,
          subject: rendered.subject.replace(`[#${ticket.id}]`, "").trim(),
          text: asOnPage(rendered.text, marker, ticket.id),
        },
      ];
    });
}

/**
 * The form's text enters the thread as the client's reply by mail would, from the ticket's client.
 * Its id is derived from the rendering of the form it came from and the text, so the same form sent
 * twice (a double click, a reload that posts again) is one reply.
 */
async function reply(
  deps: StatusDeps,
  ticket: Ticket,
  body: string,
  link: { exp: string; sig: string },
): Promise<[number, string]> {
  const form = new URLSearchParams(body);
  const text = (form.get("text") ?? "").replace(/\r\n/g, "\n").trim().slice(0, REPLY_MAX_CHARS);
  const locale = ticket.client.locale;
  if (!text) return [400, statusReplyPage(locale, ticket.id, link, "empty")];
  const hourAgo = new Date(deps.clock.now().getTime() - 3_600_000).toISOString();
  const recent = (await deps.tickets.timeline(ticket.id)).filter(
    (entry) =>
      entry.type === "client-reply" &&
      entry.at >= hourAgo &&
      entry.data?.outcome === "applied" &&
      String(entry.data?.eventId ?? "").startsWith("status:"),
  );
  if (recent.length >= STATUS_FORM_REPLIES_PER_HOUR)
    return [429, statusReplyPage(locale, ticket.id, link, "too-many")];
  const mark = /^\d{1,15}$/.test(form.get("mark") ?? "")
    ? (form.get("mark") as string)
    : // No mark (not our form): the minute it arrived.
      String(Math.floor(deps.clock.now().getTime() / 60_000));
  const digest = createHash("sha256").update(`${ticket.id}\n${mark}\n${text}`).digest("base64url");
  try {
    const decision = await applyEvent(deps, {
      type: "client-reply",
      id: `status:${ticket.id}:${digest.slice(0, 32)}`,
      ticketId: ticket.id,
      from: { address: ticket.client.address, ...(ticket.client.name ? { name: ticket.client.name } : {}) },
      text,
      intent: replyIntent(text),
    });
    if (decision.outcome === "rejected") return [409, statusReplyPage(locale, ticket.id, link, "not-taken")];
  } catch (error) {
    if (error instanceof EventValidationError)
      return [400, statusReplyPage(locale, ticket.id, link, "not-taken")];
    throw error;
  }
  return [200, statusReplyPage(locale, ticket.id, link, "received")];
}

/**
 * A mail's text part as the page shows it: without the reply-above marker, the heading line with the
 * code and the footer (the page says both once), and with the text part's wrapped lines joined (a
 * long line followed by one that starts in lower case continues a sentence).
 */
function asOnPage(text: string, marker: string, ticketId: string): string {
  const lines = text.split("\n").filter((line) => line.trim() !== marker);
  while (lines[0]?.trim() === "") lines.shift();
  if (lines[0]?.startsWith(ticketId)) lines.shift();
  const joined: string[] = [];
  for (const line of lines) {
    const previous = joined.at(-1);
    if (previous !== undefined && previous.length >= 60 && /^\p{Ll}/u.test(line))
      joined[joined.length - 1] = `${previous} ${line}`;
    else joined.push(line);
  }
  const paragraphs = joined
    .join("\n")
    .trim()
    .split(/\n{2,}/);
  if (paragraphs.length > 1 && paragraphs.at(-1)?.includes(ticketId)) paragraphs.pop();
  return paragraphs.join("\n\n").trim();
}
