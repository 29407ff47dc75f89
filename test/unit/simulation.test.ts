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

  // The checker's power to catch a policy that breaks a rule: simulation-mutants.test.ts.
});
