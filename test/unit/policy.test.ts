import { describe, expect, it } from "vitest";
import {
  type CalendarSpec,
  type Decision,
  decide,
  type Effect,
  type Locale,
  parseEvent,
  policySettings,
  type Ticket,
  type TicketEventInput,
} from "../../functions/core";

const settings = policySettings();
const MADRID: CalendarSpec = { timeZone: "Europe/Madrid", holidays: { country: "ES" } };
const MEXICO: CalendarSpec = { timeZone: "America/Mexico_City", holidays: { country: "MX" } };
const LONDON: CalendarSpec = { timeZone: "Europe/London", holidays: { country: "GB", region: "ENG" } };
const tech = { address: "lucia@support.example", name: "Lucía" };

/** A small driver: applies events in order, keeps the ticket, returns each decision. */
function story(calendar: CalendarSpec, locale: Locale, openedAt: string) {
  let ticket: Ticket | undefined;
  let n = 0;
  const apply = (at: string, event: Record<string, unknown>): Decision => {
    n += 1;
    const input = { id: `e${n}`, ticketId: "T-1042", ...event } as TicketEventInput;
    const decision = decide(ticket, parseEvent(input), at, settings);
    ticket = decision.ticket;
    return decision;
  };
  const opened = apply(openedAt, {
    type: "client-new",
    from: { address: "ana@cliente.example", name: "Ana" },
    subject: "La impresora de etiquetas no imprime",
    text: "Desde la actualización no imprime.",
    locale,
    calendar,
  });
  return { apply, opened, ticket: () => ticket as Ticket };
}

const sends = (d: Decision) => d.effects.filter((e) => e.kind === "send-client");
const timer = (d: Decision, name: string) =>
  d.effects.find(
    (e): e is Extract<Effect, { kind: "set-timer" }> => e.kind === "set-timer" && e.name === name,
  )?.at;

describe("decide: a ticket in Madrid, in Spanish", () => {
  it("acknowledges at once with no deadline, tells the technicians, and arms the end-of-day notice", () => {
    const { opened } = story(MADRID, "es", "2026-11-23T08:15:00Z"); // Monday 09:15
    const [ack] = sends(opened);
    expect(ack).toMatchObject({
      template: "acknowledgement",
      locale: "es",
      automatic: true,
      to: { address: "ana@cliente.example" },
    });
    expect(ack?.kind === "send-client" && ack.data.eta).toBeUndefined();
    expect(opened.effects.some((e) => e.kind === "notify" && e.template === "new-ticket")).toBe(true);
    expect(timer(opened, "eod")).toBe("2026-11-23T16:30:00.000Z"); // 17:30 local, before closing
  });

  it("sends the diagnosis at once and cancels the end-of-day notice", () => {
    const s = story(MADRID, "es", "2026-11-23T08:15:00Z");
    const d = s.apply("2026-11-23T10:00:00Z", {
      type: "diagnosis",
      actor: tech,
      text: "El driver se corrompió.",
    });
    expect(sends(d).map((e) => e.template)).toEqual(["diagnosis"]);
    expect(d.effects).toContainEqual(expect.objectContaining({ kind: "cancel-timer", name: "eod" }));
    expect(s.ticket().timers.eod).toBeUndefined();
  });

  it("tells a client without a diagnosis before the day ends, and only that", () => {
    const s = story(MADRID, "es", "2026-11-23T08:15:00Z");
    const due = s.ticket().timers.eod as string;
    const fired = s.apply(due, { type: "timer", name: "eod", dueAt: due });
    expect(sends(fired).map((e) => e.template)).toEqual(["end-of-day"]);
    const again = s.apply(due, { type: "timer", name: "eod", dueAt: due });
    expect(again.outcome).toBe("stale");
  });

  it("moves the end-of-day notice to the next business day for a ticket that arrives at closing time", () => {
    const { opened } = story(MADRID, "es", "2026-11-27T16:40:00Z"); // Friday 17:40
    expect(timer(opened, "eod")).toBe("2026-11-30T16:30:00.000Z"); // Monday 17:30
    const [ack] = sends(opened);
    expect(ack?.kind === "send-client" && ack.data.afterHours).toBe(false); // still within the working day
    const saturday = story(MADRID, "es", "2026-11-28T10:00:00Z").opened;
    expect(sends(saturday)[0]).toMatchObject({ data: { afterHours: true } });
    expect(timer(saturday, "update")).toBe("2026-11-30T09:00:00.000Z"); // Monday 10:00: the first business morning
  });

  it("counts a mail sent before opening as that business day's news: no 'still on it' an hour later", () => {
    const { opened } = story(MADRID, "es", "2026-11-23T07:55:00Z"); // Monday 08:55, before opening
    // Not 10:00 the same morning: the end-of-day notice (17:30) or, at the latest, closing time.
    expect(timer(opened, "eod")).toBe("2026-11-23T16:30:00.000Z");
    expect(timer(opened, "update")).toBe("2026-11-23T17:00:00.000Z");
  });

  it("skips the Spanish national holiday", () => {
    const { opened } = story(MADRID, "es", "2026-12-07T18:00:00Z"); // Monday 19:00, Tuesday 8 Dec is a holiday
    expect(timer(opened, "eod")).toBe("2026-12-09T16:30:00.000Z");
    expect(timer(opened, "update")).toBe("2026-12-09T09:00:00.000Z"); // 10:00 on the next business day
  });

  it("shows an ETA only when the technician gave one, in the client's zone", () => {
    const s = story(MADRID, "es", "2026-11-23T08:15:00Z");
    const noEta = s.apply("2026-11-23T09:00:00Z", {
      type: "plan",
      actor: tech,
      text: "Reinstalar el driver.",
    });
    expect(sends(noEta)[0]).toMatchObject({ template: "plan" });
    expect(JSON.stringify(sends(noEta)[0])).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    const withEta = s.apply("2026-11-23T10:00:00Z", {
      type: "change",
      actor: tech,
      text: "Falta una pieza.",
      eta: "2026-11-25 12:00",
    });
    expect(sends(withEta)[0]).toMatchObject({
      template: "plan-change",
      data: { eta: "2026-11-25T12:00:00+01:00", forecastMoved: true },
    });
  });

  it("escalates with one message, a call task and a copy to the account manager", () => {
    const s = story(MADRID, "es", "2026-11-23T08:15:00Z");
    const d = s.apply("2026-11-23T11:00:00Z", {
      type: "escalate",
      actor: tech,
      escalatedTo: "el fabricante",
      text: "Fallo de firmware.",
    });
    expect(sends(d).map((e) => e.template)).toEqual(["escalation"]);
    expect(d.effects.filter((e) => e.kind === "call-task")).toHaveLength(1);
    expect(d.effects).toContainEqual(
      expect.objectContaining({ kind: "notify", audience: "account-manager" }),
    );
  });

  it("resolves, asks for confirmation, and closes when the client confirms", () => {
    const s = story(MADRID, "es", "2026-11-23T08:15:00Z");
    const resolved = s.apply("2026-11-23T12:00:00Z", {
      type: "resuelto",
      actor: tech,
      cause: "Driver",
      fix: "Reinstalado",
    });
    expect(sends(resolved)).toEqual([
      expect.objectContaining({
        template: "resolution",
        data: expect.objectContaining({ cause: "Driver", fix: "Reinstalado", askFeedback: true }),
      }),
    ]);
    expect(resolved.effects.filter((e) => e.kind === "call-task")).toHaveLength(0); // same business day
    expect(s.ticket().timers.update).toBeUndefined();
    const confirmed = s.apply("2026-11-23T13:00:00Z", {
      type: "client-reply",
      from: { address: "ana@cliente.example" },
      text: "¡Funciona!",
      intent: "confirm",
    });
    expect(sends(confirmed).map((e) => e.template)).toEqual(["closure"]);
    expect(s.ticket().status).toBe("closed");
  });

  it("asks the technician to call after a ticket that lasted more than one business day", () => {
    const s = story(MADRID, "es", "2026-11-23T08:15:00Z");
    const resolved = s.apply("2026-11-25T12:00:00Z", { type: "resolve", actor: tech, text: "Reinstalado" });
    expect(resolved.effects.filter((e) => e.kind === "call-task")).toHaveLength(1);
  });

  it("reopens when the client says it is still broken, and the daily cycle resumes", () => {
    const s = story(MADRID, "es", "2026-11-23T08:15:00Z");
    s.apply("2026-11-23T12:00:00Z", { type: "resolve", actor: tech, text: "Reinstalado" });
    const reopened = s.apply("2026-11-24T09:00:00Z", {
      type: "client-reply",
      from: { address: "ana@cliente.example" },
      text: "Sigue sin imprimir",
      intent: "still-broken",
    });
    expect(sends(reopened).map((e) => e.template)).toEqual(["reopened"]);
    expect(reopened.effects).toContainEqual(
      expect.objectContaining({ kind: "notify", template: "ticket-reopened" }),
    );
    expect(s.ticket().status).toBe("open");
    expect(s.ticket().timers.update).toBeDefined();
  });

  it("records feedback, thanks, and alerts the lead on a low rating", () => {
    const s = story(MADRID, "es", "2026-11-23T08:15:00Z");
    const d = s.apply("2026-11-23T12:00:00Z", {
      type: "feedback",
      rating: 1,
      comment: "Lento",
      idea: "Un portal web",
    });
    expect(d.effects.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["record-feedback", "send-client", "notify"]),
    );
    expect(d.effects).toContainEqual(
      expect.objectContaining({ kind: "notify", audience: "lead", template: "low-rating" }),
    );
  });

  it("applies a redelivered event once", () => {
    const s = story(MADRID, "es", "2026-11-23T08:15:00Z");
    const input = {
      id: "dup",
      ticketId: "T-1042",
      type: "diagnosis",
      actor: tech,
      text: "x",
    } as TicketEventInput;
    const first = decide(s.ticket(), parseEvent(input), "2026-11-23T09:00:00Z", settings);
    const second = decide(first.ticket, parseEvent(input), "2026-11-23T09:00:05Z", settings);
    expect(sends(first)).toHaveLength(1);
    expect(second).toMatchObject({ outcome: "duplicate", effects: [] });
  });

  it("tells the technician, never the client, when a command does not fit the state", () => {
    const s = story(MADRID, "es", "2026-11-23T08:15:00Z");
    s.apply("2026-11-23T12:00:00Z", { type: "resolve", actor: tech, text: "ok" });
    s.apply("2026-11-23T13:00:00Z", { type: "confirm" });
    const late = s.apply("2026-11-23T14:00:00Z", { type: "diagnosis", actor: tech, text: "late" });
    expect(late.outcome).toBe("rejected");
    expect(sends(late)).toHaveLength(0);
    expect(late.effects).toEqual([
      expect.objectContaining({ kind: "notify", audience: "technician", template: "command-error" }),
    ]);
  });

  it("rejects events for a ticket that does not exist", () => {
    const d = decide(
      undefined,
      parseEvent({ id: "x", ticketId: "T-9", type: "diagnosis", actor: tech, text: "x" }),
      0,
      settings,
    );
    expect(d).toMatchObject({ outcome: "rejected", effects: [] });
  });
});

describe("decide: Mexico City and London", () => {
  it("keeps Mexico City's hours (no DST) and its holidays", () => {
    const { opened } = story(MEXICO, "es", "2026-11-13T20:00:00Z"); // Friday 14:00; Monday 16 Nov is a holiday
    expect(timer(opened, "eod")).toBe("2026-11-13T23:30:00.000Z"); // 17:30 CST
    expect(timer(opened, "update")).toBe("2026-11-17T16:00:00.000Z"); // Tuesday 10:00 CST
  });

  it("speaks English to a London client and counts across the clock change", () => {
    const s = story(LONDON, "en", "2026-10-23T15:45:00Z"); // Friday 16:45 BST, too late for a same-day notice
    expect(sends(s.opened)[0]).toMatchObject({ locale: "en" });
    expect(timer(s.opened, "eod")).toBe("2026-10-26T17:30:00.000Z"); // Monday 17:30 GMT
    expect(timer(s.opened, "update")).toBe("2026-10-26T10:00:00.000Z"); // Monday 10:00 GMT
  });

  it("never leaves more than one business day between messages", () => {
    const s = story(LONDON, "en", "2026-11-23T09:05:00Z"); // Monday 09:05
    const d = s.apply("2026-11-23T09:10:00Z", { type: "diagnosis", actor: tech, text: "A faulty update." });
    // The preferred 10:00 on Tuesday would be 9h50 of business time away: the update comes earlier.
    expect(timer(d, "update")).toBe("2026-11-24T09:10:00.000Z");
    expect(timer(d, "reminder")).toBe("2026-11-23T16:10:00.000Z");
  });
});
