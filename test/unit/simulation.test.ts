import { describe, expect, it } from "vitest";
import {
  type Decision,
  decide,
  type PolicySettings,
  policySettings,
  type Ticket,
  type TicketEvent,
} from "../../functions/core";
import { checkTicket, RULES } from "../../tools/simulation/checker";
import { runTicket } from "../../tools/simulation/engine";
import { DEFAULT_START, simulate } from "../../tools/simulation/report";
import { generateScripts } from "../../tools/simulation/scenarios";

const settings = policySettings();

describe("simulator", () => {
  it("holds every rule on a varied population, deterministically", () => {
    const report = simulate({ tickets: 400, days: 30, seed: 7 }, settings);
    expect(report.failures).toEqual([]);
    for (const rule of RULES) expect(report.compliance[rule], rule).toBe(100);
    expect(report.duplicates).toBe(0);
    expect(report.maxSilenceBusinessHours).toBeLessThanOrEqual(report.businessDayHours);
    expect(Object.keys(report.profiles).sort()).toEqual(
      ["escalation", "fast", "forgetful", "long-running", "plan-changer", "reopen", "slow"].sort(),
    );
    const again = simulate({ tickets: 400, days: 30, seed: 7 }, settings);
    expect({ ...again, elapsedSeconds: 0 }).toEqual({ ...report, elapsedSeconds: 0 });
  });

  /** The checker must catch a policy that breaks a rule; otherwise 100% would mean nothing. */
  const mutants: Record<
    string,
    [rule: string, mutate: (d: Decision, e: TicketEvent, t?: Ticket) => Decision]
  > = {
    "forgets the daily update": [
      "no-silent-business-day",
      (d, e) =>
        e.type === "timer" && e.name === "update"
          ? { ...d, effects: d.effects.filter((x) => x.kind !== "send-client") }
          : d,
    ],
    "sends the diagnosis twice": [
      "diagnosis",
      (d, e) =>
        e.type === "diagnosis"
          ? {
              ...d,
              effects: [
                ...d.effects,
                ...d.effects.filter((x) => x.kind === "send-client").map((x) => ({ ...x, id: `${x.id}b` })),
              ],
            }
          : d,
    ],
    "invents a deadline in the acknowledgement": [
      "no-invented-dates",
      (d, e) =>
        e.type === "client-new"
          ? {
              ...d,
              effects: d.effects.map((x) =>
                x.kind === "send-client" ? { ...x, data: { ...x.data, eta: "2026-12-01T10:00:00Z" } } : x,
              ),
            }
          : d,
    ],
    "answers in English to everyone": [
      "client-language",
      (d) => ({
        ...d,
        effects: d.effects.map((x) => (x.kind === "send-client" ? { ...x, locale: "en" as const } : x)),
      }),
    ],
    "drops the end-of-day notice": [
      "end-of-day",
      (d, e) => (e.type === "timer" && e.name === "eod" ? { ...d, effects: [] } : d),
    ],
    "skips the call task on escalation": [
      "escalation",
      (d, e) =>
        e.type === "escalate" ? { ...d, effects: d.effects.filter((x) => x.kind !== "call-task") } : d,
    ],
  };

  for (const [name, [rule, mutate]] of Object.entries(mutants)) {
    it(`catches a policy that ${name}`, () => {
      const mutant = (
        t: Ticket | undefined,
        e: TicketEvent,
        now: Parameters<typeof decide>[2],
        s: PolicySettings,
      ) => mutate(decide(t, e, now, s), e, t);
      const horizon = DEFAULT_START + 30 * 86_400_000;
      const scripts = generateScripts({ tickets: 150, start: DEFAULT_START, days: 30, seed: 3 });
      const verdicts = scripts.map((script) =>
        checkTicket(runTicket(script, settings, horizon, mutant), settings),
      );
      expect(verdicts.some((v) => v.rules[rule as (typeof RULES)[number]] === false)).toBe(true);
    });
  }
});
