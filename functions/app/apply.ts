import type { AvisoConfig } from "../config";
import {
  type Decision,
  decide,
  type PolicySettings,
  parseEvent,
  policySettings,
  type TicketEvent,
  ticketMetrics,
} from "../core";
import { ConflictError, type TicketRepository } from "./ports";

export { type Clock, consoleLogger, type Logger, type Metrics, noMetrics, systemClock } from "./clock";

import type { Clock, Logger, Metrics } from "./clock";

export interface CoreDeps {
  tickets: TicketRepository;
  config: AvisoConfig;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
}

export function settingsOf(config: AvisoConfig): PolicySettings {
  return policySettings({
    ...config.policy,
    defaultLocale: config.defaultLocale,
    ...(config.defaultCalendar ? { defaultCalendar: config.defaultCalendar } : {}),
  });
}

const MAX_ATTEMPTS = 8;

/**
 * Applies one event: load, decide, and commit ticket + effects in one transaction. Two writers on
 * one ticket cannot both win the version check; the loser reloads and decides again.
 */
export async function applyEvent(
  deps: CoreDeps,
  input: TicketEvent | unknown,
  /** The ticket number was allocated for this event just now: nothing can be stored under it yet. */
  options: { newTicket?: boolean } = {},
): Promise<Decision> {
  const event = parseEvent(input);
  const settings = settingsOf(deps.config);
  for (let attempt = 1; ; attempt++) {
    // A conflict on the first attempt means there was a ticket after all: from then on, read it.
    const ticket = options.newTicket && attempt === 1 ? undefined : await deps.tickets.load(event.ticketId);
    const now = deps.clock.now();
    const decision = decide(ticket, event, now, settings);
    if (decision.outcome !== "applied" && decision.effects.length === 0) {
      deps.log.info("event not applied", {
        ticketId: event.ticketId,
        eventId: event.id,
        outcome: decision.outcome,
        reason: decision.reason,
      });
      return decision;
    }
    try {
      await deps.tickets.commit(ticket, decision, event, now);
      deps.metrics?.record(ticketMetrics(ticket, decision.ticket, now));
      deps.log.info("event applied", {
        ticketId: event.ticketId,
        eventId: event.id,
        type: event.type,
        effects: decision.effects.map((e) => e.kind),
      });
      return decision;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
