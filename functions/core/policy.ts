import { type BusinessCalendar, calendarFor } from "./calendar";
import { isTechnicianEvent, type Person, type TicketEvent, type TimerName } from "./events";
import { holdIfFlagged, takeHeld } from "./held";
import { attachmentData, clientWroteNotice, newTicketNotice } from "./message-data";
import {
  type ClientTemplate,
  copiedAddresses,
  type Effect,
  type MessageData,
  type PolicySettings,
  type StaffTemplate,
  type Ticket,
} from "./model";
import { endOfDayNoticeDay, etaInstant, type Instant, iso, nextUpdateDue, toMillis } from "./schedule";

export interface Decision {
  /** The new ticket (the same object when nothing changed; undefined when no ticket exists). */
  ticket?: Ticket;
  effects: Effect[];
  outcome: "applied" | "duplicate" | "stale" | "rejected";
  reason?: string;
  /** What the event's timeline entry keeps besides its outcome: where its raw mail is (forgetting erases it). */
  timelineData?: { rawRef: string };
}

/**
 * The communication policy of DESIGN §1: given a ticket, an event and the time, what changes and
 * what the world must be told. Pure: no I/O, no clock; never throws on a valid event.
 */
export function decide(
  ticket: Ticket | undefined,
  event: TicketEvent,
  now: Instant,
  settings: PolicySettings,
): Decision {
  const decision = decideEvent(ticket, event, now, settings);
  // Whatever became of a mail, its timeline entry says where the mail is kept.
  const rawRef = "rawRef" in event ? event.rawRef : undefined;
  return rawRef ? { ...decision, timelineData: { rawRef } } : decision;
}

function decideEvent(
  ticket: Ticket | undefined,
  event: TicketEvent,
  now: Instant,
  settings: PolicySettings,
): Decision {
  const at = toMillis(now);
  if (!ticket) {
    if (event.type !== "client-new") {
      return { ticket, effects: [], outcome: "rejected", reason: `ticket ${event.ticketId} does not exist` };
    }
    return openTicket(event, at, settings);
  }
  if (ticket.seenEventIds.includes(event.id)) {
    return { ticket, effects: [], outcome: "duplicate", reason: `event ${event.id} was already applied` };
  }
  if (event.ticketId !== ticket.id) {
    return {
      ticket,
      effects: [],
      outcome: "rejected",
      reason: `event is for ${event.ticketId}, not ${ticket.id}`,
    };
  }
  if (event.type === "timer") {
    const armed = ticket.timers[event.name];
    if (!armed || toMillis(armed) !== toMillis(event.dueAt)) {
      return {
        ticket,
        effects: [],
        outcome: "stale",
        reason: `timer ${event.name} is no longer armed for that time`,
      };
    }
  }
  // Turns replace nested values instead of mutating them, so a shallow copy keeps `ticket` intact.
  const draft: Ticket = { ...ticket, timers: { ...ticket.timers }, counters: { ...ticket.counters } };
  const turn = new Turn(draft, event, at, settings);
  const rejection = turn.apply();
  if (rejection && turn.effects.length === 0) {
    return { ticket, effects: [], outcome: "rejected", reason: rejection };
  }
  return turn.finish(rejection);
}

function openTicket(
  event: Extract<TicketEvent, { type: "client-new" }>,
  at: number,
  settings: PolicySettings,
): Decision {
  const calendarSpec = event.calendar ?? settings.defaultCalendar;
  const calendar = calendarFor(calendarSpec);
  const copied = copiedAddresses(event.from.address, event.cc);
  const ticket: Ticket = {
    id: event.ticketId,
    version: 0,
    status: "open",
    subject: event.subject,
    request: event.text,
    client: {
      address: event.from.address,
      ...(event.from.name ? { name: event.from.name } : {}),
      locale: event.locale ?? settings.defaultLocale,
      calendar: calendarSpec,
    },
    openedAt: iso(at),
    ...(copied.length > 0 ? { copied } : {}),
    ...(event.authenticated !== undefined ? { clientAuthenticated: event.authenticated } : {}),
    escalations: [],
    progress: [],
    lastClientMessageAt: iso(at),
    endOfDayNoticeDate: endOfDayNoticeDay(calendar, at, settings).date,
    timers: {},
    counters: { clientMessages: 0, reopenings: 0, escalations: 0, planChanges: 0 },
    seenEventIds: [],
  };
  const turn = new Turn(ticket, event, at, settings);
  const quoted = event.authenticated !== false;
  turn.sendClient("acknowledgement", {
    ...(quoted ? { request: event.text } : {}),
    afterHours: !calendar.isBusinessTime(at),
  });
  turn.notify("technicians", "new-ticket", newTicketNotice(event));
  const noticeDay = calendar.day(ticket.endOfDayNoticeDate);
  turn.setTimer("eod", noticeDay.closesAt - settings.endOfDayLeadMinutes * 60_000);
  return turn.finish();
}

/** One application of one event to a working copy of the ticket. */
class Turn {
  readonly effects: Effect[] = [];
  private readonly calendar: BusinessCalendar;
  /** The event being applied: the turn's own, or a held one that #send releases. */
  private current: TicketEvent;
  private heldReason?: string;

  constructor(
    readonly ticket: Ticket,
    private readonly event: TicketEvent,
    readonly now: number,
    readonly settings: PolicySettings,
  ) {
    this.calendar = calendarFor(ticket.client.calendar);
    this.current = event;
  }

  finish(rejection?: string): Decision {
    const t = this.ticket;
    t.version += 1;
    t.seenEventIds = [...t.seenEventIds, this.event.id].slice(-this.settings.seenEventLimit);
    if (rejection) return { ticket: t, effects: this.effects, outcome: "rejected", reason: rejection };
    const reason = this.heldReason ? { reason: this.heldReason } : {};
    return { ticket: t, effects: this.effects, outcome: "applied", ...reason };
  }

  /** Applies the event; returns a reason when it cannot apply in the ticket's state. */
  apply(): string | undefined {
    const t = this.ticket;
    const e = this.current;
    if ("actor" in e && e.actor && isTechnicianEvent(e.type)) t.technician = e.actor;
    this.heldReason = holdIfFlagged(this, e, e !== this.event);
    if (this.heldReason) return;
    switch (e.type) {
      case "client-new":
      case "client-reply":
        return this.clientWrote(
          e.from,
          e.text,
          e.type === "client-reply" ? e.intent : "other",
          e.authenticated,
        );
      case "confirm":
        if (t.status !== "resolved")
          return this.refuse(`ticket is ${t.status}; only a resolved ticket is confirmed`);
        return this.close("confirmed");
      case "reopen":
        if (t.status === "open") return this.refuse("ticket is already open");
        return this.reopen(e.text, true);
      case "feedback":
        return this.feedback(e.rating, e.comment, e.idea);
      case "summary":
        if (t.status !== "open") return this.refuse(this.notOpen());
        t.summary = e.text;
        this.sendClient("understanding", { summary: e.text });
        return;
      case "diagnosis":
        if (t.status !== "open") return this.refuse(this.notOpen());
        t.diagnosis = { text: e.text, at: iso(this.now) };
        this.cancelTimer("eod");
        this.sendClient("diagnosis", { diagnosis: e.text });
        return;
      case "plan":
      case "change": {
        if (t.status !== "open") return this.refuse(this.notOpen());
        const previousEta = t.plan?.eta;
        const eta = e.eta ? etaInstant(this.calendar, e.eta) : undefined;
        const isChange = e.type === "change";
        // A change that names no new forecast keeps the one already given.
        const newEta = isChange && !eta ? previousEta : eta;
        t.plan = {
          text: e.text,
          at: iso(this.now),
          ...(newEta ? { eta: newEta } : {}),
          ...(e.alternatives ? { alternatives: e.alternatives } : {}),
        };
        if (isChange) {
          t.counters.planChanges += 1;
          this.sendClient("plan-change", {
            text: e.text,
            ...(newEta ? { eta: newEta } : {}),
            ...(previousEta ? { previousEta } : {}),
            forecastMoved: (newEta ?? null) !== (previousEta ?? null),
            ...(e.alternatives ? { alternatives: e.alternatives } : {}),
          });
        } else {
          this.sendClient("plan", {
            text: e.text,
            ...(eta ? { eta } : {}),
            ...(e.alternatives ? { alternatives: e.alternatives } : {}),
          });
        }
        return;
      }
      case "update":
        if (t.status === "closed") return this.refuse(this.notOpen());
        t.progress = [...t.progress, { text: e.text, at: iso(this.now) }];
        if (t.timers.reminder) this.cancelTimer("reminder");
        return;
      case "escalate":
        if (t.status !== "open") return this.refuse(this.notOpen());
        t.escalations = [...t.escalations, { to: e.escalatedTo, why: e.text, at: iso(this.now) }];
        t.counters.escalations += 1;
        this.sendClient("escalation", { escalatedTo: e.escalatedTo, text: e.text });
        this.callTask("escalation", { escalatedTo: e.escalatedTo, text: e.text });
        this.notify("account-manager", "escalation-copy", { escalatedTo: e.escalatedTo, text: e.text });
        return;
      case "resolve":
        if (t.status !== "open") return this.refuse(this.notOpen());
        return this.resolve(e.cause, e.fix ?? e.text ?? "");
      case "note":
        return;
      case "cc":
        return this.participants(e.add, e.remove);
      case "third-party":
        // In this notice clientAddress is who wrote, as in client-replied; reason says what became of it.
        this.notify("technicians", "third-party", {
          clientAddress: e.from.address,
          reason: `${e.from.address} is not a participant of ${t.id}${e.threadedBy ? ` (found by ${e.threadedBy})` : ""}; their mail changed nothing of it${e.openedTicketId ? ` and opened their own request ${e.openedTicketId}` : ""}`,
          ...(e.text ? { text: e.text } : {}),
        });
        return;
      case "reply":
        if (t.status === "closed") return this.refuse(this.notOpen());
        this.sendClient("personal-reply", { text: e.text, ...attachmentData(e) }, false);
        return;
      case "send-held":
        return this.sendHeld();
      case "command-error":
        this.notify("technician", "command-error", { reason: e.reason, text: e.text }, e.actor);
        return;
      case "delivery-failed":
        this.notify("technicians", "delivery-failed", { clientAddress: e.address, reason: e.reason });
        return;
      case "timer":
        return this.timerFired(e.name);
    }
  }

  /** #send: the held messages apply now, as written, as their commands would have; refused ones are told. */
  private sendHeld() {
    const held = takeHeld(this.ticket);
    if (held.length === 0) return this.refuse(`nothing of ${this.ticket.id} is held by the tone coach`);
    const refusals = held.flatMap((message) => {
      this.current = message.event;
      return this.apply() ?? [];
    });
    this.current = this.event;
    return refusals.length === held.length ? refusals.join("; ") : undefined;
  }

  /** Whatever a client writes reaches the technicians; it is echoed back only if its sender authenticated. */
  private clientWrote(
    from: Person,
    text: string,
    intent: "confirm" | "still-broken" | "other",
    authenticated: boolean | undefined,
  ) {
    const t = this.ticket;
    if (t.status !== "open" && intent === "still-broken") return this.reopen(text, authenticated !== false);
    const confirms = t.status === "resolved" && intent === "confirm";
    this.notify("technicians", "client-replied", {
      ...clientWroteNotice(this.current, text, from.address),
      ...(confirms ? { closedBecause: "confirmed" as const } : {}),
    });
    return confirms ? this.close("confirmed") : undefined;
  }

  /** #cc: copied addresses steer the ticket by mail like its client (DESIGN §7); nothing is sent. */
  private participants(add: string[], remove: string[]) {
    const t = this.ticket;
    const client = t.client.address.toLowerCase();
    const removing = new Set(remove.map((a) => a.toLowerCase()));
    if (removing.has(client)) return this.refuse(`${client} is the client of ${t.id} and cannot be removed`);
    const copied = (t.copied ?? []).filter((a) => !removing.has(a));
    const added = copiedAddresses(
      client,
      add.map((address) => ({ address })),
    );
    for (const address of added) if (!copied.includes(address)) copied.push(address);
    t.copied = copied;
    return undefined;
  }

  private timerFired(name: TimerName): undefined {
    const t = this.ticket;
    delete t.timers[name];
    switch (name) {
      case "eod":
        if (t.status === "open" && !t.diagnosis) this.sendClient("end-of-day", this.planData());
        return;
      case "update":
        if (t.status !== "open") return;
        if (t.progress.length > 0) {
          this.sendClient("daily-update", { progress: t.progress.map((p) => p.text), ...this.planData() });
        } else {
          this.sendClient("still-on-it", this.planData());
        }
        return;
      case "reminder":
        if (t.status === "open" && t.progress.length === 0 && t.timers.update) {
          this.notify("technicians", "reminder", { dueAt: t.timers.update, ...this.planData() });
        }
        return;
      case "confirm-timeout":
        if (t.status === "resolved") this.close("no-reply");
        return;
    }
  }

  private resolve(cause: string | undefined, fix: string) {
    const t = this.ticket;
    t.status = "resolved";
    t.resolution = { ...(cause ? { cause } : {}), fix, at: iso(this.now) };
    for (const name of ["eod", "update", "reminder"] as const) this.cancelTimer(name);
    this.sendClient("resolution", { ...(cause ? { cause } : {}), fix, askFeedback: !t.feedback });
    const businessHoursOpen = this.calendar.businessHoursBetween(toMillis(t.openedAt), this.now);
    if (businessHoursOpen > this.calendar.hoursPerDay) this.callTask("long-resolution", { cause, fix });
    this.setTimer(
      "confirm-timeout",
      this.calendar.addBusinessDays(this.now, this.settings.confirmationBusinessDays),
    );
    return undefined;
  }

  private close(closedBecause: "confirmed" | "no-reply") {
    const t = this.ticket;
    t.status = "closed";
    t.closedAt = iso(this.now);
    this.cancelTimer("confirm-timeout");
    this.sendClient("closure", { closedBecause, askFeedback: !t.feedback });
    return undefined;
  }

  private reopen(text: string | undefined, echo: boolean) {
    const t = this.ticket;
    t.status = "open";
    t.counters.reopenings += 1;
    delete t.closedAt;
    this.cancelTimer("confirm-timeout");
    this.sendClient("reopened", text && echo ? { text } : {});
    this.notify("technicians", "ticket-reopened", { ...(text ? { text } : {}) });
    return undefined;
  }

  /**
   * One feedback per ticket: a later submission (the form sent again, a changed mind) replaces it,
   * keeping the instant of the first, and thanks nobody twice. The lead hears of a low rating once:
   * when the ticket's rating first falls to it. An identical resubmission changes nothing.
   */
  private feedback(rating: number, comment?: string, idea?: string) {
    const t = this.ticket;
    const before = t.feedback;
    const given = { rating, ...(comment ? { comment } : {}), ...(idea ? { idea } : {}) };
    const same = (a?: string, b?: string) => (a || undefined) === (b || undefined);
    if (before && before.rating === rating && same(before.comment, comment) && same(before.idea, idea))
      return;
    t.feedback = { ...given, at: before?.at ?? iso(this.now) };
    this.push({ kind: "record-feedback", ...given });
    if (!before) this.sendClient("feedback-thanks", { rating, ...(idea ? { idea } : {}) });
    const low = (r: number) => r <= this.settings.lowRatingThreshold;
    if (low(rating) && !(before && low(before.rating))) this.notify("lead", "low-rating", given);
    return undefined;
  }

  sendClient(template: ClientTemplate, data: Partial<MessageData>, automatic = true) {
    const t = this.ticket;
    this.push({
      kind: "send-client",
      template,
      to: { address: t.client.address, ...(t.client.name ? { name: t.client.name } : {}) },
      locale: t.client.locale,
      automatic,
      // A sender that did not authenticate may be anyone: their subject is not mailed back either.
      data: { ...this.common(), ...(t.clientAuthenticated === false ? { subject: "" } : {}), ...data },
    });
    t.lastClientMessageAt = iso(this.now);
    t.progress = [];
    t.counters.clientMessages += 1;
    if (t.status === "open") this.armDailyUpdate();
  }

  notify(
    audience: "technicians" | "technician" | "account-manager" | "lead",
    template: StaffTemplate,
    data: Partial<MessageData>,
    to?: Person,
  ) {
    this.push({
      kind: "notify",
      audience,
      template,
      ...(to ? { to } : {}),
      data: { ...this.common(), clientAddress: this.ticket.client.address, ...data },
    });
  }

  setTimer(name: TimerName, at: number) {
    this.ticket.timers[name] = iso(at);
    this.push({ kind: "set-timer", name, at: iso(at) });
  }

  private cancelTimer(name: TimerName) {
    if (!this.ticket.timers[name]) return;
    delete this.ticket.timers[name];
    this.push({ kind: "cancel-timer", name });
  }

  private armDailyUpdate() {
    const due = nextUpdateDue(this.calendar, this.now, this.settings);
    this.setTimer("update", due);
    const reminderAt = this.calendar.subtractBusinessHours(due, this.settings.reminderLeadHours);
    if (reminderAt > this.now) this.setTimer("reminder", reminderAt);
    else this.cancelTimer("reminder");
  }

  private callTask(reason: "escalation" | "long-resolution", data: Partial<MessageData>) {
    const technician = this.ticket.technician;
    this.push({
      kind: "call-task",
      reason,
      ...(technician ? { technician } : {}),
      data: { ...this.common(), clientAddress: this.ticket.client.address, ...stripUndefined(data) },
    });
  }

  private push(effect: DistributiveOmit<Effect, "id">) {
    this.effects.push({ ...effect, id: `${this.event.id}#${this.effects.length}` } as Effect);
  }

  private refuse(reason: string) {
    const e = this.current;
    if ("actor" in e && e.actor) {
      this.notify(
        "technician",
        "command-error",
        { reason, text: "text" in e ? (e.text ?? "") : "" },
        e.actor,
      );
    }
    return reason;
  }

  private notOpen() {
    return `ticket ${this.ticket.id} is ${this.ticket.status}`;
  }

  private common(): MessageData {
    const t = this.ticket;
    return {
      ticketId: t.id,
      subject: t.subject,
      ...(t.client.name ? { clientName: t.client.name } : {}),
      ...(t.technician?.name ? { technicianName: t.technician.name } : {}),
    };
  }

  private planData(): Partial<MessageData> {
    const plan = this.ticket.plan;
    return plan ? { plan: plan.text, ...(plan.eta ? { eta: plan.eta } : {}) } : {};
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
