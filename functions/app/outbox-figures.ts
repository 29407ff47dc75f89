/** What the outbox writes about each effect it performs: the log line and the figures of a sent mail. */
import type { Effect, MetricPoint } from "../core";
import type { Clock, Logger, Metrics } from "./clock";
import type { EffectResult } from "./effect-result";

export function logPerformed(deps: { log: Logger }, ticketId: string, effect: Effect, result: EffectResult) {
  deps.log.info("effect performed", {
    ticketId,
    effectId: effect.id,
    kind: effect.kind,
    result,
  });
}

export function recordSent(
  deps: { metrics?: Metrics | undefined; clock: Clock },
  result: EffectResult,
  template: string,
  name: "ClientMessagesSent" | "StaffMessagesSent",
  openedAt?: string,
) {
  if (!deps.metrics) return;
  if (result.outcome === "suppressed")
    deps.metrics.record([
      { name: "MailSuppressed", unit: "Count", value: 1, dimensions: { kind: template } },
    ]);
  if (result.outcome !== "sent") return;
  const points: MetricPoint[] = [{ name, unit: "Count", value: 1, dimensions: { kind: template } }];
  if (template === "acknowledgement" && openedAt)
    points.push({
      name: "TimeToAcknowledgementSeconds",
      unit: "Seconds",
      value: Math.max(0, (deps.clock.now().getTime() - Date.parse(openedAt)) / 1000),
    });
  deps.metrics.record(points);
}
