import { describe, expect, it } from "vitest";
import {
  type Decision,
  decide,
  type Effect,
  policySettings,
  type Ticket,
  type TicketEvent,
} from "../../functions/core";
import { checkTicket, RULES, type Rule } from "../../tools/simulation/checker";
import { type EngineOptions, runTicket } from "../../tools/simulation/engine";
import { DEFAULT_START } from "../../tools/simulation/report";
import { generateScripts } from "../../tools/simulation/scenarios";

/**
 * The checker must catch a policy that breaks a rule; otherwise 100% would mean nothing. Each
 * mutant below is the real `decide` with one promise broken, and the checker must say which.
 */

type Policy = typeof decide;

const settings = policySettings();
const DAYS = 20;
const horizon = DEFAULT_START + DAYS * 86_400_000;
const scripts = generateScripts({ tickets: 100, start: DEFAULT_START, days: DAYS, seed: 3, riskyShare: 0.2 });
/** Every run also delivers stale timer firings, which the real policy must ignore. */
const engine = (policy: Policy): EngineOptions => ({ decide: policy, staleTimers: true });

/** The real policy, its decision then altered. */
const altered =
  (mutate: (d: Decision, e: TicketEvent, t?: Ticket) => Decision): Policy =>
  (t, e, now, s) =>
    mutate(decide(t, e, now, s), e, t);
const without = (d: Decision, drop: (x: Effect) => boolean): Decision => ({
  ...d,
  effects: d.effects.filter((x) => !drop(x)),
});
const mapped = (d: Decision, map: (x: Effect) => Effect): Decision => ({ ...d, effects: d.effects.map(map) });
const sends = (template: string) => (x: Effect) => x.kind === "send-client" && x.template === template;
const notifies = (template: string) => (x: Effect) => x.kind === "notify" && x.template === template;
const isTimer = (e: TicketEvent, name: string) => e.type === "timer" && e.name === name;

const mutants: { name: string; rule: Rule; policy: Policy }[] = [
  {
    name: "opens a ticket without acknowledging it",
    rule: "acknowledgement",
    policy: altered((d, e) => (e.type === "client-new" ? without(d, sends("acknowledgement")) : d)),
  },
  {
    name: "takes a summary without restating it to the client",
    rule: "understanding",
    policy: altered((d, e) => (e.type === "summary" ? without(d, sends("understanding")) : d)),
  },
  {
    name: "sends the diagnosis twice",
    rule: "diagnosis",
    policy: altered((d, e) =>
      e.type === "diagnosis"
        ? {
            ...d,
            effects: [
              ...d.effects,
              ...d.effects.filter((x) => x.kind === "send-client").map((x) => ({ ...x, id: `${x.id}b` })),
            ],
          }
        : d,
    ),
  },
  {
    name: "drops the end-of-day notice",
    rule: "end-of-day",
    policy: altered((d, e) => (isTimer(e, "eod") ? without(d, sends("end-of-day")) : d)),
  },
  {
    name: "leaves the technician's ETA out of the plan",
    rule: "plan",
    policy: altered((d, e) =>
      e.type === "plan"
        ? mapped(d, (x) => (x.kind === "send-client" ? { ...x, data: { ...x.data, eta: undefined } } : x))
        : d,
    ),
  },
  {
    name: "never says that the forecast moved",
    rule: "plan-change",
    policy: altered((d, e) =>
      e.type === "change"
        ? mapped(d, (x) =>
            x.kind === "send-client" ? { ...x, data: { ...x.data, forecastMoved: false } } : x,
          )
        : d,
    ),
  },
  {
    name: "leaves the latest progress out of the digest",
    rule: "daily-update",
    policy: altered((d, e) =>
      isTimer(e, "update")
        ? mapped(d, (x) =>
            sends("daily-update")(x) && x.kind === "send-client"
              ? { ...x, data: { ...x.data, progress: (x.data.progress ?? []).slice(0, -1) } }
              : x,
          )
        : d,
    ),
  },
  {
    name: "never reminds the technician",
    rule: "technician-reminder",
    policy: altered((d, e) => (isTimer(e, "reminder") ? without(d, notifies("reminder")) : d)),
  },
  {
    name: "skips the call task on escalation",
    rule: "escalation",
    policy: altered((d, e) => (e.type === "escalate" ? without(d, (x) => x.kind === "call-task") : d)),
  },
  {
    name: "skips the call task after a long resolution",
    rule: "resolution",
    policy: altered((d, e) => (e.type === "resolve" ? without(d, (x) => x.kind === "call-task") : d)),
  },
  {
    name: "closes on the client's confirmation without telling them",
    rule: "closure",
    policy: altered((d, e) => (e.type === "client-reply" ? without(d, sends("closure")) : d)),
  },
  {
    name: "reopens without alerting the technicians",
    rule: "reopen",
    policy: altered((d, e) => (e.type === "client-reply" ? without(d, notifies("ticket-reopened")) : d)),
  },
  {
    name: "never alerts the lead of a low rating",
    rule: "feedback",
    policy: altered((d, e) => (e.type === "feedback" ? without(d, notifies("low-rating")) : d)),
  },
  {
    name: "forgets the daily update",
    rule: "no-silent-business-day",
    policy: altered((d, e) => (isTimer(e, "update") ? without(d, (x) => x.kind === "send-client") : d)),
  },
  {
    name: "invents a deadline in the acknowledgement",
    rule: "no-invented-dates",
    policy: altered((d, e) =>
      e.type === "client-new"
        ? mapped(d, (x) =>
            x.kind === "send-client" ? { ...x, data: { ...x.data, eta: "2026-12-01T10:00:00Z" } } : x,
          )
        : d,
    ),
  },
  {
    name: "answers in English to everyone",
    rule: "client-language",
    policy: altered((d) =>
      mapped(d, (x) => (x.kind === "send-client" ? { ...x, locale: "en" as const } : x)),
    ),
  },
  {
    name: "applies a redelivered event again",
    rule: "exactly-once",
    policy: (t, e, now, s) => {
      const d = decide(t, e, now, s);
      if (d.outcome !== "duplicate" || !t) return d;
      return decide({ ...t, seenEventIds: t.seenEventIds.filter((id) => id !== e.id) }, e, now, s);
    },
  },
  {
    name: "acts on a timer that fired for a state that moved on",
    rule: "closure",
    policy: (t, e, now, s) => {
      const d = decide(t, e, now, s);
      if (d.outcome !== "stale" || !t || e.type !== "timer") return d;
      return decide({ ...t, timers: { ...t.timers, [e.name]: e.dueAt } }, e, now, s);
    },
  },
  {
    name: "sends a text the tone coach flags at once",
    rule: "tone-coach",
    policy: (t, e, now, s) => decide(t, e, now, { ...s, coach: false }),
  },
  {
    name: "loses the held message when #send arrives",
    rule: "tone-coach",
    policy: altered((d, e) => (e.type === "send-held" ? without(d, (x) => x.kind === "send-client") : d)),
  },
  {
    name: "counts a held message as news: the silence clock restarts and the next update moves on",
    rule: "no-silent-business-day",
    policy: (t, e, now, s) => {
      const d = decide(t, e, now, s);
      const held = d.effects.some((x) => x.kind === "notify" && x.template === "coach");
      if (!held || !t || !d.ticket) return d;
      // A later update timer, as if the held text had been sent: what the policy must not do.
      const due = new Date(new Date(now).getTime() + 30 * 3_600_000).toISOString();
      return {
        ...d,
        ticket: {
          ...d.ticket,
          lastClientMessageAt: new Date(now).toISOString(),
          timers: { ...d.ticket.timers, update: due },
        },
        effects: [...d.effects, { id: `${e.id}#late`, kind: "set-timer", name: "update", at: due }],
      };
    },
  },
];

describe("simulator checker against mutant policies", () => {
  it("has a mutant for every rule", () => {
    expect(new Set(mutants.map((m) => m.rule))).toEqual(new Set(RULES));
  });

  it("finds the real policy keeping every rule on the same tickets, stale timers delivered", () => {
    const verdicts = scripts.map((script) =>
      checkTicket(runTicket(script, settings, horizon, engine(decide)), settings),
    );
    expect(verdicts.flatMap((v) => v.failures)).toEqual([]);
    // Every rule applied to some ticket, so each mutant below has a chance to be seen.
    for (const rule of RULES)
      expect(
        verdicts.some((v) => v.rules[rule] === true),
        rule,
      ).toBe(true);
    const stale = scripts
      .flatMap((script) => runTicket(script, settings, horizon, engine(decide)).delivered)
      .filter((d) => d.decision.outcome === "stale");
    expect(stale.length).toBeGreaterThan(0);
  });

  for (const { name, rule, policy } of mutants) {
    it(`catches a policy that ${name} (${rule})`, () => {
      const caught = scripts.some(
        (script) =>
          checkTicket(runTicket(script, settings, horizon, engine(policy)), settings).rules[rule] === false,
      );
      expect(caught).toBe(true);
    });
  }
});
