/**
 * The global inbound cap (DESIGN §7, issue 14): the per-sender cap of inbound.ts stops one address
 * looping with us, not a flood from many (forged) senders. Over the cap, mail is still kept and held
 * in quarantine as "rate-limited" (releasable, never dropped), and the InboundCapped figure feeds the
 * stack's alarm.
 */
import type { MetricPoint } from "../core/metrics";
import type { Metrics } from "./clock";
import type { Throttle } from "./ports";

/** The window the cap counts in: ten minutes, like the per-sender and outbound caps. */
export const INBOUND_CAP_WINDOW_SECONDS = 600;
/** The throttle counter of every inbound mail (the per-sender ones are `in#<address>`). */
export const INBOUND_ALL = "in#*";

export type InboundCapDecision = { hold: false } | { hold: true; reason: string; metrics: MetricPoint[] };

interface CapDeps {
  throttle: Throttle;
  config: { maxInboundMailsPer10Minutes: number };
  metrics?: Metrics;
}

/**
 * Pure: the count of inbound mail in the current window, this mail included, against the configured
 * maximum. The mail that makes the count exceed the cap, and every one after it in the window, is held.
 */
export function inboundCapDecision(countInWindow: number, maxPer10Minutes: number): InboundCapDecision {
  if (countInWindow <= maxPer10Minutes) return { hold: false };
  return {
    hold: true,
    reason: `global inbound cap: ${countInWindow} mails in ten minutes (at most ${maxPer10Minutes}): kept, not acted on`,
    metrics: [{ name: "InboundCapped", unit: "Count", value: 1 }],
  };
}

/** Counts one more inbound mail in the current window; returns the count so far, this mail included. */
export function countInboundMail(deps: Pick<CapDeps, "throttle">, now: Date): Promise<number> {
  return deps.throttle.countInWindow(INBOUND_ALL, INBOUND_CAP_WINDOW_SECONDS, now);
}

/**
 * Decides on a count countInboundMail returned, and records the figure when it holds. Returns the
 * quarantine reason, or undefined when the mail may proceed.
 */
export function holdOverInboundCap(deps: Omit<CapDeps, "throttle">, count: number): string | undefined {
  const decision = inboundCapDecision(count, deps.config.maxInboundMailsPer10Minutes);
  if (!decision.hold) return undefined;
  deps.metrics?.record(decision.metrics);
  return decision.reason;
}

/** Counts this mail against the cap and decides at once (both steps above). */
export async function checkInboundCap(deps: CapDeps, now: Date): Promise<string | undefined> {
  return holdOverInboundCap(deps, await countInboundMail(deps, now));
}
