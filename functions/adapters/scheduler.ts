import type { CreateScheduleCommandInput, SchedulerClient } from "@aws-sdk/client-scheduler";
import type { TimerScheduler, TimerTicket } from "../app/outbox";
import type { TimerName } from "../core";
import { type CalendarSpec, currentHolidayProvider } from "../core/calendar-spec";
import { pad2, type ZonedParts, zonedParts } from "../core/zoned";
import { type ClientSource, lazyClient } from "./ses";

export interface SchedulerTarget {
  groupName: string;
  /** The timers Lambda. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  roleArn: string;
  deadLetterArn?: string;
}

/** Deterministic schedule names: one per ticket and timer, so setting again replaces. */
export function scheduleName(ticketId: string, name: TimerName): string {
  return `${ticketId}-${name}`;
}

/** One-time EventBridge Scheduler schedules that delete themselves after firing. */
export class EventBridgeTimerScheduler implements TimerScheduler {
  private readonly client: () => Promise<SchedulerClient>;

  constructor(
    client: ClientSource<SchedulerClient>,
    private readonly target: SchedulerTarget,
    private readonly timeZoneOf: (ticketId: string) => Promise<string>,
    private readonly now: () => number = Date.now,
  ) {
    this.client = lazyClient(client);
  }

  async set(ticketId: string, name: TimerName, at: string, ticket?: TimerTicket): Promise<void> {
    const { ConflictException, CreateScheduleCommand, UpdateScheduleCommand } = await import(
      "@aws-sdk/client-scheduler"
    );
    const client = await this.client();
    const timeZone = ticket?.client.calendar.timeZone ?? (await this.timeZoneOf(ticketId));
    const window = ticket ? flexibleWindow(name, at, ticket, this.now()) : undefined;
    const input: CreateScheduleCommandInput = {
      Name: scheduleName(ticketId, name),
      GroupName: this.target.groupName,
      ScheduleExpression: `at(${localDateTime(window ? new Date(window.start).toISOString() : at, timeZone)})`,
      ScheduleExpressionTimezone: timeZone,
      FlexibleTimeWindow: window
        ? { Mode: "FLEXIBLE", MaximumWindowInMinutes: window.minutes }
        : { Mode: "OFF" },
      ActionAfterCompletion: "DELETE",
      Target: {
        Arn: this.target.targetArn,
        RoleArn: this.target.roleArn,
        Input: JSON.stringify({ ticketId, name, dueAt: at }),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86_400 },
        ...(this.target.deadLetterArn ? { DeadLetterConfig: { Arn: this.target.deadLetterArn } } : {}),
      },
    };
    try {
      await client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await client.send(new UpdateScheduleCommand(input));
    }
  }

  async cancel(ticketId: string, name: TimerName): Promise<void> {
    const { DeleteScheduleCommand, ResourceNotFoundException } = await import("@aws-sdk/client-scheduler");
    try {
      await (await this.client()).send(
        new DeleteScheduleCommand({ Name: scheduleName(ticketId, name), GroupName: this.target.groupName }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

/**
 * How long after its instant each timer may fire, in minutes: Scheduler spreads the timers of one
 * minute (every ticket's update at 10:00, every end-of-day notice at 17:30) over the window. The
 * end-of-day notice keeps 5, so it still goes out well before closing; the others 15, under the
 * reconciler's 15 minutes before it fires an overdue timer itself.
 */
export const TIMER_WINDOW_MINUTES: Record<TimerName, number> = {
  eod: 5,
  update: 15,
  reminder: 15,
  "confirm-timeout": 15,
};

/**
 * Where a timer's flexible window starts and how long it is; undefined for none (Mode OFF, at its
 * instant). The window lies within the business hours of the timer's day and ends by the ticket's
 * next other timer, so spreading never moves a message out of business hours nor reorders a
 * ticket's timers (an update never goes out after the end-of-day notice it preceded). It starts at
 * the timer's instant, or earlier when that is too close to closing time or to the next timer (an
 * update due at closing), but never before opening time or now. A timer the policy put outside
 * business hours, or one being set after its instant, keeps its exact instant.
 */
export function flexibleWindow(
  name: TimerName,
  at: string,
  ticket: TimerTicket,
  now: number,
): { start: number; minutes: number } | undefined {
  const due = Date.parse(at);
  const day = businessHoursOn(ticket.client.calendar, due);
  if (!day || due < day.opensAt || due > day.closesAt) return undefined;
  let end = day.closesAt;
  for (const [other, instant] of Object.entries(ticket.timers))
    if (other !== name && instant && Date.parse(instant) >= due) end = Math.min(end, Date.parse(instant));
  const start = Math.max(day.opensAt, now, Math.min(due, end - TIMER_WINDOW_MINUTES[name] * 60_000));
  const minutes = Math.min(TIMER_WINDOW_MINUTES[name], Math.floor((end - start) / 60_000));
  return start <= due && minutes >= 1 ? { start, minutes } : undefined;
}

/**
 * Opening and closing instants of the local day of `instant` in a calendar; undefined on a day off,
 * or when the calendar names a country whose holidays nobody loaded (deployed calendars carry them
 * as dates). What core/calendar computes, with Intl instead of luxon, which the outbox does not load.
 */
export function businessHoursOn(
  spec: CalendarSpec,
  instant: number,
): { opensAt: number; closesAt: number } | undefined {
  const day = zonedParts(instant, spec.timeZone);
  if (!day) return undefined;
  const date = `${day.year}-${pad2(day.month)}-${pad2(day.day)}`;
  const weekday = new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay() || 7;
  const { country, region, dates = [] } = spec.holidays ?? {};
  const provider = currentHolidayProvider();
  if (country && !provider) return undefined;
  if (!(spec.workdays ?? [1, 2, 3, 4, 5]).includes(weekday) || dates.includes(date)) return undefined;
  if (country && provider?.publicHolidays(country, region, day.year).includes(date)) return undefined;
  const hours = spec.hours ?? { start: "09:00", end: "18:00" };
  return {
    opensAt: wallClock(day, hours.start, spec.timeZone),
    closesAt: wallClock(day, hours.end, spec.timeZone),
  };
}

/** The instant of a local time ("09:00") on a local day in a zone: corrected by the zone's offset there. */
function wallClock(day: ZonedParts, time: string, timeZone: string): number {
  const [hour = 0, minute = 0] = time.split(":").map(Number);
  const wanted = Date.UTC(day.year, day.month - 1, day.day, hour, minute);
  let instant = wanted;
  // Twice: the offset at the first guess may differ from the offset at the answer (a DST change).
  for (let i = 0; i < 2; i++) {
    const seen = zonedParts(instant, timeZone);
    if (!seen) break;
    instant += wanted - Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute, seen.second);
  }
  return instant;
}

/** "2026-11-24T17:00:00" in the given zone: the form Scheduler's at() takes. */
export function localDateTime(instant: string, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  if (!p) throw new Error(`not an instant: ${instant}`);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}T${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}`;
}
