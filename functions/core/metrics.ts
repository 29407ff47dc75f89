import { calendarFor } from "./calendar";
import type { Ticket } from "./model";

/** One figure for the support lead's dashboard; the adapter turns it into CloudWatch EMF. */
export interface MetricPoint {
  name: MetricName;
  unit: "Count" | "Seconds" | "None";
  value: number;
  dimensions?: Record<string, string>;
}

export const METRIC_NAMES = [
  "TicketsOpened",
  "TimeToAcknowledgementSeconds",
  "TimeToDiagnosisBusinessHours",
  "TimeToResolutionBusinessHours",
  "SilenceBusinessHours",
  "ClientMessagesSent",
  "StaffMessagesSent",
  "MailSuppressed",
  "Escalations",
  "Reopenings",
  "Rating",
  /** Inbound mail held by the global inbound cap (app/inbound-cap.ts); the stack alarms on it. */
  "InboundCapped",
  /** Outbox effects given up after failing too long (app/outbox.ts); the stack alarms on it. */
  "EffectsGivenUp",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * What changed between a ticket before and after an event, as figures: opened, time to diagnosis
 * and to resolution (business hours in the client's calendar), the silence a client message ends,
 * escalations, reopenings and the rating. Pure, so every path that applies an event reports alike.
 */
export function ticketMetrics(
  before: Ticket | undefined,
  after: Ticket | undefined,
  now: Date,
): MetricPoint[] {
  if (!after || before === after) return [];
  const points: MetricPoint[] = [];
  const calendar = calendarFor(after.client.calendar);
  const opened = Date.parse(after.openedAt);
  const at = now.getTime();
  if (!before) points.push({ name: "TicketsOpened", unit: "Count", value: 1 });
  if (after.diagnosis && !before?.diagnosis)
    points.push({
      name: "TimeToDiagnosisBusinessHours",
      unit: "None",
      value: round(calendar.businessHoursBetween(opened, Date.parse(after.diagnosis.at))),
    });
  if (after.resolution && after.resolution.at !== before?.resolution?.at)
    points.push({
      name: "TimeToResolutionBusinessHours",
      unit: "None",
      value: round(calendar.businessHoursBetween(opened, Date.parse(after.resolution.at))),
    });
  if (before && after.counters.clientMessages > before.counters.clientMessages)
    points.push({
      name: "SilenceBusinessHours",
      unit: "None",
      value: round(calendar.businessHoursBetween(Date.parse(before.lastClientMessageAt), at)),
    });
  const escalations = after.counters.escalations - (before?.counters.escalations ?? 0);
  if (escalations > 0) points.push({ name: "Escalations", unit: "Count", value: escalations });
  const reopenings = after.counters.reopenings - (before?.counters.reopenings ?? 0);
  if (reopenings > 0) points.push({ name: "Reopenings", unit: "Count", value: reopenings });
  if (after.feedback && after.feedback.at !== before?.feedback?.at)
    points.push({ name: "Rating", unit: "None", value: after.feedback.rating });
  return points;
}
