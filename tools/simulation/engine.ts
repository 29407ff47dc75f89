import {
  type Decision,
  decide,
  type Effect,
  iso,
  type PolicySettings,
  parseEvent,
  type Ticket,
  type TicketEventInput,
  type TimerName,
} from "../../functions/core";

/** A scripted happening: a client or technician event at an instant, maybe delivered twice. */
export interface ScriptedEvent {
  at: number;
  event: TicketEventInput;
  /** Deliver the same event (same id) a second time right after, as a retry would. */
  redeliver?: boolean;
}

export interface TicketScript {
  ticketId: string;
  profile: string;
  /** Ordered by `at`; the first is the client-new that opens the ticket. */
  events: ScriptedEvent[];
  /** Timers that fire twice (a scheduler retry), by name. */
  duplicateTimers?: TimerName[];
}

export interface LoggedEffect {
  at: number;
  effect: Effect;
  /** Id of the event whose decision produced it. */
  cause: string;
}

export interface DeliveredEvent {
  at: number;
  event: TicketEventInput;
  decision: Decision;
  /** Status of the ticket before this event, as the engine saw it. */
  statusBefore?: Ticket["status"];
}

export interface TicketRun {
  script: TicketScript;
  ticket?: Ticket;
  /** Every effect performed by the outbox, in order, once per distinct effect id. */
  effects: LoggedEffect[];
  /** Effects that a second delivery tried to perform again (must be none). */
  duplicateEffects: LoggedEffect[];
  delivered: DeliveredEvent[];
  horizon: number;
}

export interface EngineOptions {
  /** The policy to run: the real one unless a test hands in a mutant. */
  decide?: typeof decide;
  /**
   * Deliver also the firings of timers that were cancelled or re-armed, as a scheduler whose delete
   * lost a race with the firing would: a policy must ignore them (DESIGN §2, timers).
   */
  staleTimers?: boolean;
}

/**
 * Runs one ticket through decide() on a virtual clock: scripted events, and the timers its own
 * effects set, delivered in time order to an in-memory scheduler and outbox (which dedupes by
 * effect id, as the real outbox's conditional write does).
 */
export function runTicket(
  script: TicketScript,
  settings: PolicySettings,
  horizon: number,
  options: EngineOptions = {},
): TicketRun {
  const decideFn = options.decide ?? decide;
  const run: TicketRun = { script, effects: [], duplicateEffects: [], delivered: [], horizon };
  const scheduler = new Map<TimerName, number>();
  /** Firings of timers that moved on, still on their way (only with `staleTimers`). */
  const stale: { name: TimerName; at: number }[] = [];
  const moveOn = (name: TimerName, rearmedAt?: number) => {
    const armed = scheduler.get(name);
    if (options.staleTimers && armed !== undefined && armed !== rearmedAt) stale.push({ name, at: armed });
  };
  const performed = new Set<string>();
  const duplicateTimers = new Set(script.duplicateTimers ?? []);
  let ticket: Ticket | undefined;
  let next = 0;

  const deliver = (at: number, input: TicketEventInput) => {
    const statusBefore = ticket?.status;
    const decision = decideFn(ticket, parseEvent(input), at, settings);
    run.delivered.push({ at, event: input, decision, ...(statusBefore ? { statusBefore } : {}) });
    ticket = decision.ticket;
    for (const effect of decision.effects) {
      const logged = { at, effect, cause: String(input.id) };
      if (performed.has(effect.id)) {
        run.duplicateEffects.push(logged);
        continue;
      }
      performed.add(effect.id);
      run.effects.push(logged);
      if (effect.kind === "set-timer") {
        moveOn(effect.name, Date.parse(effect.at));
        scheduler.set(effect.name, Date.parse(effect.at));
      }
      if (effect.kind === "cancel-timer") {
        moveOn(effect.name);
        scheduler.delete(effect.name);
      }
    }
  };

  for (let guard = 0; guard < 100_000; guard++) {
    const scripted = script.events[next];
    let timer: { name: TimerName; at: number; stale?: number } | undefined;
    for (const [name, at] of scheduler) if (!timer || at < timer.at) timer = { name, at };
    for (const [i, { name, at }] of stale.entries())
      if (!timer || at < timer.at) timer = { name, at, stale: i };
    const scriptedAt = scripted ? scripted.at : Number.POSITIVE_INFINITY;
    const timerAt = timer ? timer.at : Number.POSITIVE_INFINITY;
    const at = Math.min(scriptedAt, timerAt);
    if (at > horizon || at === Number.POSITIVE_INFINITY) break;
    if (timer && timerAt <= scriptedAt) {
      if (timer.stale === undefined) scheduler.delete(timer.name);
      else stale.splice(timer.stale, 1);
      const event = {
        type: "timer" as const,
        id: `${script.ticketId}:${timer.name}:${iso(timer.at)}`,
        ticketId: script.ticketId,
        name: timer.name,
        dueAt: iso(timer.at),
      };
      deliver(timer.at, event);
      if (duplicateTimers.has(timer.name)) deliver(timer.at, event);
    } else if (scripted) {
      next += 1;
      deliver(scripted.at, scripted.event);
      if (scripted.redeliver) deliver(scripted.at, scripted.event);
    }
  }
  if (ticket) run.ticket = ticket;
  return run;
}
