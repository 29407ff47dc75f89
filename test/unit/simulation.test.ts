import { describe, expect, it } from "vitest";
import { policySettings } from "../../functions/core";
import { RULES } from "../../tools/simulation/checker";
import { simulate } from "../../tools/simulation/report";

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

  it("holds every rule with the tone coach holding a fifth of the technicians' texts, and with it off", () => {
    const coached = simulate({ tickets: 300, days: 30, seed: 11, riskyShare: 0.2 }, settings);
    expect(coached.failures).toEqual([]);
    expect(coached.coach.held).toBeGreaterThan(50);
    expect(coached.applicable["tone-coach"]).toBeGreaterThan(250);
    for (const rule of RULES) expect(coached.compliance[rule], rule).toBe(100);
    expect(coached.maxSilenceBusinessHours).toBeLessThanOrEqual(coached.businessDayHours);
    const off = simulate(
      { tickets: 300, days: 30, seed: 11, riskyShare: 0.2 },
      policySettings({ coach: false }),
    );
    expect(off.failures).toEqual([]);
    expect(off.coach.held).toBe(0);
    for (const rule of RULES) expect(off.compliance[rule], rule).toBe(100);
  });

  // The checker's power to catch a policy that breaks a rule: simulation-mutants.test.ts.
});
