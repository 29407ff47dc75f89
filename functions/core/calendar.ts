import { DateTime } from "luxon";
import {
  type CalendarSpec,
  CalendarSpecSchema,
  clockTime,
  currentHolidayProvider,
  type HolidayProvider,
} from "./calendar-spec";

export * from "./calendar-spec";

const HOUR_MS = 3_600_000;
const MAX_DAYS_SCANNED = 400;

interface BusinessDay {
  /** Local date, YYYY-MM-DD. */
  date: string;
  isBusinessDay: boolean;
  /** Epoch milliseconds of opening and closing time (local hours, DST-aware). */
  opensAt: number;
  closesAt: number;
}

/**
 * Working days and hours of one client's calendar. All instants are epoch milliseconds;
 * business time is the union of the half-open windows [opensAt, closesAt) of business days.
 */
export class BusinessCalendar {
  readonly timeZone: string;
  readonly hoursPerDay: number;
  private readonly workdays: ReadonlySet<number>;
  private readonly startMinute: number;
  private readonly endMinute: number;
  private readonly country?: string;
  private readonly region?: string;
  private readonly extraClosedDates: ReadonlySet<string>;
  private readonly holidayDatesByYear = new Map<number, ReadonlySet<string>>();
  private readonly days = new Map<string, BusinessDay>();
  private readonly localTimes = new Map<string, number>();
  private readonly dateFormat: Intl.DateTimeFormat;
  private readonly timeFormat: Intl.DateTimeFormat;

  constructor(input: CalendarSpec) {
    const spec = CalendarSpecSchema.parse(input);
    this.timeZone = spec.timeZone;
    this.dateFormat = new Intl.DateTimeFormat("en-CA", {
      timeZone: spec.timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    this.timeFormat = new Intl.DateTimeFormat("en-GB", {
      timeZone: spec.timeZone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    this.workdays = new Set(spec.workdays);
    this.startMinute = clockTime.parse(spec.hours.start);
    this.endMinute = clockTime.parse(spec.hours.end);
    this.hoursPerDay = (this.endMinute - this.startMinute) / 60;
    this.extraClosedDates = new Set(spec.holidays.dates);
    if (spec.holidays.country) {
      if (!currentHolidayProvider()) {
        throw new Error(
          `calendar ${spec.timeZone}: holidays of country ${spec.holidays.country} need holiday data; import functions/core/holidays, or list the dates in holidays.dates`,
        );
      }
      this.country = spec.holidays.country;
      if (spec.holidays.region) this.region = spec.holidays.region;
    }
  }

  /** Public holiday names on a local date (empty when none). */
  holidayNames(date: string): string[] {
    const provider = currentHolidayProvider();
    if (!this.country || !provider) return this.extraClosedDates.has(date) ? ["holiday"] : [];
    return provider.names(this.country, this.region, date);
  }

  isClosedDate(date: string): boolean {
    if (this.extraClosedDates.has(date)) return true;
    return this.publicHolidayDates(Number(date.slice(0, 4))).has(date);
  }

  /** The local date of an instant, YYYY-MM-DD. */
  localDate(instant: number): string {
    // Intl is an order of magnitude faster than luxon here, and this sits on every hot path.
    return this.dateFormat.format(instant);
  }

  day(date: string): BusinessDay {
    let day = this.days.get(date);
    if (!day) {
      const midnight = DateTime.fromISO(date, { zone: this.timeZone });
      const at = (minute: number) =>
        midnight.set({ hour: Math.floor(minute / 60), minute: minute % 60 }).toMillis();
      day = {
        date,
        isBusinessDay: this.workdays.has(midnight.weekday) && !this.isClosedDate(date),
        opensAt: at(this.startMinute),
        closesAt: at(this.endMinute),
      };
      this.days.set(date, day);
    }
    return day;
  }

  nextDate(date: string): string {
    return shiftDate(date, 1);
  }

  previousDate(date: string): string {
    return shiftDate(date, -1);
  }

  isBusinessTime(instant: number): boolean {
    const day = this.day(this.localDate(instant));
    return day.isBusinessDay && instant >= day.opensAt && instant < day.closesAt;
  }

  /** The business day whose window contains the instant, or the first one opening after it. */
  currentOrNextBusinessDay(instant: number): BusinessDay {
    let day = this.day(this.localDate(instant));
    for (let i = 0; i < MAX_DAYS_SCANNED; i++) {
      if (day.isBusinessDay && instant < day.closesAt) return day;
      day = this.day(this.nextDate(day.date));
    }
    throw new Error(`calendar ${this.timeZone} has no business day within ${MAX_DAYS_SCANNED} days`);
  }

  /** The first business day strictly after the given local date. */
  nextBusinessDayAfter(date: string): BusinessDay {
    let day = this.day(this.nextDate(date));
    for (let i = 0; i < MAX_DAYS_SCANNED; i++) {
      if (day.isBusinessDay) return day;
      day = this.day(this.nextDate(day.date));
    }
    throw new Error(`calendar ${this.timeZone} has no business day within ${MAX_DAYS_SCANNED} days`);
  }

  /** The instant on a local date at HH:mm, kept within that day's business window. */
  atLocalTime(day: BusinessDay, hhmm: string): number {
    const key = `${day.date} ${hhmm}`;
    let instant = this.localTimes.get(key);
    if (instant === undefined) {
      const minute = clockTime.parse(hhmm);
      instant = DateTime.fromISO(day.date, { zone: this.timeZone })
        .set({ hour: Math.floor(minute / 60), minute: minute % 60 })
        .toMillis();
      this.localTimes.set(key, instant);
    }
    return Math.min(Math.max(instant, day.opensAt), day.closesAt);
  }

  /** Business hours elapsed between two instants (0 when `to` is not after `from`). */
  businessHoursBetween(from: number, to: number): number {
    if (to <= from) return 0;
    let total = 0;
    let day = this.day(this.localDate(from));
    while (day.opensAt < to) {
      if (day.isBusinessDay) {
        const start = Math.max(from, day.opensAt);
        const end = Math.min(to, day.closesAt);
        if (end > start) total += end - start;
      }
      day = this.day(this.nextDate(day.date));
    }
    return total / HOUR_MS;
  }

  /** The earliest instant at which `hours` business hours have elapsed since `from`. */
  addBusinessHours(from: number, hours: number): number {
    let remaining = hours * HOUR_MS;
    let day = this.currentOrNextBusinessDay(from);
    for (let i = 0; i < MAX_DAYS_SCANNED * 10; i++) {
      const start = Math.max(from, day.opensAt);
      const available = day.closesAt - start;
      if (remaining <= available) return start + remaining;
      remaining -= available;
      day = this.nextBusinessDayAfter(day.date);
    }
    throw new Error("addBusinessHours did not converge");
  }

  /** The latest instant at or before `to` from which `hours` business hours reach `to`. */
  subtractBusinessHours(to: number, hours: number): number {
    let remaining = hours * HOUR_MS;
    let day = this.day(this.localDate(to));
    for (let i = 0; i < MAX_DAYS_SCANNED * 10; i++) {
      if (day.isBusinessDay && day.opensAt < to) {
        const end = Math.min(to, day.closesAt);
        const available = end - day.opensAt;
        if (remaining <= available) return end - remaining;
        remaining -= available;
      }
      day = this.day(this.previousDate(day.date));
    }
    throw new Error("subtractBusinessHours did not converge");
  }

  /** The same local time `count` business days later (clamped into that day's window). */
  addBusinessDays(from: number, count: number): number {
    let day = this.currentOrNextBusinessDay(from);
    for (let i = 0; i < count; i++) day = this.nextBusinessDayAfter(day.date);
    return this.atLocalTime(day, this.timeFormat.format(from));
  }

  toLocalISO(instant: number): string {
    return DateTime.fromMillis(instant, { zone: this.timeZone }).toISO({
      suppressMilliseconds: true,
    }) as string;
  }

  private publicHolidayDates(year: number): ReadonlySet<string> {
    let dates = this.holidayDatesByYear.get(year);
    if (!dates) {
      dates = new Set(
        this.country && currentHolidayProvider()
          ? (currentHolidayProvider() as HolidayProvider).publicHolidays(this.country, this.region, year)
          : [],
      );
      this.holidayDatesByYear.set(year, dates);
    }
    return dates;
  }
}

const shiftedDates = new Map<string, string>();

function shiftDate(date: string, days: 1 | -1): string {
  const key = days === 1 ? date : `-${date}`;
  let shifted = shiftedDates.get(key);
  if (!shifted) {
    shifted = new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    shiftedDates.set(key, shifted);
  }
  return shifted;
}

const calendars = new Map<string, BusinessCalendar>();
const calendarsBySpecObject = new WeakMap<CalendarSpec, BusinessCalendar>();

/** Calendars are immutable and costly to warm up, so equal specs share one instance. */
export function calendarFor(spec: CalendarSpec): BusinessCalendar {
  let calendar = calendarsBySpecObject.get(spec);
  if (calendar) return calendar;
  const key = JSON.stringify(spec);
  calendar = calendars.get(key);
  if (!calendar) {
    calendar = new BusinessCalendar(spec);
    calendars.set(key, calendar);
  }
  calendarsBySpecObject.set(spec, calendar);
  return calendar;
}
