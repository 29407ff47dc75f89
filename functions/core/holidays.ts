import Holidays from "date-holidays";
import { type CalendarSpec, CalendarSpecSchema, registerHolidayProvider } from "./calendar";

/**
 * Public holidays from date-holidays (country and region data). Importing this module registers
 * it; Lambda functions do not import it (the stack expands holidays into dates, see expandHolidays).
 */
const instances = new Map<string, Holidays>();
function holidaysOf(country: string, region?: string): Holidays {
  const key = `${country}/${region ?? ""}`;
  let instance = instances.get(key);
  if (!instance) {
    instance = region ? new Holidays(country, region) : new Holidays(country);
    instances.set(key, instance);
  }
  return instance;
}

const countries = new Holidays().getCountries();

registerHolidayProvider({
  knowsCountry: (country) => Boolean(countries[country.toUpperCase()]),
  publicHolidays: (country, region, year) =>
    holidaysOf(country, region)
      .getHolidays(year)
      .filter((holiday) => holiday.type === "public")
      .map((holiday) => holiday.date.slice(0, 10)),
  names: (country, region, date) => {
    const found = holidaysOf(country, region).isHoliday(new Date(`${date}T12:00:00Z`));
    return found ? found.filter((h) => h.type === "public").map((h) => h.name) : [];
  },
});

/** The same calendar with its country's public holidays written out as dates for a span of years. */
export function expandHolidays(input: CalendarSpec, fromYear: number, toYear: number): CalendarSpec {
  const spec = CalendarSpecSchema.parse(input);
  const { country, region, dates } = spec.holidays;
  if (!country) return spec;
  const holidays = holidaysOf(country, region);
  const expanded = new Set(dates);
  for (let year = fromYear; year <= toYear; year++) {
    for (const holiday of holidays.getHolidays(year))
      if (holiday.type === "public") expanded.add(holiday.date.slice(0, 10));
  }
  return { ...spec, holidays: { dates: [...expanded].sort() } };
}
