/**
 * The global inbound cap (DESIGN §7, issue 14): the per-sender cap of inbound.ts stops one address
 * looping with us, not a flood from many (forged) senders. Over the cap, mail is still kept and held
 * in quarantine as "rate-limited" (releasable, never dropped), and the InboundCapped figure feeds the
 * stack's alarm.
 */
import type { MetricName, MetricPoint } from "../core/metrics";
import type { Metrics } from "./clock";
import type { Throttle } from "./ports";

/** The window the cap counts in: ten minutes, like the per-sender and outbound caps. */
export const INBOUND_CAP_WINDOW_SECONDS = 600;
/** The throttle counter of every inbound mail (the per-sender ones are `in#<address>`). */
export const INBOUND_ALL = "in#*";
// TODO(core/metrics.ts owner): add "InboundCapped" to METRIC_NAMES; until then it is named here.
const INBOUND_CAPPED = "InboundCapped" as MetricName;

export type InboundCapDecision = { hold: false } | { hold: true; reason: string; metrics: MetricPoint[] };

/**
 * Pure: the count of inbound mail in the current window, this mail included, against the configured
 * maximum. The mail that makes the count exceed the cap, and every one after it in the window, is held.
 */
export function inboundCapDecision(countInWindow: number, maxPer10Minutes: number): InboundCapDecision {
  if (countInWindow <= maxPer10Minutes) return { hold: false };
  return {
    hold: true,
    reason: `global inbound cap: ${countInWindow} mails in ten minutes (at most ${maxPer10Minutes}): kept, not acted on`,
    metrics: [{ name: INBOUND_CAPPED, unit: "Count", value: 1 }],
  };
}

/**
 * Counts this mail against the cap and decides (the one Throttle call the cap needs); records the
 * figure when it holds. Returns the quarantine reason, or undefined when the mail may proceed.
 */
export async function checkInboundCap(
  deps: { throttle: Throttle; config: { maxInboundMailsPer10Minutes: number }; metrics?: Metrics },
  now: Date,
): Promise<string | undefined> {
  const count = await deps.throttle.countInWindow(INBOUND_ALL, INBOUND_CAP_WINDOW_SECONDS, now);
  const decision = inboundCapDecision(count, deps.config.maxInboundMailsPer10Minutes);
  if (!decision.hold) return undefined;
  deps.metrics?.record(decision.metrics);
  return decision.reason;
}
