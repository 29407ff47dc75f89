import { describe, expect, it } from "vitest";
import { BusinessCalendar, CalendarSpecSchema } from "../../functions/core";

const madrid = new BusinessCalendar({ timeZone: "Europe/Madrid", holidays: { country: "ES", region: "MD" } });
const mexico = new BusinessCalendar({ timeZone: "America/Mexico_City", holidays: { country: "MX" } });
const london = new BusinessCalendar({
  timeZone: "Europe/London",
  hours: { start: "08:30", end: "17:30" },
  holidays: { country: "GB", region: "ENG" },
});
const at = (iso: string) => Date.parse(iso);

describe("business calendar", () => {
  it("knows Spanish national holidays, Madrid's own, and weekends", () => {
    expect(madrid.day("2026-10-12").isBusinessDay).toBe(false); // Fiesta Nacional
    expect(madrid.day("2026-12-08").isBusinessDay).toBe(false); // Inmaculada
    expect(madrid.day("2026-11-02").isBusinessDay).toBe(false); // Comunidad de Madrid's substitute day
    expect(
      new BusinessCalendar({ timeZone: "Europe/Madrid", holidays: { country: "ES" } }).day("2026-11-02")
        .isBusinessDay,
    ).toBe(true);
    // City holidays (Almudena in Madrid city) are not in the national data: ops list them as dates.
    const city = new BusinessCalendar({
      timeZone: "Europe/Madrid",
      holidays: { country: "ES", region: "MD", dates: ["2026-11-09"] },
    });
    expect(city.day("2026-11-09").isBusinessDay).toBe(false);
    expect(madrid.day("2026-10-13").isBusinessDay).toBe(true);
    expect(madrid.day("2026-10-24").isBusinessDay).toBe(false); // Saturday
    expect(madrid.holidayNames("2026-10-12")[0]).toMatch(/Fiesta Nacional/);
  });

  it("knows Mexican and English holidays", () => {
    expect(mexico.day("2026-11-16").isBusinessDay).toBe(false); // Revolución (third Monday)
    expect(mexico.day("2026-09-16").isBusinessDay).toBe(false); // Independencia
    expect(london.day("2026-12-28").isBusinessDay).toBe(false); // Boxing Day substitute
    expect(london.day("2026-08-31").isBusinessDay).toBe(false); // Summer bank holiday
  });

  it("opens and closes in local time on both sides of a DST change", () => {
    const friday = madrid.day("2026-10-23");
    const monday = madrid.day("2026-10-26");
    expect(new Date(friday.opensAt).toISOString()).toBe("2026-10-23T07:00:00.000Z"); // CEST
    expect(new Date(monday.opensAt).toISOString()).toBe("2026-10-26T08:00:00.000Z"); // CET
  });

  it("counts business hours across a weekend and a DST change", () => {
    const fri17 = at("2026-10-23T15:00:00Z"); // 17:00 Madrid
    const mon10 = at("2026-10-26T09:00:00Z"); // 10:00 Madrid, after the clocks went back
    expect(madrid.businessHoursBetween(fri17, mon10)).toBe(2);
    expect(madrid.addBusinessHours(fri17, 2)).toBe(mon10);
    expect(madrid.subtractBusinessHours(mon10, 2)).toBe(fri17);
  });

  it("skips a holiday when adding business hours and days", () => {
    const fri = at("2026-10-09T14:00:00Z"); // Friday 16:00 Madrid; Monday 12 Oct is a holiday
    expect(madrid.toLocalISO(madrid.addBusinessHours(fri, 5))).toBe("2026-10-13T12:00:00+02:00");
    expect(madrid.toLocalISO(madrid.addBusinessDays(fri, 1))).toBe("2026-10-13T16:00:00+02:00");
  });

  it("treats after-hours and weekend instants as the next opening", () => {
    const sat = at("2026-11-21T12:00:00Z");
    expect(madrid.isBusinessTime(sat)).toBe(false);
    expect(madrid.currentOrNextBusinessDay(sat).date).toBe("2026-11-23");
    expect(madrid.businessHoursBetween(sat, at("2026-11-23T08:00:00Z"))).toBe(0);
  });

  it("rejects a wrong calendar with the field named", () => {
    const result = CalendarSpecSchema.safeParse({
      timeZone: "Mars/Olympus",
      hours: { start: "18:00", end: "09:00" },
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(paths).toContain("timeZone");
    expect(paths).toContain("hours.end");
  });
});
