const formatters = new Map<string, Intl.DateTimeFormat>();

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock parts of an instant in a time zone (one cached formatter per zone). */
export function zonedParts(instant: Date | number | string, timeZone: string): ZonedParts | undefined {
  const date = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(date.getTime())) return undefined;
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Numeric parts in a fixed shape ("2026-11-24, 17:00:00") are cheap to get and to read.
    formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, formatter);
  }
  const [year, month, day, hour, minute, second] = formatter.format(date).match(/\d+/g)?.map(Number) ?? [];
  if (year === undefined || month === undefined || day === undefined) return undefined;
  return { year, month, day, hour: hour ?? 0, minute: minute ?? 0, second: second ?? 0 };
}

export const pad2 = (n: number) => String(n).padStart(2, "0");
