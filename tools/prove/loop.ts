import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SesMailer } from "../../functions/adapters/ses";
import type { Clock, Logger } from "../../functions/app/apply";
import { applyEvent } from "../../functions/app/apply";
import { receiveMail } from "../../functions/app/inbound";
import { type OutboxDeps, performOutboxItem, type TimerScheduler } from "../../functions/app/outbox";
import type { Stores } from "../../functions/app/ports";
import { loadConfig } from "../../functions/config";
import type { TimerName } from "../../functions/core";
import { makeSesEventsHandler } from "../../functions/handlers/ses-events";
import { makeTimersHandler } from "../../functions/handlers/timers";
import { dynamoStores } from "../../functions/store";
import { tableDefinition } from "../../functions/store/table";
import { type StoredMail, storedMail } from "../../infra/local/ses-local";
import { rawMail as raw } from "./world";

/**
 * Mail loops, bounce storms and spoofing, over a simulated day on DynamoDB Local and the local SES
 * server. Each responder answers every mail aviso sends it, two minutes later, the way its kind does.
 */

export const RESPONDERS = [
  "rfc3834",
  "exchange-oof",
  "new-request-each-time",
  "in-thread-no-headers",
] as const;
export type Responder = (typeof RESPONDERS)[number];

export interface LoopReport {
  /** Automatic mails aviso sent each responder in the simulated day (acceptance: at most 10). */
  automaticMailsToResponder: Record<Responder, number>;
  /** Mails the responder sent aviso in that day. */
  responderMails: Record<Responder, number>;
  bounceStorm: { bounces: number; flagged: boolean; mailsAfterFlag: number; techniciansTold: boolean };
  spoofing: { attempts: number; accepted: number; genuineAccepted: boolean };
}

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const DAY_START = Date.parse("2026-11-23T08:00:00Z"); // Monday 09:00 in Madrid
const TECHNICIAN = "lucia@aviso.test";

class ManualClock implements Clock {
  constructor(public at: number) {}
  now() {
    return new Date(this.at);
  }
}

class DueTimers implements TimerScheduler {
  readonly due = new Map<string, { ticketId: string; name: TimerName; at: number }>();
  async set(ticketId: string, name: TimerName, at: string) {
    this.due.set(`${ticketId}/${name}`, { ticketId, name, at: Date.parse(at) });
  }
  async cancel(ticketId: string, name: TimerName) {
    this.due.delete(`${ticketId}/${name}`);
  }
  next() {
    return [...this.due.values()].sort((a, b) => a.at - b.at)[0];
  }
}

async function world(endpoints: { dynamo: string; ses: string }) {
  const client = new DynamoDBClient({ endpoint: endpoints.dynamo, region: "local", credentials });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const table = `aviso-loop-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  await client.send(new CreateTableCommand(tableDefinition(table)));
  const clock = new ManualClock(DAY_START);
  const timers = new DueTimers();
  const deps: OutboxDeps & Stores & { rawMail: { put(id: string): Promise<string> } } = {
    ...dynamoStores(doc, table),
    config: loadConfig({
      supportAddress: "soporte@aviso.test",
      technicians: [{ address: TECHNICIAN, name: "Lucía" }],
      feedbackUrl: "http://127.0.0.1:3000/feedback",
      tokenSecret: "loop-secret-0123456789abcdef",
      defaultLocale: "es",
    }),
    clock,
    log: quiet,
    mailer: new SesMailer(
      new SESv2Client({ endpoint: endpoints.ses, region: "eu-west-1", credentials }),
      "eu-west-1",
      "aviso.test",
    ),
    scheduler: timers,
    rawMail: { put: async (id) => `memory://${id}` },
  };
  const drain = async () => {
    for (let round = 0; round < 20; round++) {
      const pending = await deps.outbox.pending();
      if (pending.length === 0) return;
      for (const item of pending) await performOutboxItem(deps, item);
    }
  };
  return { deps, clock, timers, drain, fire: makeTimersHandler(async () => deps) };
}

const header = (mail: StoredMail, name: string) =>
  mail.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;

/** The reply a responder of each kind sends to one of aviso's mails. */
function answer(kind: Responder, address: string, mail: StoredMail, n: number): Buffer {
  const messageId = `<responder-${n}-${Math.random().toString(36).slice(2)}@client.example>`;
  const base = { From: `Oficina <${address}>`, To: "soporte@aviso.test", "Message-ID": messageId };
  const inReplyTo = `<${mail.messageId}@eu-west-1.amazonses.com>`;
  switch (kind) {
    case "rfc3834":
      return raw(
        {
          ...base,
          Subject: `Auto: ${mail.subject}`,
          "Auto-Submitted": "auto-replied",
          "In-Reply-To": inReplyTo,
        },
        "I am out of the office until Monday.",
      );
    case "exchange-oof":
      return raw(
        {
          ...base,
          Subject: `Respuesta automática: ${mail.subject}`,
          "X-Auto-Response-Suppress": "All",
          "X-MS-Exchange-Inbox-Rules-Loop": address,
          "In-Reply-To": inReplyTo,
        },
        "Estoy fuera de la oficina hasta el lunes.",
      );
    case "new-request-each-time":
      // The worst kind: no RFC 3834 headers, no threading, a fresh subject each time.
      return raw(
        { ...base, Subject: `Hemos recibido su mensaje (ref ${n})` },
        "Gracias por escribirnos. Le responderemos lo antes posible.",
      );
    case "in-thread-no-headers":
      return raw(
        { ...base, Subject: `Re: ${mail.subject}`, "In-Reply-To": inReplyTo, References: inReplyTo },
        "Gracias por su mensaje. Estoy fuera hasta el lunes.\n\n> (mensaje citado)",
      );
  }
}

async function responderDay(endpoints: { dynamo: string; ses: string }, kind: Responder) {
  const w = await world(endpoints);
  const address = `oficina-${kind}-${Date.now()}@client.example`;
  await receiveMail(
    w.deps,
    raw(
      {
        From: `Oficina <${address}>`,
        To: "soporte@aviso.test",
        Subject: "El servidor no arranca",
        "Message-ID": `<first-${address}>`,
      },
      "Buenos días, el servidor de ficheros no arranca desde esta mañana.",
    ),
  );
  const seen = new Set<string>();
  const pendingAnswers: { at: number; mail: StoredMail }[] = [];
  let automatic = 0;
  let sent = 0;
  const end = DAY_START + 24 * 3_600_000;
  for (let guard = 0; guard < 5_000; guard++) {
    await w.drain();
    for (const mail of await storedMail(endpoints.ses)) {
      if (seen.has(mail.messageId) || !mail.destination.to.some((to) => to.includes(address))) continue;
      seen.add(mail.messageId);
      if (header(mail, "Auto-Submitted")) automatic += 1;
      pendingAnswers.push({ at: w.clock.at + 2 * 60_000, mail });
    }
    const timer = w.timers.next();
    const answerNext = pendingAnswers.sort((a, b) => a.at - b.at)[0];
    const at = Math.min(timer?.at ?? Number.POSITIVE_INFINITY, answerNext?.at ?? Number.POSITIVE_INFINITY);
    if (at > end) break;
    w.clock.at = Math.max(w.clock.at, at);
    if (answerNext && answerNext.at === at) {
      pendingAnswers.shift();
      sent += 1;
      await receiveMail(w.deps, answer(kind, address, answerNext.mail, sent));
    } else if (timer) {
      w.timers.due.delete(`${timer.ticketId}/${timer.name}`);
      await w.fire({ ticketId: timer.ticketId, name: timer.name, dueAt: new Date(timer.at).toISOString() });
    }
  }
  return { automatic, responderMails: sent };
}

async function bounceStorm(endpoints: { dynamo: string; ses: string }) {
  const w = await world(endpoints);
  const address = `gone-${Date.now()}@client.example`;
  const opened = await receiveMail(
    w.deps,
    raw(
      {
        From: address,
        To: "soporte@aviso.test",
        Subject: "Fallo de red",
        "Message-ID": `<storm-${address}>`,
      },
      "No tenemos red en la planta 2.",
    ),
  );
  const ticketId = opened.outcome === "applied" ? opened.ticketId : "";
  await w.drain();
  const bounce = makeSesEventsHandler(async () => w.deps);
  const bounces = 25;
  for (let i = 0; i < bounces; i++)
    await bounce({
      source: "aws.ses",
      region: "eu-west-1",
      detail: {
        eventType: "Bounce",
        mail: { messageId: `bounce-${i}`, tags: { ticket: [ticketId] } },
        bounce: {
          bounceType: "Permanent",
          bounceSubType: "General",
          bouncedRecipients: [{ emailAddress: address, diagnosticCode: "550 5.1.1 user unknown" }],
        },
      },
    });
  const flagged = Boolean(await w.deps.throttle.isFlagged(address, w.deps.clock.now()));
  await w.drain();
  const before = (await storedMail(endpoints.ses)).filter((m) =>
    m.destination.to.some((t) => t.includes(address)),
  ).length;
  const actor = { address: TECHNICIAN, name: "Lucía" };
  await applyEvent(w.deps, {
    type: "diagnosis",
    id: `storm-d-${address}`,
    ticketId,
    actor,
    text: "El switch se quemó.",
  });
  w.clock.at += 3_600_000;
  await applyEvent(w.deps, {
    type: "plan",
    id: `storm-p-${address}`,
    ticketId,
    actor,
    text: "Cambiamos el switch.",
  });
  await w.drain();
  const mails = await storedMail(endpoints.ses);
  const after = mails.filter((m) => m.destination.to.some((t) => t.includes(address))).length;
  const techniciansTold = mails.some(
    (m) =>
      m.destination.to.some((t) => t.includes(TECHNICIAN)) &&
      m.subject.includes(ticketId) &&
      m.body.text?.includes(address),
  );
  return { bounces, flagged, mailsAfterFlag: after - before, techniciansTold };
}

async function spoofing(endpoints: { dynamo: string; ses: string }) {
  const w = await world(endpoints);
  const client = `cliente-spoof-${Date.now()}@client.example`;
  const opened = await receiveMail(
    w.deps,
    raw(
      { From: client, To: "soporte@aviso.test", Subject: "Impresora", "Message-ID": `<spoof-${client}>` },
      "No imprime.",
    ),
  );
  const ticketId = opened.outcome === "applied" ? opened.ticketId : "";
  await w.drain();
  const command = (from: string, auth: string, n: number) =>
    raw(
      {
        From: from,
        To: "soporte@aviso.test",
        Subject: `Re: [#${ticketId}] Impresora`,
        "Message-ID": `<cmd-${n}-${client}>`,
        "Authentication-Results": `mx.aviso.test; ${auth}`,
      },
      "#diagnosis El tóner está vacío.",
    );
  const attempts = [
    command(`Lucía <${TECHNICIAN}>`, "spf=fail smtp.mailfrom=aviso.test; dkim=fail header.d=aviso.test", 1),
    command(`Lucía <${TECHNICIAN}>`, "spf=softfail smtp.mailfrom=aviso.test; dkim=none", 2),
    command(
      "Lucía <lucia@avis0.test>",
      "spf=pass smtp.mailfrom=avis0.test; dkim=pass header.d=avis0.test",
      3,
    ),
    command("Lucía <lucia@aviso.test.evil.example>", "spf=pass smtp.mailfrom=evil.example; dkim=pass", 4),
    command(
      `"lucia@aviso.test" <attacker@evil.example>`,
      "spf=pass smtp.mailfrom=evil.example; dkim=pass",
      5,
    ),
  ];
  let accepted = 0;
  for (const attempt of attempts) {
    w.clock.at += 60_000;
    await receiveMail(w.deps, attempt);
    if ((await w.deps.tickets.load(ticketId))?.diagnosis) accepted += 1;
  }
  // The genuine command (SPF and DKIM pass) is taken: the check above could have failed.
  w.clock.at += 60_000;
  await receiveMail(
    w.deps,
    command(`Lucía <${TECHNICIAN}>`, "spf=pass smtp.mailfrom=aviso.test; dkim=pass header.d=aviso.test", 6),
  );
  const genuineAccepted = Boolean((await w.deps.tickets.load(ticketId))?.diagnosis);
  return { attempts: attempts.length, accepted, genuineAccepted };
}

export async function runLoopTests(endpoints: { dynamo: string; ses: string }): Promise<LoopReport> {
  const automaticMailsToResponder = {} as Record<Responder, number>;
  const responderMails = {} as Record<Responder, number>;
  for (const kind of RESPONDERS) {
    const result = await responderDay(endpoints, kind);
    automaticMailsToResponder[kind] = result.automatic;
    responderMails[kind] = result.responderMails;
  }
  return {
    automaticMailsToResponder,
    responderMails,
    bounceStorm: await bounceStorm(endpoints),
    spoofing: await spoofing(endpoints),
  };
}
