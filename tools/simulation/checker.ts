import { DateTime } from "luxon";
import {
  type BusinessCalendar,
  calendarFor,
  type Effect,
  type Locale,
  type PolicySettings,
  type TicketEventInput,
} from "../../functions/core";
import { coachText } from "../../functions/core/coach";
import type { TicketRun } from "./engine";

/**
 * The rules of DESIGN §1, checked from the outside: what was delivered and what the outbox
 * performed, against the spec and the client's calendar — not against the policy's own state.
 */
export const RULES = [
  "acknowledgement",
  "understanding",
  "diagnosis",
  "end-of-day",
  "plan",
  "plan-change",
  "daily-update",
  "technician-reminder",
  "escalation",
  "resolution",
  "closure",
  "reopen",
  "feedback",
  "no-silent-business-day",
  "no-invented-dates",
  "client-language",
  "exactly-once",
  "tone-coach",
] as const;
export type Rule = (typeof RULES)[number];

export interface TicketVerdict {
  ticketId: string;
  profile: string;
  /** Rules that applied to this ticket, and whether each held. */
  rules: Partial<Record<Rule, boolean>>;
  /** Why a rule failed, for the first failures. */
  failures: string[];
  maxSilenceBusinessHours: number;
  clientMessages: number;
  duplicates: number;
  hoursPerDay: number;
}

type SendEffect = Extract<Effect, { kind: "send-client" }>;
interface Message {
  at: number;
  /** Order among messages and recorded progress (a #send releases several events in one delivery). */
  pos: number;
  effect: SendEffect;
  statusAfter: Status;
}
type Status = "open" | "resolved" | "closed";

export function checkTicket(run: TicketRun, settings: PolicySettings): TicketVerdict {
  const opening = run.script.events[0]?.event as Extract<TicketEventInput, { type: "client-new" }>;
  const calendar = calendarFor(opening.calendar ?? settings.defaultCalendar);
  const verdict: TicketVerdict = {
    ticketId: run.script.ticketId,
    profile: run.script.profile,
    rules: {},
    failures: [],
    maxSilenceBusinessHours: 0,
    clientMessages: 0,
    duplicates: run.duplicateEffects.length,
    hoursPerDay: calendar.hoursPerDay,
  };
  const hold = (rule: Rule, held: boolean, why: string) => {
    verdict.rules[rule] = (verdict.rules[rule] ?? true) && held;
    if (!held && verdict.failures.length < 5) verdict.failures.push(`${rule}: ${why}`);
  };

  const clientLocale = opening.locale ?? settings.defaultLocale;
  const messages: Message[] = [];
  const enteredEtas = new Set<number>();
  /** Progress that reached the ticket (updates applied or released), in order with the messages. */
  const progress: { pos: number; text: string }[] = [];
  /** What the coach holds, by event type, in the order written (a replacement moves to the end). */
  const held = new Map<string, CoachedInput>();
  let pos = 0;
  // Set inside apply() too: declared wide so the compiler does not narrow it to its first value.
  let status = "open" as Status;
  let openedAt = 0;
  let resolvedAt: number | undefined;
  let previousEta: number | undefined;
  let feedback: { rating: number; comment?: string | undefined; idea?: string | undefined } | undefined;
  const seen = new Set<string>();

  for (const [seq, delivery] of run.delivered.entries()) {
    const event = delivery.event;
    const id = String(event.id);
    const effects = delivery.decision.effects;
    if (seen.has(id)) {
      hold("exactly-once", effects.length === 0, `redelivered ${id} produced ${effects.length} effects`);
      continue;
    }
    seen.add(id);
    const at = delivery.at;
    const sends = effects.filter((e): e is SendEffect => e.kind === "send-client");
    const notices = (template: string) =>
      effects.filter((e) => e.kind === "notify" && e.template === template).length;
    const record = (sendsOfEvent: SendEffect[]) => {
      for (const effect of sendsOfEvent) messages.push({ at, pos: pos++, effect, statusAfter: status });
    };

    if (event.type === "send-held") {
      // #send: the held commands apply now, in the order written, each exactly as its command would.
      const released = [...held.values()];
      held.clear();
      hold("tone-coach", released.length > 0 || notices("command-error") === 1, "#send with nothing held");
      const left = new Set(sends);
      for (const command of released) {
        const own = sends.filter((e) => left.has(e) && RELEASED_AS[command.type] === e.template);
        for (const effect of own) left.delete(effect);
        const wasOpen = status === "open";
        apply(command, own);
        const applies = command.type === "update" || command.type === "reply" ? status !== "closed" : wasOpen;
        if (applies && command.type !== "update") {
          const written = command.type === "resolve" ? (command.fix ?? command.text) : command.text;
          const shown = own[0]?.data.fix ?? own[0]?.data.diagnosis ?? own[0]?.data.text;
          hold(
            "tone-coach",
            own.length === 1 && shown === written,
            `held ${command.type} not sent as written`,
          );
        }
        record(own);
      }
      hold("tone-coach", left.size === 0, "#send sent a message nobody held");
      continue;
    }
    if (isCoachedInput(event)) {
      const applies =
        event.type === "update" || event.type === "reply" ? status !== "closed" : status === "open";
      const flagged =
        applies && settings.coach && coachFlags(event, clientLocale, calendar, at, previousEta).length > 0;
      const told = effects.filter(
        (e) => e.kind === "notify" && e.template === "coach" && e.to?.address === actorAddress(event.actor),
      ).length;
      hold(
        "tone-coach",
        told === (flagged ? 1 : 0),
        `${event.type} ${flagged ? "not held" : "held"} (${told} coach mails)`,
      );
      if (applies) held.delete(event.type);
      if (flagged) {
        hold("tone-coach", sends.length === 0, `held ${event.type} reached the client`);
        held.set(event.type, event);
        continue;
      }
    }
    apply(event, sends);
    record(sends);

    /** The rules of one event applied now, with the client messages it produced. */
    function apply(event: TicketEventInput, sends: SendEffect[]) {
      const sent = (template: string) => sends.filter((e) => e.template === template);
      const wasOpen = status === "open";
      switch (event.type) {
        case "client-new":
          if (seq > 0) break;
          openedAt = at;
          hold("acknowledgement", sent("acknowledgement").length === 1, "no acknowledgement at once");
          hold("acknowledgement", notices("new-ticket") === 1, "technicians not told of the new ticket");
          break;
        case "summary":
          if (wasOpen)
            hold("understanding", sent("understanding").length === 1, "summary without restatement");
          break;
        case "diagnosis":
          if (wasOpen) hold("diagnosis", sent("diagnosis").length === 1, "diagnosis not sent exactly once");
          break;
        case "plan":
        case "change": {
          if (!wasOpen) break;
          const given = event.eta ? etaMillis(event.eta, calendar) : undefined;
          if (given !== undefined) enteredEtas.add(given);
          const rule = event.type === "plan" ? "plan" : "plan-change";
          const template = event.type === "plan" ? "plan" : "plan-change";
          const message = sent(template);
          hold(rule, message.length === 1, `${event.type} not sent exactly once`);
          const shown = message[0]?.data.eta ? Date.parse(message[0].data.eta) : undefined;
          const expected = event.type === "change" && given === undefined ? previousEta : given;
          hold(rule, shown === expected, `ETA shown ${shown} but entered ${expected}`);
          if (event.type === "change") {
            hold(
              rule,
              message[0]?.data.forecastMoved === (expected !== previousEta),
              "forecast move not stated",
            );
          }
          previousEta = expected;
          break;
        }
        case "update":
          if (status !== "closed") progress.push({ pos: pos++, text: event.text.trim() });
          break;
        case "escalate":
          if (!wasOpen) break;
          hold("escalation", sent("escalation").length === 1, "escalation not told exactly once");
          hold("escalation", effects.filter((e) => e.kind === "call-task").length === 1, "no call task");
          hold("escalation", notices("escalation-copy") === 1, "account manager not copied");
          break;
        case "resolve": {
          if (!wasOpen) break;
          hold("resolution", sent("resolution").length === 1, "resolution not sent exactly once");
          const long = calendar.businessHoursBetween(openedAt, at) > calendar.hoursPerDay;
          const calls = effects.filter((e) => e.kind === "call-task").length;
          hold(
            "resolution",
            calls === (long ? 1 : 0),
            `call task ${calls} for a ${long ? "long" : "short"} ticket`,
          );
          status = "resolved";
          resolvedAt = at;
          break;
        }
        case "confirm":
        case "reopen":
        case "client-reply": {
          const intent =
            event.type === "client-reply"
              ? event.intent
              : event.type === "confirm"
                ? "confirm"
                : "still-broken";
          if (status === "resolved" && intent === "confirm") {
            hold("closure", sent("closure").length === 1, "confirmation not answered with a closure");
            status = "closed";
          } else if (status !== "open" && intent === "still-broken") {
            hold("reopen", sent("reopened").length === 1, "still-broken not answered");
            hold("reopen", notices("ticket-reopened") === 1, "technicians not alerted of the reopening");
            status = "open";
            resolvedAt = undefined;
          }
          break;
        }
        case "feedback": {
          // One feedback per ticket (issue 14): a later one replaces it, unthanked; the lead hears of
          // a low rating when the ticket's rating first falls to it; an identical one changes nothing.
          const text = (value?: string) => value?.trim() || undefined;
          const given = { rating: event.rating, comment: text(event.comment), idea: text(event.idea) };
          const unchanged =
            feedback?.rating === given.rating &&
            feedback.comment === given.comment &&
            feedback.idea === given.idea;
          hold(
            "feedback",
            sent("feedback-thanks").length === (feedback ? 0 : 1),
            feedback ? "feedback thanked twice" : "no thanks for feedback",
          );
          hold(
            "feedback",
            effects.some((e) => e.kind === "record-feedback") === !unchanged,
            unchanged ? "unchanged feedback recorded again" : "feedback not recorded",
          );
          const low = (rating: number) => rating <= settings.lowRatingThreshold;
          const alert = low(given.rating) && !(feedback && low(feedback.rating));
          hold("feedback", notices("low-rating") === (alert ? 1 : 0), "support lead alert wrong");
          feedback = given;
          break;
        }
        case "timer":
          if (event.name === "confirm-timeout" && status === "resolved" && resolvedAt !== undefined) {
            const due = calendar.addBusinessDays(resolvedAt, settings.confirmationBusinessDays);
            if (Date.parse(event.dueAt) === due) {
              hold("closure", at >= due && sent("closure").length === 1, "closure on time-out missing");
              status = "closed";
            } else {
              hold("closure", sent("closure").length === 0, "a stale time-out closed the ticket");
            }
          }
          break;
      }
    }
  }
  verdict.clientMessages = messages.length;
  hold(
    "exactly-once",
    run.duplicateEffects.length === 0,
    `${run.duplicateEffects.length} effects performed twice`,
  );

  if (status === "resolved" && resolvedAt !== undefined) {
    const due = calendar.addBusinessDays(resolvedAt, settings.confirmationBusinessDays);
    hold("closure", due > run.horizon, "resolved ticket never closed after the confirmation time-out");
  }

  checkEndOfDay(calendar, settings, openedAt, messages, run.horizon, hold);
  checkSilenceAndUpdates(calendar, settings, run, messages, progress, verdict, hold);

  for (const { effect } of messages) {
    hold(
      "client-language",
      effect.locale === clientLocale,
      `message in ${effect.locale}, client speaks ${clientLocale}`,
    );
    for (const date of datesIn(effect.data)) {
      hold(
        "no-invented-dates",
        enteredEtas.has(date),
        `${effect.template} states ${new Date(date).toISOString()}`,
      );
    }
    hold("no-invented-dates", effect.data.dueAt === undefined, `${effect.template} carries a due time`);
  }
  return verdict;
}

function checkEndOfDay(
  calendar: BusinessCalendar,
  settings: PolicySettings,
  openedAt: number,
  messages: { at: number; effect: SendEffect }[],
  horizon: number,
  hold: (rule: Rule, held: boolean, why: string) => void,
) {
  const lead = settings.endOfDayLeadMinutes * 60_000;
  let day = calendar.currentOrNextBusinessDay(openedAt);
  if (day.closesAt - lead - Math.max(openedAt, day.opensAt) < settings.endOfDayMinimumMinutes * 60_000) {
    day = calendar.nextBusinessDayAfter(day.date);
  }
  const noticeBy = day.closesAt - lead;
  if (noticeBy > horizon) return;
  const settled = messages.some(
    (m) => m.at <= noticeBy && (m.effect.template === "diagnosis" || m.effect.template === "resolution"),
  );
  const notices = messages.filter((m) => m.effect.template === "end-of-day");
  if (settled) {
    hold("end-of-day", notices.length === 0, "end-of-day notice after a diagnosis");
  } else {
    const inTime = notices.filter((m) => m.at >= day.opensAt && m.at < day.closesAt);
    hold("end-of-day", notices.length === 1 && inTime.length === 1, `no notice before ${day.date} ended`);
  }
}

function checkSilenceAndUpdates(
  calendar: BusinessCalendar,
  settings: PolicySettings,
  run: TicketRun,
  messages: Message[],
  progress: { pos: number; text: string }[],
  verdict: TicketVerdict,
  hold: (rule: Rule, held: boolean, why: string) => void,
) {
  const reminders = run.effects.filter((e) => e.effect.kind === "notify" && e.effect.template === "reminder");
  for (let i = 0; i < messages.length; i++) {
    const current = messages[i];
    if (current?.statusAfter !== "open") continue;
    const next = messages[i + 1];
    const until = next ? next.at : run.horizon;
    const gap = calendar.businessHoursBetween(current.at, until);
    verdict.maxSilenceBusinessHours = Math.max(verdict.maxSilenceBusinessHours, gap);
    hold(
      "no-silent-business-day",
      gap <= calendar.hoursPerDay + 1e-9,
      `${gap.toFixed(2)} business hours of silence`,
    );
    if (!next) continue;
    const recorded = progress.filter((p) => p.pos > current.pos && p.pos < next.pos).map((p) => p.text);
    if (next.effect.template === "daily-update") {
      hold(
        "daily-update",
        recorded.length > 0 && sameItems(next.effect.data.progress ?? [], recorded),
        "digest does not match recorded progress",
      );
    }
    if (next.effect.template === "still-on-it") {
      hold("daily-update", recorded.length === 0, "still-on-it although progress was recorded");
      const remindAt = calendar.subtractBusinessHours(next.at, settings.reminderLeadHours);
      if (remindAt > current.at) {
        const reminded = reminders.some((r) => r.at >= current.at && r.at < next.at);
        hold("technician-reminder", reminded, "technician not reminded before an empty update");
      }
    }
  }
}

function sameItems(a: string[], b: string[]) {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function etaMillis(eta: string, calendar: BusinessCalendar): number {
  return /([+-]\d{2}:?\d{2}|Z)$/.test(eta)
    ? Date.parse(eta)
    : DateTime.fromISO(eta.replace(" ", "T"), { zone: calendar.timeZone }).toMillis();
}

/** Every instant a message's data states, wherever it sits. */
function datesIn(data: object): number[] {
  const found: number[] = [];
  for (const value of Object.values(data)) {
    if (typeof value === "string") {
      for (const match of value.matchAll(
        /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)/g,
      )) {
        found.push(Date.parse(match[0]));
      }
    }
  }
  return found;
}

type CoachedInput = Extract<
  TicketEventInput,
  { type: "diagnosis" | "plan" | "change" | "update" | "escalate" | "resolve" | "reply" }
>;

/** The client message each held command becomes when #send releases it (an update: the next digest). */
const RELEASED_AS: Record<CoachedInput["type"], string | undefined> = {
  diagnosis: "diagnosis",
  plan: "plan",
  change: "plan-change",
  update: undefined,
  escalate: "escalation",
  resolve: "resolution",
  reply: "personal-reply",
};

function isCoachedInput(event: TicketEventInput): event is CoachedInput {
  return event.type in RELEASED_AS;
}

/**
 * Whether the coach flags what the command would tell the client (its text, a plan's alternatives, a
 * resolution's cause and fix), a date equal to the ETA entered (or the forecast already given) aside.
 */
function coachFlags(
  event: CoachedInput,
  clientLocale: Locale,
  calendar: BusinessCalendar,
  at: number,
  forecast: number | undefined,
) {
  const words =
    event.type === "resolve"
      ? [event.cause, event.fix ?? event.text]
      : event.type === "plan" || event.type === "change"
        ? [event.text, event.alternatives]
        : [event.text];
  const eta = "eta" in event && event.eta ? etaMillis(event.eta, calendar) : forecast;
  return coachText(words.filter(Boolean).join("\n\n"), clientLocale, {
    ...(eta !== undefined ? { eta: calendar.toLocalISO(eta) } : {}),
    today: calendar.localDate(at),
  });
}

/** A technician event's actor, as scripts write it (an address, or a person). */
function actorAddress(actor: unknown): string | undefined {
  if (typeof actor === "string") return actor;
  return actor && typeof actor === "object" && "address" in actor ? String(actor.address) : undefined;
}
