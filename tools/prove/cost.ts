import type { TicketScript } from "../simulation/engine";
import { DEFAULT_START } from "../simulation/report";
import { generateScripts, prng } from "../simulation/scenarios";
import { Dice, FAULTS, playTicket } from "./play";
import { emptyUsage, type LocalEndpoints, makeWorld, type Usage } from "./world";

/**
 * Published AWS prices, us-east-1, as recorded on 2026-11-23 from the public pricing pages (DynamoDB
 * on-demand as reduced on 2024-11-01). Change them here if your region or date differ.
 */
export const PRICES = {
  recordedOn: "2026-11-23",
  region: "us-east-1",
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  schedulerPerMillionInvocations: 1.0,
  schedulerPerMillionApiCalls: 0,
  sesPerThousandSent: 0.1,
  sesPerThousandReceived: 0.1,
  sesPerThousandReceivedChunks: 0.09,
  s3PerThousandPuts: 0.005,
  s3PerThousandGets: 0.0004,
  cloudWatchLogsPerGb: 0.5,
} as const;

/** What a per-agent helpdesk costs, for comparison (list price, billed annually). */
export const HELPDESK = {
  name: "Zendesk Suite Team",
  perAgentPerMonth: 55,
  recordedOn: "2026-11-23",
} as const;

/**
 * Assumptions where a local run cannot measure AWS: Lambda durations at 512 MB (the stack's size),
 * log volume per invocation (Powertools JSON lines), one outbox invocation per committed decision.
 */
export const ASSUMPTIONS = {
  lambdaMemoryGb: 0.5,
  durationSeconds: { inbound: 0.3, apiEvent: 0.1, timer: 0.1, outbox: 0.15, sesEvent: 0.05 },
  logKbPerInvocation: 1.5,
} as const;

export interface CostLine {
  item: string;
  quantityPerTicket: number;
  usdPer1000Tickets: number;
}

export interface CostReport {
  tickets: number;
  usagePerTicket: Usage;
  lines: CostLine[];
  usdPer1000Tickets: number;
  openTicketDay: { usage: Usage; usdPerTicketDay: number; usdFor100kOpenTicketsPerDay: number };
  helpdesk: {
    name: string;
    perAgentPerMonth: number;
    agentsForSameMonthlySpend: number;
    ticketsPerMonthAssumed: number;
  };
  prices: typeof PRICES;
}

function costOf(usage: Usage, per: number): CostLine[] {
  const a = ASSUMPTIONS;
  const p = PRICES;
  const invocations = {
    inbound: usage["inbound mails"],
    apiEvent: usage["API events"],
    timer: usage["timer firings"],
    outbox: usage["commits with effects"],
    // Each sent mail comes back as an SES Send event (the sent ledger).
    sesEvent: usage["SES messages"],
  };
  const requests = Object.values(invocations).reduce((a, b) => a + b, 0);
  const gbSeconds = Object.entries(invocations).reduce(
    (sum, [kind, n]) =>
      sum + n * a.durationSeconds[kind as keyof typeof a.durationSeconds] * a.lambdaMemoryGb,
    0,
  );
  const line = (item: string, quantity: number, usd: number): CostLine => ({
    item,
    quantityPerTicket: Math.round((quantity / per) * 100) / 100,
    usdPer1000Tickets: Math.round((usd / per) * 1000 * 10_000) / 10_000,
  });
  return [
    line("Lambda requests", requests, (requests / 1e6) * p.lambdaPerMillionRequests),
    line("Lambda GB-seconds (arm64)", gbSeconds, gbSeconds * p.lambdaArmPerGbSecond),
    line(
      "DynamoDB write units",
      usage["DynamoDB write units"],
      (usage["DynamoDB write units"] / 1e6) * p.dynamoPerMillionWriteUnits,
    ),
    line(
      "DynamoDB read units",
      usage["DynamoDB read units"],
      (usage["DynamoDB read units"] / 1e6) * p.dynamoPerMillionReadUnits,
    ),
    line(
      "Scheduler invocations",
      usage["timer firings"],
      (usage["timer firings"] / 1e6) * p.schedulerPerMillionInvocations,
    ),
    line(
      "Scheduler API calls",
      usage["Scheduler API calls"],
      (usage["Scheduler API calls"] / 1e6) * p.schedulerPerMillionApiCalls,
    ),
    line("SES messages sent", usage["SES messages"], (usage["SES messages"] / 1000) * p.sesPerThousandSent),
    line(
      "SES messages received",
      usage["inbound mails"],
      (usage["inbound mails"] / 1000) * (p.sesPerThousandReceived + p.sesPerThousandReceivedChunks),
    ),
    line(
      "S3 raw mail (PUT by SES, GET by Lambda)",
      usage["inbound mails"],
      (usage["inbound mails"] / 1000) * (p.s3PerThousandPuts + p.s3PerThousandGets),
    ),
    line(
      "CloudWatch Logs",
      requests,
      ((requests * a.logKbPerInvocation) / 1024 / 1024) * p.cloudWatchLogsPerGb,
    ),
  ];
}

const sum = (lines: CostLine[]) =>
  Math.round(lines.reduce((s, l) => s + l.usdPer1000Tickets, 0) * 10_000) / 10_000;

/** A ticket nobody touches after the client's first mail: what each further business day costs. */
const SILENT_START = DEFAULT_START + 8 * 3_600_000 + 3 * 86_400_000; // a Thursday morning

function silentScript(): TicketScript {
  const at = SILENT_START;
  return {
    ticketId: "T-SILENT",
    profile: "silent",
    events: [
      {
        at,
        event: {
          type: "client-new",
          id: "silent-new",
          ticketId: "T-SILENT",
          from: { address: "silent@customer.example" },
          subject: "No arranca el servidor",
          text: "El servidor no arranca.",
        },
      },
    ],
  };
}

export async function runCostModel(options: {
  endpoints: LocalEndpoints;
  tickets: number;
  seed?: number;
}): Promise<CostReport> {
  const seed = options.seed ?? 1;
  const scripts = generateScripts({
    tickets: options.tickets,
    start: DEFAULT_START,
    days: 2,
    seed,
    redeliverRate: 0,
  });
  const usage = emptyUsage();
  const world = await makeWorld(options.endpoints, "cost", usage);
  const tally = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<(typeof FAULTS)[number], number>;
  // The window the fault injection plays: two days of openings, and one more day to work on them.
  const horizon = DEFAULT_START + 3 * 86_400_000;
  for (const [index, script] of scripts.entries())
    await playTicket(world, script, {
      index,
      dice: new Dice(prng(index), 0, tally),
      tag: `c${Date.now().toString(36)}`,
      usage,
      horizon,
    });
  const lines = costOf(usage, options.tickets);
  const usagePerTicket = Object.fromEntries(
    Object.entries(usage).map(([k, v]) => [k, Math.round((v / options.tickets) * 100) / 100]),
  ) as Usage;

  // An open ticket's day: the difference between a silent ticket over 11 and over 1 business days.
  const measure = async (days: number) => {
    const u = emptyUsage();
    const w = await makeWorld(options.endpoints, `silent${days}`, u);
    const tag = `s${days}${Date.now().toString(36)}`;
    await playTicket(w, silentScript(), {
      index: 0,
      dice: new Dice(prng(1), 0, tally),
      tag,
      usage: u,
      horizon: SILENT_START + days * 86_400_000,
    });
    return u;
  };
  const [short, long] = [await measure(1), await measure(15)];
  const day = emptyUsage();
  // 15 calendar days from a Thursday hold 10 more business days than 1 calendar day does.
  for (const key of Object.keys(day) as (keyof Usage)[])
    day[key] = Math.round(((long[key] - short[key]) / 10) * 100) / 100;
  const perTicketDay = sum(costOf(day, 1)) / 1000;
  const usdPer1000Tickets = sum(lines);
  const ticketsPerMonthAssumed = 1000;
  return {
    tickets: options.tickets,
    usagePerTicket,
    lines,
    usdPer1000Tickets,
    openTicketDay: {
      usage: day,
      usdPerTicketDay: Math.round(perTicketDay * 1e6) / 1e6,
      usdFor100kOpenTicketsPerDay: Math.round(perTicketDay * 100_000 * 100) / 100,
    },
    helpdesk: {
      name: HELPDESK.name,
      perAgentPerMonth: HELPDESK.perAgentPerMonth,
      agentsForSameMonthlySpend: Math.round((usdPer1000Tickets / HELPDESK.perAgentPerMonth) * 1000) / 1000,
      ticketsPerMonthAssumed,
    },
    prices: PRICES,
  };
}
