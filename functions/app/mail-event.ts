/** What an inspected mail asks of its ticket, as a ticket event. Pure: no storage, no clock. */
import { type Locale, type Person, PersonSchema, type TicketEventInput } from "../core";
import type { Inspection } from "../mail/inspect";
import { replyIntent } from "../mail/intent";
import { clientLocale } from "../mail/language";
import type { InboundMail } from "../mail/parse";
import { splitReply } from "../mail/quotes";

export interface MailEventContext {
  ticketId: string;
  /** The mail opens the ticket (a new request, or a reply to nothing aviso knows). */
  opensTicket: boolean;
  eventId: string;
  messageId: string;
  /** The sender as a client (their own display name). */
  from: Person;
  /** The sender as an actor: an allow-listed technician's configured name before the display name. */
  actor: Person;
  defaultLocale: Locale;
  /** The addresses a new request copied (see copiedOnMail): they become the ticket's participants. */
  cc?: Person[];
  /**
   * The ticket a non-participant's mail pointed at (DESIGN §7). Their mail opens their own ticket
   * with their own words only: no quoted or forwarded text, no other ticket's tag in its subject.
   */
  pointedAt?: string;
  /** Where the raw mail is kept: the event carries it, so the ticket's timeline points at the mail. */
  rawRef?: string;
}

const SUBJECT_TAGS = /\s*\[#T-\d{1,12}\]\s*/gi;

/**
 * Whom a new request copied: its To and Cc, without the sender, the support address (any of its
 * plus-addresses too) and the technicians.
 */
export function copiedOnMail(
  mail: Pick<InboundMail, "to" | "cc">,
  context: { sender: string; supportAddress: string; technicians: string[] },
): Person[] {
  const support = context.supportAddress.toLowerCase();
  const [supportLocal = "", supportDomain = ""] = support.split("@");
  const excluded = new Set([
    context.sender.toLowerCase(),
    support,
    ...context.technicians.map((t) => t.toLowerCase()),
  ]);
  const seen = new Set<string>();
  const copied: Person[] = [];
  for (const person of [...mail.to, ...mail.cc]) {
    const address = person.address.trim().toLowerCase();
    const [local = "", domain = ""] = address.split("@");
    // The event schema's own check, so one odd Cc address cannot make the request unreadable.
    if (excluded.has(address) || seen.has(address) || !PersonSchema.shape.address.safeParse(address).success)
      continue;
    if (domain === supportDomain && local.startsWith(`${supportLocal}+`)) continue;
    seen.add(address);
    const name = person.name?.trim().slice(0, 200);
    copied.push({ address, ...(name ? { name } : {}) });
    if (copied.length >= 50) break;
  }
  return copied;
}

export function mailEvent(inspection: Inspection, context: MailEventContext): TicketEventInput {
  const event = eventOfMail(inspection, context);
  return context.rawRef ? ({ ...event, rawRef: context.rawRef } as TicketEventInput) : event;
}

function eventOfMail(inspection: Inspection, context: MailEventContext): TicketEventInput {
  const { ticketId, eventId: id, messageId, actor } = context;
  const pointed = context.opensTicket && context.pointedAt !== undefined;
  const text = pointed ? splitReply(inspection.mail?.text ?? "").visible : inspection.visibleText;
  const written = inspection.mail?.subject ?? "";
  const subject = pointed ? written.replace(SUBJECT_TAGS, " ").trim() : written;
  const authenticated =
    inspection.senderAuthenticated === null ? {} : { authenticated: inspection.senderAuthenticated };
  if (context.opensTicket)
    return {
      type: "client-new",
      id,
      ticketId,
      from: context.from,
      subject,
      text,
      locale: clientLocale(`${subject}\n${text}`, context.defaultLocale),
      messageId,
      ...(context.cc && context.cc.length > 0 ? { cc: context.cc } : {}),
      ...authenticated,
    };
  if (inspection.kind === "reply")
    return {
      type: "client-reply",
      id,
      ticketId,
      from: actor,
      text,
      intent: replyIntent(text),
      messageId,
      ...authenticated,
    };
  if (inspection.kind === "technician-reply") return { type: "reply", id, ticketId, actor, text };
  const command = inspection.command;
  if (command?.name === "cc" && command.participants && !inspection.commandError)
    return { type: "cc", id, ticketId, actor, ...command.participants };
  if (inspection.commandError || !command)
    return {
      type: "command-error",
      id,
      ticketId,
      actor,
      reason: inspection.commandError ?? inspection.reason,
      text,
    };
  return {
    type: command.name,
    id,
    ticketId,
    actor,
    text: command.text,
    ...(command.eta ? { eta: command.eta } : {}),
    ...(command.escalatedTo ? { escalatedTo: command.escalatedTo } : {}),
    ...(command.cause ? { cause: command.cause } : {}),
    ...(command.name === "resolve" ? { fix: command.fix ?? command.text } : {}),
    ...(command.alternatives ? { alternatives: command.alternatives } : {}),
  } as TicketEventInput;
}
