import { parseArgs } from "node:util";
import { policySettings } from "../functions/core";
import { RULES } from "./simulation/checker";
import { simulate } from "./simulation/report";

const USAGE = "usage: npm run simulate -- --tickets N --days D --seed S [--risky PERCENT] [--json]";

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    console.error(`--${name} must be a non-negative whole number, got "${value}"\n${USAGE}`);
    process.exit(2);
  }
  return parsed;
}

const { values } = parseArgs({
  options: {
    tickets: { type: "string" },
    days: { type: "string" },
    seed: { type: "string" },
    risky: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const report = simulate(
  {
    tickets: positiveInteger("tickets", values.tickets, 1000),
    days: Math.max(1, positiveInteger("days", values.days, 30)),
    seed: positiveInteger("seed", values.seed, 1),
    riskyShare: Math.min(100, positiveInteger("risky", values.risky, 20)) / 100,
  },
  policySettings(),
);

if (values.json) {
  console.log(JSON.stringify(report));
} else {
  console.log(`aviso simulation: ${report.tickets} tickets over ${report.days} days, seed ${report.seed}\n`);
  console.log("rule                      held    tickets it applied to");
  for (const rule of RULES) {
    console.log(
      `${rule.padEnd(25)} ${`${report.compliance[rule].toFixed(2)}%`.padStart(8)}  ${report.applicable[rule]}`,
    );
  }
  console.log(
    `\nlongest client silence:   ${report.maxSilenceBusinessHours} business hours (limit: one business day, ${report.businessDayHours} h in the shortest calendar)`,
  );
  console.log(`client messages / ticket: ${report.messagesPerTicket}`);
  console.log(`duplicate effects:        ${report.duplicates}`);
  console.log(
    `tone coach:               ${report.coach.held} texts held (${report.coach.riskyShare * 100}% of texts scripted risky)`,
  );
  console.log(
    `profiles:                 ${Object.entries(report.profiles)
      .map(([p, n]) => `${p} ${n}`)
      .join(", ")}`,
  );
  console.log(`elapsed:                  ${report.elapsedSeconds} s`);
  for (const f of report.failures)
    console.log(`FAILED ${f.ticketId} (${f.profile}): ${f.failures.join("; ")}`);
}
const failed = RULES.some((rule) => report.compliance[rule] < 100) || report.duplicates > 0;
process.exitCode = failed ? 1 : 0;
