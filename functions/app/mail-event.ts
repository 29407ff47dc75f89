/** What an inspected mail asks of its ticket, as a ticket event. Pure: no storage, no clock. */
import {
  CLIENT_TEXT_MAX_BYTES,
  type Locale,
  type Person,
  PersonSchema,
  type TicketEventInput,
} from "../core";
import type { Inspection } from "../mail/inspect";
import { replyIntent } from "../mail/intent";
import { clientLocale } from "../mail/language";
import type { InboundMail } from "../mail/parse";
import { capBytes, splitReply } from "../mail/quotes";

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
    const name = person.name === undefined ? undefined : capBytes(person.name.trim(), NAME_MAX_BYTES);
    copied.push({ address, ...(name ? { name } : {}) });
    if (copied.length >= 50) break;
  }
  return copied;
}

/**
 * A client's text kept in an event, by bytes: a DynamoDB item holds at most 400 KB, and the
 * request is in the ticket, its acknowledgement and its new-ticket notice. The raw mail keeps all.
 */
export const MAIL_TEXT_MAX_BYTES = CLIENT_TEXT_MAX_BYTES;

/** What the event schemas allow of a technician's texts (characters, after trimming). */
const TECHNICIAN_LIMITS = { text: 20_000, cause: 10_000, fix: 10_000, escalatedTo: 300, alternatives: 5_000 };
const SUBJECT_MAX_BYTES = 998;
const NAME_MAX_BYTES = 200;
const REASON_MAX_BYTES = 2_000;

export function mailEvent(inspection: Inspection, context: MailEventContext): TicketEventInput {
  const event = eventOfMail(inspection, {
    ...context,
    from: cappedPerson(context.from),
    actor: cappedPerson(context.actor),
  });
  return context.rawRef ? ({ ...event, rawRef: context.rawRef } as TicketEventInput) : event;
}

function eventOfMail(inspection: Inspection, context: MailEventContext): TicketEventInput {
  const { ticketId, eventId: id, messageId, actor } = context;
  const pointed = context.opensTicket && context.pointedAt !== undefined;
  const visible = pointed ? splitReply(inspection.mail?.text ?? "").visible : inspection.visibleText;
  const text = capBytes(visible, MAIL_TEXT_MAX_BYTES);
  const written = inspection.mail?.subject ?? "";
  const subject = capBytes(pointed ? written.replace(SUBJECT_TAGS, " ").trim() : written, SUBJECT_MAX_BYTES);
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
  const commandError = (reason: string): TicketEventInput => ({
    type: "command-error",
    id,
    ticketId,
    actor,
    reason: capBytes(reason, REASON_MAX_BYTES),
    text: capBytes(text, TECHNICIAN_LIMITS.text),
  });
  if (inspection.kind === "technician-reply") {
    const refused = tooLong({ text });
    return refused ? commandError(refused) : { type: "reply", id, ticketId, actor, text };
  }
  const command = inspection.command;
  if (command?.name === "cc" && command.participants && !inspection.commandError)
    return { type: "cc", id, ticketId, actor, ...command.participants };
  if (inspection.commandError || !command) return commandError(inspection.commandError ?? inspection.reason);
  const fields = {
    text: command.text,
    ...(command.escalatedTo ? { escalatedTo: command.escalatedTo } : {}),
    ...(command.cause ? { cause: command.cause } : {}),
    ...(command.name === "resolve" ? { fix: command.fix ?? command.text } : {}),
    ...(command.alternatives ? { alternatives: command.alternatives } : {}),
  };
  const refused = tooLong(fields);
  if (refused) return commandError(refused);
  return {
    type: command.name,
    id,
    ticketId,
    actor,
    ...fields,
    ...(command.eta ? { eta: command.eta } : {}),
  } as TicketEventInput;

  /**
   * A technician's words are never cut short on their way to a client: a text longer than its
   * event allows becomes a command error that tells them so (the raw mail keeps it all).
   */
  function tooLong(values: Partial<Record<keyof typeof TECHNICIAN_LIMITS, string>>) {
    for (const [field, value] of Object.entries(values)) {
      const limit = TECHNICIAN_LIMITS[field as keyof typeof TECHNICIAN_LIMITS];
      const length = value.trim().length;
      if (length > limit)
        return `the ${field} is ${length.toLocaleString("en")} characters long, more than the ${limit.toLocaleString("en")} a message may carry: nothing was applied; send it shorter`;
    }
    return undefined;
  }
}

function cappedPerson(person: Person): Person {
  const name = person.name === undefined ? undefined : capBytes(person.name.trim(), NAME_MAX_BYTES);
  return { address: person.address, ...(name ? { name } : {}) };
}
