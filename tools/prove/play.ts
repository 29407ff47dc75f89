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
import {
  OUTBOX_LEASE_SECONDS,
  type OutboxRepository,
  type Stores,
  type TicketRepository,
} from "../../functions/app/ports";
import type { TicketEventInput, TimerName } from "../../functions/core";
import { makeTimersHandler } from "../../functions/handlers/timers";
import type { ScriptedEvent, TicketScript } from "../simulation/engine";
import { DEFAULT_START } from "../simulation/report";
import type { Random } from "../simulation/scenarios";
import { emptyUsage, rawMail, type Usage, type World } from "./world";

/**
 * One ticket script played through the same application code the Lambdas run, in a world of
 * tools/prove/world.ts, with a fault drawn at every step where one can happen.
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

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

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

export interface PlayOptions {
  /** The script's position in its run: it names the client's address and message ids. */
  index: number;
  dice: Dice;
  /** Marks this run's mail, so runs that share one SES server tell their mail apart. */
  tag: string;
  /** Nothing due after this instant is played. */
  horizon: number;
  /** Where to count what the ticket used (a fresh tally when not given). */
  usage?: Usage;
}

/** Plays one ticket script through the application code, faults drawn by `options.dice`. */
export async function playTicket(world: World, script: TicketScript, options: PlayOptions) {
  const { index, dice, tag, horizon, usage = emptyUsage() } = options;
  const clock = new TicketClock(script.events[0]?.at ?? DEFAULT_START);
  let crashed = false;
  const real = world.stores;
  const tickets: TicketRepository = Object.create(real.tickets);
  tickets.commit = async (...args: Parameters<TicketRepository["commit"]>) => {
    const fault = dice.pick(["crash before commit", "crash after commit"] as const);
    if (fault === "crash before commit") throw new Crash(fault);
    await real.tickets.commit(...args);
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
  const outbox: OutboxRepository = Object.create(real.outbox);
  outbox.claimAll = async (...args: Parameters<OutboxRepository["claimAll"]>) =>
    mayCrashAfterClaim(await real.outbox.claimAll(...args));
  outbox.claim = async (...args: Parameters<OutboxRepository["claim"]>) =>
    mayCrashAfterClaim(await real.outbox.claim(...args));
  // A process that died writes nothing more: no hand-back of the claim.
  outbox.release = async (...args: Parameters<OutboxRepository["release"]>) => {
    if (crashed) throw new Crash("process is dead");
    return real.outbox.release(...args);
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
  const deps: OutboxDeps & Stores & { rawMail: { put(id: string): Promise<string> } } = {
    ...real,
    tickets,
    outbox,
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
      const open = (await real.outbox.list(ticketId)).filter((item) => item.status !== "done");
      if (open.length === 0) return;
      open.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.effect.id.localeCompare(b.effect.id));
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

function isTransient(error: unknown): boolean {
  const e = error as { name?: string; $fault?: string };
  return e.name === "TooManyRequestsException" || e.$fault === "server";
}
