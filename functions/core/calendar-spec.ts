import * as z from "zod";

/** A valid IANA time zone, checked with Intl (no date library needed). */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a 24-hour time like 09:00")
  .transform((value) => {
    const [hours, minutes] = value.split(":").map(Number) as [number, number];
    return hours * 60 + minutes;
  });

export const CalendarSpecSchema = z
  .object({
    timeZone: z.string().refine(isValidTimeZone, "must be an IANA time zone"),
    /** ISO weekdays: 1 = Monday … 7 = Sunday. */
    workdays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
    hours: z.object({ start: z.string(), end: z.string() }).default({ start: "09:00", end: "18:00" }),
    holidays: z
      .object({
        /** ISO 3166 country code known to date-holidays, e.g. ES, MX, GB. */
        country: z.string().length(2).optional(),
        /** Region within the country, e.g. MD (Madrid) or ENG (England). */
        region: z.string().optional(),
        /** Extra closed dates, YYYY-MM-DD in the calendar's time zone. */
        dates: z.array(z.iso.date()).default([]),
      })
      .default({ dates: [] }),
  })
  .superRefine((spec, ctx) => {
    const start = clockTime.safeParse(spec.hours.start);
    const end = clockTime.safeParse(spec.hours.end);
    if (!start.success) ctx.addIssue({ code: "custom", path: ["hours", "start"], message: "must be HH:mm" });
    if (!end.success) ctx.addIssue({ code: "custom", path: ["hours", "end"], message: "must be HH:mm" });
    if (start.success && end.success && end.data <= start.data) {
      ctx.addIssue({ code: "custom", path: ["hours", "end"], message: "must be after hours.start" });
    }
    const provider = currentHolidayProvider();
    if (spec.holidays.country && provider && !provider.knowsCountry(spec.holidays.country)) {
      ctx.addIssue({ code: "custom", path: ["holidays", "country"], message: "unknown country code" });
    }
  });

export type CalendarSpec = z.input<typeof CalendarSpecSchema>;

/**
 * Public holidays by country and region. The calendar does not load holiday data itself: locally,
 * in tools and tests `./holidays` registers date-holidays; Lambda functions get calendars whose
 * holidays the stack already expanded into dates, and never load the data.
 */
export interface HolidayProvider {
  knowsCountry(country: string): boolean;
  publicHolidays(country: string, region: string | undefined, year: number): string[];
  names(country: string, region: string | undefined, date: string): string[];
}

let holidayProvider: HolidayProvider | undefined;

export function registerHolidayProvider(provider: HolidayProvider) {
  holidayProvider = provider;
}

export function currentHolidayProvider(): HolidayProvider | undefined {
  return holidayProvider;
}
