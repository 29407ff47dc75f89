import { startDynamoDbLocal } from "../../infra/local/dynamodb-local";
import { freePort } from "../../infra/local/ports";
import { storedMailSince } from "../../infra/local/ses-local";
import { DEFAULT_START } from "../simulation/report";
import { generateScripts, prng } from "../simulation/scenarios";
import { wasSent } from "./outcome";
import { Dice, FAULTS, type Fault, playTicket } from "./play";
import { type LocalEndpoints, makeWorld, type World } from "./world";

export { FAULTS, type Fault } from "./play";

/**
 * Fault injection over the real local parts (DynamoDB Local, the local SES server): the simulator's
 * ticket scripts are played through the same application code the Lambdas run, once without faults
 * (the reference) and once with a fault drawn at every step. Every client message the reference
 * sends must be sent exactly once under faults.
 */

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
    for (const item of await world.stores.outbox.list(ticketId)) {
      if (item.effect.kind !== "send-client") continue;
      const key = normalise(item.effect.id);
      if (wasSent(item)) committed.add(key);
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
  // The days of openings, and one more day to work on them.
  const horizon = DEFAULT_START + (days + 1) * 86_400_000;
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
        return playTicket(world, script, { index, dice, tag, horizon });
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
