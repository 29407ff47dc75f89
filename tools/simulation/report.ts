import type { PolicySettings } from "../../functions/core";
import { checkTicket, RULES, type Rule, type TicketVerdict } from "./checker";
import { runTicket } from "./engine";
import { generateScripts } from "./scenarios";

export interface SimulationOptions {
  tickets: number;
  days: number;
  seed: number;
  /** First instant of the simulated period (default: 2026-10-05, covering a holiday and a DST change). */
  start?: number;
  /** Share of technicians' client-bound texts with risky wording, for the tone coach (default 0.2). */
  riskyShare?: number;
}

export const DEFAULT_RISKY_SHARE = 0.2;

export interface SimulationReport {
  tickets: number;
  days: number;
  seed: number;
  compliance: Record<Rule, number>;
  /** Tickets each rule applied to (a rule that applied to none shows 100%). */
  applicable: Record<Rule, number>;
  maxSilenceBusinessHours: number;
  /** The shortest business day among the calendars used: the silence limit. */
  businessDayHours: number;
  messagesPerTicket: number;
  duplicates: number;
  /** The tone coach: the share of risky texts scripted, and how many client-bound texts it held. */
  coach: { riskyShare: number; held: number };
  profiles: Record<string, number>;
  failures: { ticketId: string; profile: string; failures: string[] }[];
  elapsedSeconds: number;
}

export const DEFAULT_START = Date.parse("2026-10-05T00:00:00Z");

export function simulate(options: SimulationOptions, settings: PolicySettings): SimulationReport {
  const started = performance.now();
  const start = options.start ?? DEFAULT_START;
  const horizon = start + options.days * 86_400_000;
  const scripts = generateScripts({
    tickets: options.tickets,
    start,
    days: options.days,
    seed: options.seed,
    riskyShare: options.riskyShare ?? DEFAULT_RISKY_SHARE,
  });
  let held = 0;
  const verdicts: TicketVerdict[] = scripts.map((script) => {
    const run = runTicket(script, settings, horizon);
    held += run.effects.filter((e) => e.effect.kind === "notify" && e.effect.template === "coach").length;
    return checkTicket(run, settings);
  });
  const coach = { riskyShare: options.riskyShare ?? DEFAULT_RISKY_SHARE, held };
  return summarize(options, verdicts, coach, (performance.now() - started) / 1000);
}

function summarize(
  options: SimulationOptions,
  verdicts: TicketVerdict[],
  coach: SimulationReport["coach"],
  elapsedSeconds: number,
): SimulationReport {
  const compliance = {} as Record<Rule, number>;
  const applicable = {} as Record<Rule, number>;
  for (const rule of RULES) {
    const applied = verdicts.filter((v) => v.rules[rule] !== undefined);
    const held = applied.filter((v) => v.rules[rule]).length;
    applicable[rule] = applied.length;
    compliance[rule] = applied.length === 0 ? 100 : Math.round((held / applied.length) * 10_000) / 100;
  }
  const profiles: Record<string, number> = {};
  for (const v of verdicts) profiles[v.profile] = (profiles[v.profile] ?? 0) + 1;
  const messages = verdicts.reduce((sum, v) => sum + v.clientMessages, 0);
  return {
    tickets: verdicts.length,
    days: options.days,
    seed: options.seed,
    compliance,
    applicable,
    maxSilenceBusinessHours: round(Math.max(0, ...verdicts.map((v) => v.maxSilenceBusinessHours))),
    businessDayHours: Math.min(...verdicts.map((v) => v.hoursPerDay)),
    messagesPerTicket: round(verdicts.length ? messages / verdicts.length : 0),
    duplicates: verdicts.reduce((sum, v) => sum + v.duplicates, 0),
    coach,
    profiles,
    failures: verdicts
      .filter((v) => v.failures.length > 0)
      .slice(0, 20)
      .map(({ ticketId, profile, failures }) => ({ ticketId, profile, failures })),
    elapsedSeconds: round(elapsedSeconds),
  };
}

function round(value: number) {
  return Math.round(value * 100) / 100;
}
