/** What an inspected mail asks of its ticket, as a ticket event. Pure: no storage, no clock. */
import type { Locale, Person, TicketEventInput } from "../core";
import type { Inspection } from "../mail/inspect";
import { replyIntent } from "../mail/intent";
import { clientLocale } from "../mail/language";

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
}

export function mailEvent(inspection: Inspection, context: MailEventContext): TicketEventInput {
  const { ticketId, eventId: id, messageId, actor } = context;
  const text = inspection.visibleText;
  const subject = inspection.mail?.subject ?? "";
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
    };
  if (inspection.kind === "reply")
    return { type: "client-reply", id, ticketId, from: actor, text, intent: replyIntent(text), messageId };
  if (inspection.kind === "technician-reply") return { type: "reply", id, ticketId, actor, text };
  const command = inspection.command;
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
