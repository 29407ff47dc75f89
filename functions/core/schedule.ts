/** When the policy's promises fall due, in business time: pure arithmetic over a business calendar. */
import { DateTime } from "luxon";
import type { BusinessCalendar } from "./calendar";
import type { PolicySettings } from "./model";

export type Instant = Date | string | number;

/**
 * The business day on whose end a client without a diagnosis hears from us: the day the ticket
 * arrives, unless it arrives so late that the notice would follow the acknowledgement at once.
 */
export function endOfDayNoticeDay(calendar: BusinessCalendar, openedAt: number, settings: PolicySettings) {
  const day = calendar.currentOrNextBusinessDay(openedAt);
  const noticeAt = day.closesAt - settings.endOfDayLeadMinutes * 60_000;
  const workingWindow = noticeAt - Math.max(openedAt, day.opensAt);
  return workingWindow >= settings.endOfDayMinimumMinutes * 60_000
    ? day
    : calendar.nextBusinessDayAfter(day.date);
}

/**
 * When the next daily update is due after a client message at `messageAt`: the update time of the
 * next business day the message did not already cover, but never more than one business day of
 * business hours after the message (the no-silent-business-day promise).
 */
export function nextUpdateDue(
  calendar: BusinessCalendar,
  messageAt: number,
  settings: PolicySettings,
): number {
  const today = calendar.day(calendar.localDate(messageAt));
  // A message on a business day, even before opening, is that day's news; one sent on a weekend
  // or holiday is followed by news on the first business morning.
  const coveredToday = today.isBusinessDay;
  const target = coveredToday
    ? calendar.nextBusinessDayAfter(today.date)
    : calendar.currentOrNextBusinessDay(messageAt);
  const preferred = calendar.atLocalTime(target, settings.updateTime);
  const latest = calendar.addBusinessHours(messageAt, calendar.hoursPerDay);
  return Math.min(preferred, latest);
}

export function toMillis(instant: Instant): number {
  if (typeof instant === "number") return instant;
  if (instant instanceof Date) return instant.getTime();
  return Date.parse(instant);
}

export function iso(instant: number): string {
  return new Date(instant).toISOString();
}

/** Technicians write ETAs in local time; an ETA without offset is read in the client's zone. */
export function etaInstant(calendar: BusinessCalendar, eta: string): string {
  const hasOffset = /([+-]\d{2}:?\d{2}|Z)$/.test(eta);
  const parsed = hasOffset
    ? DateTime.fromISO(eta, { setZone: true })
    : DateTime.fromISO(eta.replace(" ", "T"), { zone: calendar.timeZone });
  return calendar.toLocalISO(parsed.toMillis());
}
