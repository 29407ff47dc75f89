import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { policySettings, TIMER_NAMES, type TicketEventInput } from "../../functions/core";
import { checkTicket, RULES } from "../../tools/simulation/checker";
import { runTicket, type ScriptedEvent, type TicketScript } from "../../tools/simulation/engine";
import { CLIENT_PROFILES } from "../../tools/simulation/scenarios";

const settings = policySettings();
const START = Date.parse("2026-10-01T00:00:00Z");
const HOUR = 3_600_000;
const techs = [{ address: "lucia@support.example", name: "Lucía" }, { address: "tom@support.example" }];
const text = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);

/** Any event a ticket can receive, in any order, whatever the state: the policy must cope. */
const anyEvent = fc.oneof(
  fc.record({
    type: fc.constantFrom("summary", "diagnosis", "update", "note", "reply"),
    actor: fc.constantFrom(...techs),
    text,
  }),
  fc.record({
    type: fc.constantFrom("plan", "change"),
    actor: fc.constantFrom(...techs),
    text,
    eta: fc.option(fc.integer({ min: 1, max: 24 * 30 }), { nil: undefined }),
    alternatives: fc.option(text, { nil: undefined }),
  }),
  fc.record({ type: fc.constant("escalate"), actor: fc.constantFrom(...techs), text, escalatedTo: text }),
  fc.record({
    type: fc.constant("resolve"),
    actor: fc.constantFrom(...techs),
    cause: fc.option(text, { nil: undefined }),
    fix: text,
  }),
  fc.record({
    type: fc.constant("client-reply"),
    from: fc.constant({ address: "ana@cliente.example" }),
    text,
    intent: fc.constantFrom("confirm", "still-broken", "other"),
  }),
  fc.record({ type: fc.constantFrom("confirm", "reopen") }),
  fc.record({
    type: fc.constant("feedback"),
    rating: fc.integer({ min: 1, max: 5 }),
    comment: fc.option(text, { nil: undefined }),
    idea: fc.option(text, { nil: undefined }),
  }),
  // A timer delivered late or for a state long gone: must be a no-op.
  fc.record({
    type: fc.constant("timer"),
    name: fc.constantFrom(...TIMER_NAMES),
    dueOffsetHours: fc.integer({ min: -48, max: 48 }),
  }),
);

const scriptArbitrary = fc
  .record({
    client: fc.constantFrom(...CLIENT_PROFILES),
    openedAfterMinutes: fc.integer({ min: 0, max: 60 * 24 * 40 }),
    steps: fc.array(
      fc.record({
        gapMinutes: fc.integer({ min: 0, max: 60 * 60 }),
        event: anyEvent,
        redeliver: fc.boolean(),
      }),
      {
        maxLength: 25,
      },
    ),
    duplicateTimers: fc.subarray([...TIMER_NAMES]),
  })
  .map(({ client, openedAfterMinutes, steps, duplicateTimers }): TicketScript => {
    const ticketId = "T-77";
    let at = START + openedAfterMinutes * 60_000;
    const events: ScriptedEvent[] = [
      {
        at,
        event: {
          id: "open",
          ticketId,
          type: "client-new",
          from: { address: "ana@cliente.example", name: "Ana" },
          subject: "Help",
          text: "It broke",
          locale: client.locale,
          calendar: client.calendar,
        },
      },
    ];
    steps.forEach((step, i) => {
      at += step.gapMinutes * 60_000;
      const { eta, dueOffsetHours, ...rest } = step.event as Record<string, unknown>;
      const event: Record<string, unknown> = { ...rest, id: `s${i}`, ticketId };
      if (typeof eta === "number") {
        event.eta = DateTime.fromMillis(at + eta * HOUR, { zone: client.calendar.timeZone }).toFormat(
          "yyyy-MM-dd HH:mm",
        );
      }
      if (typeof dueOffsetHours === "number")
        event.dueAt = new Date(at + dueOffsetHours * HOUR).toISOString();
      events.push({ at, event: event as TicketEventInput, redeliver: step.redeliver });
    });
    return { ticketId, profile: "random", events, duplicateTimers };
  });

describe("policy invariants over random event sequences (fast-check)", () => {
  it("holds every rule of DESIGN §1, never throws, never duplicates", () => {
    fc.assert(
      fc.property(scriptArbitrary, (script) => {
        const last = script.events.at(-1)?.at ?? START;
        const run = runTicket(script, settings, last + 10 * 24 * HOUR);
        const verdict = checkTicket(run, settings);
        const failed = RULES.filter((rule) => verdict.rules[rule] === false);
        expect(
          verdict.failures,
          JSON.stringify(script.events.map((e) => [new Date(e.at).toISOString(), e.event.type])),
        ).toEqual([]);
        expect(failed).toEqual([]);
        expect(verdict.duplicates).toBe(0);
        expect(verdict.maxSilenceBusinessHours).toBeLessThanOrEqual(verdict.hoursPerDay);
      }),
      { numRuns: 400 },
    );
  });

  it("produces exactly one client message per applied diagnosis, plan change, escalation and resolution", () => {
    fc.assert(
      fc.property(scriptArbitrary, (script) => {
        const run = runTicket(script, settings, (script.events.at(-1)?.at ?? START) + 10 * 24 * HOUR);
        const expected = {
          diagnosis: "diagnosis",
          change: "plan-change",
          escalate: "escalation",
          resolve: "resolution",
        } as const;
        const firstDeliveries = new Set<string>();
        for (const delivery of run.delivered) {
          const type = delivery.event.type as keyof typeof expected;
          const id = String(delivery.event.id);
          const first = !firstDeliveries.has(id);
          firstDeliveries.add(id);
          if (!(type in expected)) continue;
          const messages = delivery.decision.effects.filter(
            (e) => e.kind === "send-client" && e.template === expected[type],
          );
          const applied = first && delivery.decision.outcome === "applied";
          expect(messages).toHaveLength(applied ? 1 : 0);
          if (first && delivery.statusBefore === "open") expect(delivery.decision.outcome).toBe("applied");
        }
      }),
      { numRuns: 300 },
    );
  });
});
