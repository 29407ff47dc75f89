/**
 * What the policy does with the tone coach's verdict (issue 17, DESIGN §6): a technician's
 * client-bound text that the coach flags is held on the ticket instead of applied. Held, a command
 * changes nothing the client could know of: no message, no new state, no timer moved, so the
 * no-silence clock keeps running and the daily update still goes. #send applies it as written.
 */
import { calendarFor } from "./calendar";
import { coachText } from "./coach";
import { WHY } from "./coach-rules";
import type { Locale, Person, TicketEvent } from "./events";
import {
  COACHED_EVENT_TYPES,
  type CoachedEvent,
  type CoachNote,
  type HeldMessage,
  type MessageData,
  type PolicySettings,
  type Ticket,
  type TicketStatus,
} from "./model";
import { etaInstant, iso } from "./schedule";

const coached: ReadonlySet<string> = new Set(COACHED_EVENT_TYPES);

export function isCoached(event: TicketEvent): event is CoachedEvent {
  return coached.has(event.type);
}

/** Whether the command applies in this state: one that would be refused is refused, not coached. */
export function wouldApply(event: CoachedEvent, status: TicketStatus): boolean {
  return event.type === "update" || event.type === "reply" ? status !== "closed" : status === "open";
}

/** The words of a command that reach the client. */
export function clientWords(event: CoachedEvent): string {
  switch (event.type) {
    case "plan":
    case "change":
      return [event.text, event.alternatives].filter(Boolean).join("\n\n");
    case "resolve":
      return [event.cause, event.fix ?? event.text].filter(Boolean).join("\n\n");
    default:
      return event.text;
  }
}

/**
 * The coach's notes on a command, in the client's language; `why` in the technicians' language.
 * A date equal to the command's ETA (or, without one, the forecast the ticket already has) is real.
 */
export function coachNotes(
  ticket: Ticket,
  event: CoachedEvent,
  now: number,
  staffLocale: Locale,
): CoachNote[] {
  const calendar = calendarFor(ticket.client.calendar);
  const given = "eta" in event && event.eta ? etaInstant(calendar, event.eta) : undefined;
  const eta = given ?? ticket.plan?.eta;
  const flags = coachText(clientWords(event), ticket.client.locale, {
    ...(eta ? { eta } : {}),
    today: calendar.localDate(now),
  });
  return flags.map((flag) => ({
    phrase: flag.phrase,
    rule: flag.rule,
    why: WHY[staffLocale][flag.rule],
    suggestion: flag.suggestion,
  }));
}

/** Keeps a held message: it replaces the one held for the same command, if any. Returns whether it did. */
export function holdMessage(ticket: Ticket, message: HeldMessage): boolean {
  const others = (ticket.held ?? []).filter((h) => h.event.type !== message.event.type);
  const replaced = others.length !== (ticket.held ?? []).length;
  ticket.held = [...others, message];
  return replaced;
}

/** A command of this type applied: the one held for it is superseded. */
export function dropHeld(ticket: Ticket, type: CoachedEvent["type"]): void {
  if (!ticket.held?.some((h) => h.event.type === type)) return;
  const rest = ticket.held.filter((h) => h.event.type !== type);
  if (rest.length > 0) ticket.held = rest;
  else delete ticket.held;
}

/** #send: every held message, in the order written; the ticket holds none after. */
export function takeHeld(ticket: Ticket): HeldMessage[] {
  const held = ticket.held ?? [];
  delete ticket.held;
  return held;
}

const COMMAND_WORDS: Record<Locale, Partial<Record<CoachedEvent["type"], string>>> = {
  es: {
    diagnosis: "#diagnostico",
    plan: "#plan",
    change: "#cambio",
    update: "#avance",
    escalate: "#escalado",
    resolve: "#resuelto",
  },
  en: {
    diagnosis: "#diagnosis",
    plan: "#plan",
    change: "#change",
    update: "#update",
    escalate: "#escalate",
    resolve: "#resolve",
  },
};

/** The command as a technician of that language writes it; a personal reply has none. */
export function commandWord(type: CoachedEvent["type"], locale: Locale): string | undefined {
  return COMMAND_WORDS[locale][type];
}

/** What of the policy's turn the coach uses. */
export interface CoachedTurn {
  readonly ticket: Ticket;
  readonly now: number;
  readonly settings: PolicySettings;
  notify(audience: "technician", template: "coach", data: Partial<MessageData>, to?: Person): void;
}

/**
 * Coaches a client-bound command the ticket would apply (any other event passes untouched).
 * Flagged: it is held (replacing the one held for the same command), its technician gets one mail
 * naming each phrase, and the timeline's reason is returned. Not flagged, or released by #send: the
 * one held for that command is superseded.
 */
export function holdIfFlagged(turn: CoachedTurn, event: TicketEvent, released: boolean): string | undefined {
  const { ticket, settings } = turn;
  if (!isCoached(event) || !wouldApply(event, ticket.status)) return undefined;
  const flags =
    settings.coach && !released ? coachNotes(ticket, event, turn.now, settings.defaultLocale) : [];
  if (flags.length === 0) {
    dropHeld(ticket, event.type);
    return undefined;
  }
  const replaced = holdMessage(ticket, { event, flags, at: iso(turn.now) });
  const command = commandWord(event.type, settings.defaultLocale);
  turn.notify(
    "technician",
    "coach",
    { text: clientWords(event), coach: flags, replaced, ...(command ? { command } : {}) },
    event.actor,
  );
  return `held by the tone coach: ${flags.map((f) => `"${f.phrase}"`).join(", ")}`;
}
