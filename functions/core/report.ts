import { calendarFor } from "./calendar";
import type { Ticket, WeeklyReport } from "./model";
import { zonedParts } from "./zoned";

export interface ReportFeedback {
  ticketId: string;
  rating: number;
  comment?: string;
  idea?: string;
  at: string;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const average = (values: number[]) =>
  values.length ? round1(values.reduce((a, b) => a + b, 0) / values.length) : undefined;

function localDate(instant: number, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  if (!p) return new Date(instant).toISOString().slice(0, 10);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

/** The seven days before `now`: figures in business hours of each client's calendar. Pure. */
export function weeklyReport(input: {
  tickets: { ticket: Ticket; lastSentAt?: string }[];
  feedback: ReportFeedback[];
  now: Date;
  timeZone: string;
  top?: number;
}): WeeklyReport {
  const end = input.now.getTime();
  const start = end - 7 * 86_400_000;
  const inWeek = (at: string | undefined) =>
    at !== undefined && Date.parse(at) > start && Date.parse(at) <= end;
  const top = input.top ?? 5;
  const diagnosis: number[] = [];
  const resolution: number[] = [];
  const silences: WeeklyReport["longestSilences"] = [];
  let opened = 0;
  let resolved = 0;
  let open = 0;
  let escalations = 0;
  let reopenings = 0;
  for (const { ticket, lastSentAt } of input.tickets) {
    const calendar = calendarFor(ticket.client.calendar);
    const openedAt = Date.parse(ticket.openedAt);
    if (inWeek(ticket.openedAt)) opened += 1;
    if (ticket.diagnosis && inWeek(ticket.diagnosis.at))
      diagnosis.push(calendar.businessHoursBetween(openedAt, Date.parse(ticket.diagnosis.at)));
    if (ticket.resolution && inWeek(ticket.resolution.at)) {
      resolved += 1;
      resolution.push(calendar.businessHoursBetween(openedAt, Date.parse(ticket.resolution.at)));
    }
    escalations += ticket.escalations.filter((e) => inWeek(e.at)).length;
    if (ticket.status === "open") {
      open += 1;
      const hours = round1(calendar.businessHoursBetween(Date.parse(lastSentAt ?? ticket.openedAt), end));
      silences.push({
        ticketId: ticket.id,
        client: ticket.client.name ?? ticket.client.address,
        subject: ticket.subject,
        hours,
        overdue: hours > calendar.hoursPerDay,
      });
    }
    // Reopened tickets the client wrote about this week.
    if (ticket.counters.reopenings > 0 && inWeek(ticket.lastClientMessageAt)) reopenings += 1;
  }
  silences.sort((a, b) => b.hours - a.hours);
  const weekFeedback = input.feedback.filter((f) => inWeek(f.at));
  const lowest = [...weekFeedback].sort((a, b) => a.rating - b.rating || a.at.localeCompare(b.at));
  const averageDiagnosisHours = average(diagnosis);
  const averageResolutionHours = average(resolution);
  const averageRating = average(weekFeedback.map((f) => f.rating));
  return {
    from: localDate(start, input.timeZone),
    to: localDate(end, input.timeZone),
    opened,
    resolved,
    open,
    overdue: silences.filter((s) => s.overdue).length,
    ...(averageDiagnosisHours !== undefined ? { averageDiagnosisHours } : {}),
    ...(averageResolutionHours !== undefined ? { averageResolutionHours } : {}),
    escalations,
    reopenings,
    ratings: weekFeedback.length,
    ...(averageRating !== undefined ? { averageRating } : {}),
    longestSilences: silences.slice(0, top),
    lowestRatings: lowest.slice(0, top).map((f) => ({
      ticketId: f.ticketId,
      rating: f.rating,
      stars: "★".repeat(f.rating) + "☆".repeat(5 - f.rating),
      ...(f.comment ? { comment: f.comment } : {}),
    })),
    ideas: weekFeedback.filter((f) => f.idea).map((f) => ({ ticketId: f.ticketId, idea: f.idea as string })),
  };
}
