import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SesMailer } from "../../functions/adapters/ses";
import type { Clock, Logger } from "../../functions/app/apply";
import { applyEvent } from "../../functions/app/apply";
import { receiveMail } from "../../functions/app/inbound";
import {
  type Mailer,
  type OutboxDeps,
  performOutboxItem,
  performTicketEffects,
  type TimerScheduler,
} from "../../functions/app/outbox";
import { loadConfig } from "../../functions/config";
import type { TicketEventInput, TimerName } from "../../functions/core";
import { makeTimersHandler } from "../../functions/handlers/timers";
import { OUTBOX_LEASE_SECONDS, Store, tableDefinition } from "../../functions/store/store";
import { startDynamoDbLocal } from "../../infra/local/dynamodb-local";
import { freePort } from "../../infra/local/ports";
import { sesStoreLedger, storedMailSince } from "../../infra/local/ses-local";
import type { ScriptedEvent, TicketScript } from "../simulation/engine";
import { DEFAULT_START } from "../simulation/report";
import { generateScripts, prng, type Random } from "../simulation/scenarios";

/**
 * Fault injection over the real local parts (DynamoDB Local, the local SES server): the simulator's
 * ticket scripts are played through the same application code the Lambdas run, once without faults
 * (the reference) and once with a fault drawn at every step. Every client message the reference
 * sends must be sent exactly once under faults.
 */

export const FAULTS = [
  "inbound delivered twice",
  "inbound delivered twice at once",
  "event delivered twice",
  "event delivered twice at once",
  "timer fired twice",
  "timer fired twice at once",
  "crash before commit",
  "crash after commit",
  "stream batch twice",
  "stream batch twice at once",
  "SES throttling",
  "SES 5xx",
  "Scheduler 5xx",
  "crash after claim",
  "crash after SES accepted",
] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultReport {
  tickets: number;
  faultRate: number;
  faultsInjected: Record<Fault, number>;
  clientMessagesExpected: number;
  clientMessagesSent: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  referenceDuplicated: number;
  examples: string[];
  seconds: number;
}

export interface LocalEndpoints {
  dynamo: string;
  ses: string;
}

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const TECHNICIANS = Array.from({ length: 2 }, (_, i) => ({
  address: `tech${i}@aviso.test`,
  name: `Tech ${i}`,
}));

class Crash extends Error {
  constructor(point: string) {
    super(`injected crash: ${point}`);
    this.name = "Crash";
  }
}

class TicketClock implements Clock {
  constructor(public at: number) {}
  now() {
    return new Date(this.at);
  }
}

/** The per-ticket dice: whether a fault happens at a step, and the tally of those that did. */
export class Dice {
  constructor(
    private readonly random: Random,
    private readonly rate: number,
    readonly tally: Record<Fault, number>,
    readonly trace?: (line: string) => void,
  ) {}
  /** One of the faults, with probability `rate`; undefined otherwise. */
  pick<F extends Fault>(faults: readonly F[]): F | undefined {
    if (this.rate === 0 || !this.random.chance(this.rate)) return undefined;
    const fault = this.random.pick(faults);
    this.tally[fault] += 1;
    this.trace?.(`fault: ${fault}`);
    return fault;
  }
}

class RecordingTimers implements TimerScheduler {
  readonly due = new Map<TimerName, string>();
  constructor(
    private readonly fail: () => boolean,
    private readonly usage: Usage,
  ) {}
  async set(_ticketId: string, name: TimerName, at: string) {
    this.usage["Scheduler API calls"] += 1;
    if (this.fail())
      throw Object.assign(new Error("Scheduler: InternalServerException"), { $fault: "server" });
    this.due.set(name, at);
  }
  async cancel(_ticketId: string, name: TimerName) {
    this.usage["Scheduler API calls"] += 1;
    if (this.fail())
      throw Object.assign(new Error("Scheduler: InternalServerException"), { $fault: "server" });
    this.due.delete(name);
  }
}

interface World {
  name: string;
  store: Store;
  mailer: Mailer;
  config: ReturnType<typeof loadConfig>;
  ledger: ReturnType<typeof sesStoreLedger>;
  ses: string;
  drop(): Promise<void>;
}

/** What one played ticket used, counted where the AWS bill would count it (see tools/prove/cost.ts). */
export const USAGE = [
  "inbound mails",
  "API events",
  "timer firings",
  "commits with effects",
  "outbox effects",
  "SES messages",
  "Scheduler API calls",
  "DynamoDB read units",
  "DynamoDB write units",
  "DynamoDB requests",
] as const;
export type UsageName = (typeof USAGE)[number];
export type Usage = Record<UsageName, number>;
export const emptyUsage = (): Usage => Object.fromEntries(USAGE.map((u) => [u, 0])) as Usage;

const WRITES = new Set(["PutCommand", "UpdateCommand", "TransactWriteCommand", "DeleteCommand"]);

/** A plain-text mail as a client or a technician would send it. */
export function rawMail(headers: Record<string, string>, body: string): Buffer {
  const all = { "MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8", ...headers };
  return Buffer.from(
    `${Object.entries(all)
      .map(([k, v]) => `${k}: ${v}`)
      .join("\r\n")}\r\n\r\n${body}\r\n`,
  );
}

export async function makeWorld(endpoints: LocalEndpoints, name: string, usage?: Usage): Promise<World> {
  const client = new DynamoDBClient({ endpoint: endpoints.dynamo, region: "local", credentials });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  if (usage) {
    // Every request asks DynamoDB (Local) for the capacity it consumed, as the bill counts it.
    const send = doc.send.bind(doc) as (command: unknown) => Promise<unknown>;
    (doc as unknown as { send: (command: unknown) => Promise<unknown> }).send = async (command) => {
      const c = command as { input: Record<string, unknown>; constructor: { name: string } };
      c.input.ReturnConsumedCapacity = "TOTAL";
      const result = (await send(command)) as {
        ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
      };
      const consumed = [result.ConsumedCapacity ?? []]
        .flat()
        .reduce((sum, u) => sum + (u.CapacityUnits ?? 0), 0);
      usage[WRITES.has(c.constructor.name) ? "DynamoDB write units" : "DynamoDB read units"] += consumed;
      usage["DynamoDB requests"] += 1;
      return result;
    };
  }
  const table = `aviso-faults-${name}-${process.pid}-${Date.now()}`;
  await client.send(new CreateTableCommand(tableDefinition(table)));
  return {
    name,
    store: new Store(doc, table),
    mailer: new SesMailer(
      new SESv2Client({ endpoint: endpoints.ses, region: "eu-west-1", credentials, maxAttempts: 1 }),
      "eu-west-1",
    ),
    config: loadConfig({
      supportAddress: "soporte@aviso.test",
      technicians: TECHNICIANS,
      supportLead: "lead@aviso.test",
      tokenSecret: "fault-injection-secret-0123456789",
      trustLocalTechnicians: true,
      defaultLocale: "es",
      defaultCalendar: {
        timeZone: "Europe/Madrid",
        workdays: [1, 2, 3, 4, 5],
        hours: { start: "09:00", end: "18:00" },
        holidays: { dates: [] },
      },
    }),
    ledger: sesStoreLedger(endpoints.ses, "eu-west-1"),
    ses: endpoints.ses,
    drop: async () => void (await client.send(new DeleteTableCommand({ TableName: table }))),
  };
}

/** Plays one ticket script through the application code, faults drawn by `dice`. */
export async function playTicket(
  world: World,
  script: TicketScript,
  index: number,
  dice: Dice,
  tag: string,
  usage: Usage = emptyUsage(),
  horizon: number = HORIZON,
) {
  const clock = new TicketClock(script.events[0]?.at ?? DEFAULT_START);
  let crashed = false;
  const store = Object.create(world.store) as Store;
  store.commit = async (...args: Parameters<Store["commit"]>) => {
    const fault = dice.pick(["crash before commit", "crash after commit"] as const);
    if (fault === "crash before commit") throw new Crash(fault);
    await world.store.commit(...args);
    if (args[1].effects.length > 0) usage["commits with effects"] += 1;
    if (fault === "crash after commit") throw new Crash(fault);
  };
  const mayCrashAfterClaim = <T>(claim: T): T => {
    if (claim && dice.pick(["crash after claim"] as const)) {
      crashed = true;
      throw new Crash("crash after claim");
    }
    return claim;
  };
  store.claimOutboxItems = async (...args: Parameters<Store["claimOutboxItems"]>) =>
    mayCrashAfterClaim(await world.store.claimOutboxItems(...args));
  store.claimOutboxItem = async (...args: Parameters<Store["claimOutboxItem"]>) =>
    mayCrashAfterClaim(await world.store.claimOutboxItem(...args));
  // A process that died writes nothing more: no hand-back of the claim.
  store.releaseOutboxItem = async (...args: Parameters<Store["releaseOutboxItem"]>) => {
    if (crashed) throw new Crash("process is dead");
    return world.store.releaseOutboxItem(...args);
  };
  const mailer: Mailer = {
    send: async (input) => {
      const fault = dice.pick(["SES throttling", "SES 5xx", "crash after SES accepted"] as const);
      if (fault === "SES throttling")
        throw Object.assign(new Error("Maximum sending rate exceeded."), {
          name: "TooManyRequestsException",
        });
      if (fault === "SES 5xx") throw Object.assign(new Error("Service unavailable"), { $fault: "server" });
      const sent = await world.mailer.send(input);
      usage["SES messages"] += 1;
      if (fault) {
        crashed = true;
        throw new Crash(fault);
      }
      return sent;
    },
  };
  const timers = new RecordingTimers(() => dice.pick(["Scheduler 5xx"] as const) !== undefined, usage);
  const deps: OutboxDeps & { rawMail: { put(id: string): Promise<string> } } = {
    store,
    config: world.config,
    clock,
    log: quiet,
    mailer,
    scheduler: timers,
    sentLedger: world.ledger,
    rawMail: { put: async (id) => `memory://${id}` },
  };
  const client = `client${index}.${tag}@customer.example`;
  let ticketId: string | undefined;

  /** Runs a delivery the way its source retries it: again after a crash, until it goes through. */
  const retried = async (deliver: () => Promise<unknown>) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        return await deliver();
      } catch (error) {
        if (!(error instanceof Crash)) throw error;
      }
    }
    throw new Error("a delivery kept crashing");
  };
  const twice = async (deliver: () => Promise<unknown>, faults: readonly Fault[]) => {
    const fault = dice.pick(faults);
    if (fault?.endsWith("at once")) await Promise.all([retried(deliver), retried(deliver)]);
    else {
      await retried(deliver);
      if (fault) await retried(deliver);
    }
  };

  let sweepAt = 0;
  /** The stream (and the sweep) drive the outbox: every effect of this ticket, until all are done. */
  const drain = async () => {
    if (!ticketId) return;
    for (let round = 0; round < 50; round++) {
      const open = await world.store.openOutbox(ticketId);
      if (open.length === 0) return;
      open.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.SK.localeCompare(b.SK));
      for (const item of open.filter((i) => i.status === "sending")) {
        // Claimed by an attempt that died: the sweep takes it once the lease is over.
        sweepAt = Math.max(sweepAt, clock.at) + (OUTBOX_LEASE_SECONDS + 1) * 1000;
        const later = { ...deps, clock: new TicketClock(sweepAt) };
        crashed = false;
        const outcome = await performOutboxItem(later, item).catch((error) => {
          if (!(error instanceof Crash) && !isTransient(error)) throw error;
          return String(error);
        });
        dice.trace?.(`swept ${item.effect.kind} ${item.effect.id}: ${outcome}`);
      }
      // The rest is what a stream batch brings for this ticket, performed as the outbox handler does.
      const batch = open.filter((i) => i.status === "pending");
      if (batch.length === 0) continue;
      crashed = false;
      const fault = dice.pick(["stream batch twice", "stream batch twice at once"] as const);
      const perform = () =>
        performTicketEffects(deps, batch)
          .then(({ performed, failed }) => {
            usage["outbox effects"] += performed;
            for (const { error } of failed) if (!(error instanceof Crash) && !isTransient(error)) throw error;
          })
          .catch((error) => {
            if (!(error instanceof Crash) && !isTransient(error)) throw error;
          });
      if (fault === "stream batch twice at once") await Promise.all([perform(), perform()]);
      else {
        await perform();
        if (fault) await perform();
      }
    }
    throw new Error(`outbox of ${ticketId} did not drain`);
  };

  const deliver = async (scripted: ScriptedEvent) => {
    const event = scripted.event as TicketEventInput & Record<string, unknown>;
    if (event.type === "client-new") {
      const raw = rawMail(
        {
          From: `Client ${index} <${client}>`,
          To: "soporte@aviso.test",
          Subject: String(event.subject),
          "Message-ID": `<new-${index}.${tag}@customer.example>`,
          Date: new Date(clock.at).toUTCString(),
        },
        String(event.text),
      );
      await twice(async () => {
        usage["inbound mails"] += 1;
        const outcome = await receiveMail(deps, raw);
        if (outcome.outcome !== "quarantined") ticketId = outcome.ticketId;
      }, ["inbound delivered twice", "inbound delivered twice at once"]);
      return;
    }
    if (!ticketId) return;
    if (event.type === "client-reply") {
      const raw = rawMail(
        {
          From: `Client ${index} <${client}>`,
          To: "soporte@aviso.test",
          Subject: `Re: [#${ticketId}] ${script.ticketId}`,
          "Message-ID": `<${String(event.id).replace(script.ticketId, "S")}.${index}.${tag}@customer.example>`,
          Date: new Date(clock.at).toUTCString(),
        },
        String(event.text),
      );
      await twice(() => {
        usage["inbound mails"] += 1;
        return receiveMail(deps, raw);
      }, ["inbound delivered twice", "inbound delivered twice at once"]);
      return;
    }
    const id = `${String(event.id).replace(script.ticketId, "S")}.${tag}`;
    await twice(async () => {
      usage["API events"] += 1;
      await applyEvent(deps, { ...event, id, ticketId } as TicketEventInput);
    }, ["event delivered twice", "event delivered twice at once"]);
  };

  const fire = makeTimersHandler(async () => deps);
  let next = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const scripted = script.events[next];
    let timer: { name: TimerName; at: number } | undefined;
    for (const [name, at] of timers.due)
      if (!timer || Date.parse(at) < timer.at) timer = { name, at: Date.parse(at) };
    const scriptedAt = scripted ? scripted.at : Number.POSITIVE_INFINITY;
    const timerAt = timer ? timer.at : Number.POSITIVE_INFINITY;
    if (scriptedAt === Number.POSITIVE_INFINITY && timerAt === Number.POSITIVE_INFINITY) break;
    if (Math.min(scriptedAt, timerAt) > horizon) break;
    dice.trace?.(
      `at ${new Date(Math.min(scriptedAt, timerAt)).toISOString()} timers ${JSON.stringify([...timers.due])} next ${timer && timerAt <= scriptedAt ? `timer ${timer.name}` : scripted?.event.type}`,
    );
    if (timer && timerAt <= scriptedAt) {
      clock.at = timer.at;
      timers.due.delete(timer.name);
      const input = { ticketId, name: timer.name, dueAt: new Date(timer.at).toISOString() };
      if (ticketId)
        await twice(async () => {
          usage["timer firings"] += 1;
          return fire(input);
        }, ["timer fired twice", "timer fired twice at once"]);
    } else if (scripted) {
      next += 1;
      clock.at = Math.max(clock.at, scripted.at);
      await deliver(scripted);
    }
    await drain();
  }
  return { ticketId, client };
}

let HORIZON = Number.POSITIVE_INFINITY;

function isTransient(error: unknown): boolean {
  const e = error as { name?: string; $fault?: string };
  return e.name === "TooManyRequestsException" || e.$fault === "server";
}

/** Runs `tasks` with at most `limit` at a time. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await (tasks[i] as () => Promise<T>)();
      }
    }),
  );
  return results;
}

/** Client messages a world sent, by effect (normalised so both worlds compare), with their counts. */
async function clientMessages(
  world: World,
  ses: string,
  since: number,
  played: { ticketId?: string; client: string }[],
  tag: string,
) {
  const mails = await storedMailSince(ses, since);
  const byMarker = new Map<string, number>();
  // Both worlds share the SES server: only mail to this world's clients counts.
  for (const mail of mails.filter((m) => m.destination.to.some((to) => to.includes(`.${tag}@`))))
    for (const header of mail.headers ?? [])
      if (header.name.toLowerCase() === "x-aviso-effect")
        byMarker.set(header.value, (byMarker.get(header.value) ?? 0) + 1);
  const sent = new Map<string, number>();
  const committed = new Set<string>();
  for (const [index, { ticketId }] of played.entries()) {
    if (!ticketId) continue;
    const normalise = (effectId: string) =>
      `${index}:${effectId.replaceAll(ticketId, "T").replaceAll(tag, "")}`;
    for (const item of await world.store.outbox(ticketId)) {
      if (item.effect.kind !== "send-client") continue;
      const key = normalise(item.effect.id);
      if (item.result?.startsWith("sent")) committed.add(key);
      const count = byMarker.get(`${ticketId}/${item.effect.id}`) ?? 0;
      if (count > 0) sent.set(key, count);
    }
  }
  return { sent, committed };
}

export async function runFaultInjection(options: {
  endpoints: LocalEndpoints;
  tickets: number;
  seed?: number;
  faultRate?: number;
  concurrency?: number;
  days?: number;
  dynamoPerWorld?: boolean;
}): Promise<FaultReport> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const faultRate = options.faultRate ?? 0.1;
  const days = options.days ?? 2;
  HORIZON = DEFAULT_START + (days + 1) * 86_400_000;
  const scripts = generateScripts({
    tickets: options.tickets,
    start: DEFAULT_START,
    days,
    seed,
    redeliverRate: 0,
  });
  const run = `${process.pid}${Date.now().toString(36)}`;
  const since = Math.floor(Date.now() / 1000) - 1;
  const tally = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  const noFaults = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;

  // The two worlds run one after the other on one SES server (aws-ses-v2-local keeps one store per
  // process), cleared in between: they share ticket numbers, so they must not share a sent ledger.
  const counted: Awaited<ReturnType<typeof clientMessages>>[] = [];
  for (const [name, rate] of [
    ["reference", 0],
    ["faulty", faultRate],
  ] as const) {
    await fetch(`${options.endpoints.ses}/clear-store`, { method: "POST" });
    // DynamoDB Local slows down badly after a few hundred thousand writes: a long run gives each
    // world a fresh one.
    const own = options.dynamoPerWorld ? await startDynamoDbLocal({ port: await freePort() }) : undefined;
    const world = await makeWorld({ ...options.endpoints, ...(own ? { dynamo: own.endpoint } : {}) }, name);
    const tag = `${name[0]}${run}`;
    const played = await pool(
      scripts.map((script, index) => () => {
        const trace =
          index === Number(process.env.AVISO_TRACE_TICKET ?? -1)
            ? (line: string) => console.error(`[${name} #${index}] ${line}`)
            : undefined;
        const dice = new Dice(prng(seed * 1_000_003 + index), rate, rate === 0 ? noFaults : tally, trace);
        return playTicket(world, script, index, dice, tag);
      }),
      options.concurrency ?? 8,
    );
    counted.push(await clientMessages(world, options.endpoints.ses, since, played, tag));
    await world.drop();
    await own?.stop();
  }
  const [expected, actual] = counted as [(typeof counted)[0], (typeof counted)[0]];
  const examples: string[] = [];
  let lost = 0;
  let duplicated = 0;
  let unexpected = 0;
  for (const key of expected.committed) {
    if (!actual.sent.has(key)) {
      lost += 1;
      if (examples.length < 20) examples.push(`lost ${key}`);
    }
  }
  for (const [key, count] of actual.sent) {
    if (count > 1) {
      duplicated += count - 1;
      if (examples.length < 5) examples.push(`sent ${count}× ${key}`);
    }
    if (!expected.committed.has(key)) {
      unexpected += 1;
      if (examples.length < 20) examples.push(`not in the reference: ${key}`);
    }
  }
  let referenceDuplicated = 0;
  for (const count of expected.sent.values()) referenceDuplicated += Math.max(0, count - 1);
  return {
    tickets: options.tickets,
    faultRate,
    faultsInjected: tally,
    clientMessagesExpected: expected.committed.size,
    clientMessagesSent: [...actual.sent.values()].reduce((a, b) => a + b, 0),
    lost,
    duplicated,
    unexpected,
    referenceDuplicated,
    examples,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
