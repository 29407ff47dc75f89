import { inspectMail } from "../../functions/mail/inspect";
import { startDynamoDbLocal } from "../../infra/local/dynamodb-local";
import { freePort } from "../../infra/local/ports";
import { startSesLocal } from "../../infra/local/ses-local";
import { PRICES, runCostModel } from "../prove/cost";
import { runFaultInjection } from "../prove/faults";
import { ADVERSARIAL_SHAPES, MUTATIONS, runAdversarial, runFuzzer } from "../prove/fuzz";
import { runLoad } from "../prove/load";
import { RESPONDERS, runLoopTests } from "../prove/loop";
import type { Figure } from "./figure";

/** The long fault-injection run over DynamoDB Local and the local SES server. */
export async function faultFigures(tickets: number): Promise<Figure[]> {
  const [dynamo, ses] = await Promise.all([
    startDynamoDbLocal({ port: await freePort() }),
    startSesLocal({ port: await freePort() }),
  ]);
  try {
    const r = await runFaultInjection({
      endpoints: { dynamo: dynamo.endpoint, ses: ses.endpoint },
      tickets,
      dynamoPerWorld: true,
    });
    const injected = Object.values(r.faultsInjected).reduce((a, b) => a + b, 0);
    const kinds = Object.entries(r.faultsInjected)
      .map(([name, count]) => `${name} ${count}`)
      .join(", ");
    return [
      {
        name: "faults: tickets played (with a fault-free reference)",
        value: r.tickets,
        unit: "tickets",
        note: `${r.seconds} s`,
      },
      { name: "faults: injected", value: injected, unit: "faults", note: kinds },
      {
        name: "faults: client messages expected",
        value: r.clientMessagesExpected,
        unit: "mails",
        note: "sent by the reference",
      },
      {
        name: "faults: client messages sent",
        value: r.clientMessagesSent,
        unit: "mails",
        note: "with faults",
      },
      { name: "faults: lost client messages", value: r.lost, unit: "mails", note: r.examples.join("; ") },
      { name: "faults: duplicated client messages", value: r.duplicated, unit: "mails" },
      { name: "faults: client messages not in the reference", value: r.unexpected, unit: "mails" },
    ];
  } finally {
    await Promise.all([dynamo.stop(), ses.stop()]);
  }
}

async function withLocalParts<T>(
  work: (endpoints: { dynamo: string; ses: string }) => Promise<T>,
): Promise<T> {
  const [dynamo, ses] = await Promise.all([
    startDynamoDbLocal({ port: await freePort() }),
    startSesLocal({ port: await freePort() }),
  ]);
  try {
    return await work({ dynamo: dynamo.endpoint, ses: ses.endpoint });
  } finally {
    await Promise.all([dynamo.stop(), ses.stop()]);
  }
}

export async function fuzzFigures(mails: number): Promise<Figure[]> {
  const r = await withLocalParts((e) => runFuzzer({ dynamoEndpoint: e.dynamo, mails }));
  const kinds = Object.entries(r.quarantinedByKind)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  return [
    {
      name: "fuzz: mutated corpus mails",
      value: r.mails,
      unit: "mails",
      note: `${MUTATIONS.length} mutations, 1–3 per mail`,
    },
    { name: "fuzz: processed", value: r.processed, unit: "mails" },
    { name: "fuzz: quarantined with a reason", value: r.quarantined, unit: "mails", note: kinds },
    { name: "fuzz: crashes", value: r.crashes, unit: "mails", note: r.examples.join("; ") },
    { name: "fuzz: silent drops", value: r.silentDrops + r.quarantineEntriesMissing, unit: "mails" },
    { name: "fuzz: raw mail not kept", value: r.rawNotKept, unit: "mails" },
    {
      name: "fuzz: throughput",
      value: r.mailsPerSecond,
      unit: "mails/s",
      note: `slowest mail ${r.slowestMs} ms`,
    },
  ];
}

/** Adversarial bodies (issue 14): the slowest inspection must stay under a second. */
export async function adversarialFigures(mails: number): Promise<Figure[]> {
  const r = await withLocalParts((e) => runAdversarial({ dynamoEndpoint: e.dynamo, mails }));
  const kinds = Object.entries(r.quarantinedByKind)
    .map(([kind, n]) => `${kind} ${n} (first: ${r.firstReasonByKind[kind] ?? "?"})`)
    .join(", ");
  // Many short lines cost postal-mime ~10 µs each; parse.ts hands it a bounded view (inspectionView).
  const blank = `From: a@fuzz.invalid\r\nTo: soporte@aviso.test\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\nhola\r\n${" \r\n".repeat((256 * 1024) / 3)}`;
  const context = {
    supportAddress: "soporte@aviso.test",
    technicians: [],
    tokenSecret: "x".repeat(32),
    technicianTimeZone: "Europe/Madrid",
  };
  const t0 = performance.now();
  await inspectMail(blank, context);
  const blankMs = Math.round(performance.now() - t0);
  return [
    {
      name: "adversarial: mails",
      value: r.mails,
      unit: "mails",
      note: `${ADVERSARIAL_SHAPES.length} shapes (${ADVERSARIAL_SHAPES.join(", ")}), 2–200 KB, ${(r.bytes / 2 ** 20).toFixed(0)} MiB in all`,
    },
    {
      name: "adversarial: slowest inspection",
      value: r.slowestInspectionMs,
      unit: "ms",
      note: `${r.slowestInspection}; p99 ${r.p99InspectionMs} ms; inspectMail one mail at a time; target < 1000 ms`,
    },
    { name: "adversarial: processed", value: r.processed, unit: "mails" },
    { name: "adversarial: quarantined with a reason", value: r.quarantined, unit: "mails", note: kinds },
    { name: "adversarial: crashes", value: r.crashes, unit: "mails", note: r.examples.join("; ") },
    { name: "adversarial: silent drops", value: r.silentDrops + r.quarantineEntriesMissing, unit: "mails" },
    { name: "adversarial: raw mail not kept", value: r.rawNotKept, unit: "mails" },
    {
      name: "adversarial: throughput (inbound path)",
      value: r.mailsPerSecond,
      unit: "mails/s",
      note: `slowest mail ${r.slowestMs} ms, 8 at a time over DynamoDB Local, waiting included`,
    },
    {
      name: "adversarial: parse of 256 KiB of blank lines",
      value: blankMs,
      unit: "ms",
      note: "87,000 lines, 1.7 s before parse.ts read a bounded view of the mail (inspectionView); target < 1000 ms",
    },
  ];
}

export async function loopFigures(): Promise<Figure[]> {
  const r = await withLocalParts((e) => runLoopTests(e));
  return [
    ...RESPONDERS.map((kind) => ({
      name: `loop: automatic mails to a ${kind} responder in a day`,
      value: r.automaticMailsToResponder[kind],
      unit: "mails",
      note: `it answered ${r.responderMails[kind]} times; limit 10`,
    })),
    {
      name: "loop: bounce storm, mails after the flag",
      value: r.bounceStorm.mailsAfterFlag,
      unit: "mails",
      note: `${r.bounceStorm.bounces} bounces; flagged ${r.bounceStorm.flagged}; technicians told ${r.bounceStorm.techniciansTold}`,
    },
    {
      name: "loop: spoofed technician commands accepted",
      value: r.spoofing.accepted,
      unit: "commands",
      note: `of ${r.spoofing.attempts}; the genuine one accepted: ${r.spoofing.genuineAccepted}`,
    },
  ];
}

export async function loadFigures(rate: number, seconds: number, warmupSeconds = 30): Promise<Figure[]> {
  const r = await runLoad({ ratePerSecond: rate, seconds, warmupSeconds });
  const note = `${r.mailsSent} mails at ${r.achievedRate}/s offered after ${r.warmupSeconds} s of the same load not counted, ${r.apiEvents} API events`;
  return [
    {
      name: "load: acknowledgement latency p50",
      value: r.ackLatencyMs.p50,
      unit: "ms",
      note: `${note}; from the mail handed to SMTP to its acknowledgement in the SES store`,
    },
    {
      name: "load: acknowledgement latency p95",
      value: r.ackLatencyMs.p95,
      unit: "ms",
      note: "target ≤ 1000 ms",
    },
    {
      name: "load: acknowledgement latency p99",
      value: r.ackLatencyMs.p99,
      unit: "ms",
      note: `max ${r.ackLatencyMs.max} ms`,
    },
    {
      name: "load: SMTP 250 p95",
      value: r.smtpAcceptMs.p95,
      unit: "ms",
      note: `max ${r.smtpAcceptMs.max} ms; the local server answers once the mail is processed`,
    },
    {
      name: "load: mails acknowledged",
      value: r.acknowledged,
      unit: "mails",
      note: `of ${r.mailsAccepted} accepted`,
    },
    {
      name: "load: errors",
      value: r.smtpErrors + r.apiErrors + r.unacknowledged + r.runtimeErrors,
      unit: "errors",
      note: `SMTP ${r.smtpErrors}, API ${r.apiErrors}, unacknowledged ${r.unacknowledged}, logged by the runtime ${r.runtimeErrors} (and ${r.runtimeWarnings} warnings)${r.examples.length ? `; ${r.examples.join("; ")}` : ""}`,
    },
  ];
}

export async function costFigures(tickets: number): Promise<Figure[]> {
  const r = await withLocalParts((e) => runCostModel({ endpoints: e, tickets }));
  return [
    ...r.lines.map((line) => ({
      name: `cost: ${line.item}`,
      value: line.usdPer1000Tickets,
      unit: "$/1k tix",
      note: `${line.quantityPerTicket} per ticket`,
    })),
    {
      name: "cost: per 1,000 tickets",
      value: r.usdPer1000Tickets,
      unit: "$",
      note: `${r.tickets} simulated tickets measured; ${PRICES.region} prices of ${PRICES.recordedOn}`,
    },
    {
      name: "cost: 100,000 open tickets, one business day",
      value: r.openTicketDay.usdFor100kOpenTicketsPerDay,
      unit: "$/day",
      note: `timers and updates: ${r.openTicketDay.usage["timer firings"]} timer firings, ${r.openTicketDay.usage["SES messages"]} mails per ticket-day`,
    },
    {
      name: `cost: one ${r.helpdesk.name} agent seat, a month`,
      value: r.helpdesk.perAgentPerMonth,
      unit: "$",
      note: `the AWS bill of 1,000 tickets is ${r.helpdesk.agentsForSameMonthlySpend} of one seat`,
    },
  ];
}
