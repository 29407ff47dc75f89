import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { DateTime } from "luxon";
import type { Logger } from "../../functions/app/apply";
import type { OutboxItem } from "../../functions/app/ports";
import type { TimerName } from "../../functions/core";
import { type CronInput, DAILY_JOBS_HOUR, RECONCILE_MINUTE } from "../../functions/handlers/cron-input";
import { type DailyDeps, makeDailyHandler } from "../../functions/handlers/daily";
import type { StreamRecord } from "../../functions/handlers/outbox";
import * as keys from "../../functions/store/keys";
import type { LocalClock } from "./clock";
import type { ClockGate } from "./clock-gate";
import type { LocalTimerWheel } from "./timer-wheel";

/** How long a drain waits for effects another performer holds. */
const DRAIN_PATIENCE_MS = 15_000;

export type Fired = { ticketId: string; name: string; at: string };

/**
 * What moves the runtime through time: the outbox performed on demand, due timers fired in order at
 * their own instants, and clock jumps that run alone (see ClockGate).
 */
export function timekeeper(parts: {
  clock: LocalClock;
  gate: ClockGate;
  wheel: LocalTimerWheel;
  pendingOutbox: () => Promise<OutboxItem[]>;
  outbox: (event: { Records: StreamRecord[] }) => Promise<{ batchItemFailures: unknown[] }>;
  timers: (input: { ticketId: string; name: TimerName; dueAt: string }) => Promise<unknown>;
  /** The stack's crons (functions/handlers/daily.ts), run at the same local times as on AWS. */
  crons?: { timeZone: string; run: (input: CronInput) => Promise<unknown> };
}) {
  const { clock, gate, wheel } = parts;
  const cronsDue = parts.crons ? dueCrons(parts.crons.timeZone, clock.now().getTime()) : undefined;

  /**
   * Runs every pending effect now (what the stream poller does, without waiting for it). Effects the
   * poller holds are waited for, so that on return everything decided so far is performed.
   */
  const drainOutbox = async () => {
    let performed = 0;
    const deadline = Date.now() + DRAIN_PATIENCE_MS;
    for (let round = 0; ; round++) {
      const pending = await parts.pendingOutbox();
      if (pending.length === 0) break;
      // Still pending after a round: claimed by the stream poller meanwhile, and not done yet.
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      // As the stream carries them: the table's item, keys included (the outbox handler reads SK).
      const records: StreamRecord[] = pending.map((item) => ({
        eventName: "INSERT",
        dynamodb: {
          NewImage: marshall(
            { ...keys.outbox(item.ticketId, item.effect.id), ...item },
            { removeUndefinedValues: true },
          ) as Record<string, AttributeValue>,
        },
      }));
      const { batchItemFailures } = await parts.outbox({ Records: records });
      performed += records.length - batchItemFailures.length;
      // Effects that fail are left to their retries, as on AWS.
      if (batchItemFailures.length === records.length || Date.now() > deadline) break;
    }
    return performed;
  };

  const fireDue = async (until: number) => {
    const fired: Fired[] = [];
    for (let guard = 0; guard < 10_000; guard++) {
      // Effects already decided may arm or cancel timers: perform them before choosing the next one.
      await drainOutbox();
      const next = await wheel.nextDue(until);
      if (!next) break;
      await clock.advanceTo(Date.parse(next.at));
      if (!(await wheel.take(next.ticketId, next.name, next.at))) continue;
      await parts.timers({ ticketId: next.ticketId, name: next.name, dueAt: next.at });
      fired.push({ ticketId: next.ticketId, name: next.name, at: next.at });
    }
    await drainOutbox();
    return fired;
  };

  /** The crons whose time came since the last look: the daily jobs, else the hourly reconciler. */
  const runCrons = async () => {
    const due = cronsDue?.(clock.now().getTime());
    if (!due || !parts.crons) return undefined;
    try {
      await parts.crons.run({ aviso: due });
      await drainOutbox();
      return { ran: due };
    } catch (error) {
      return { ran: due, error: String(error) };
    }
  };

  /** Moves the clock forward, firing due timers in order at their own instants. */
  const advance = (hours: number) =>
    gate.exclusive(async () => {
      const target = clock.now().getTime() + hours * 3_600_000;
      const fired = await fireDue(target);
      await clock.advanceTo(target);
      const crons = await runCrons();
      return { now: clock.now().toISOString(), fired, ...(crons ? { crons } : {}) };
    });

  /** Real time passes too: every second, timers now due fire (a tick still running is not doubled). */
  const tick = async () => {
    const now = clock.now().getTime();
    if (await wheel.nextDue(now)) await fireDue(now);
    const crons = await runCrons();
    if (crons?.error) throw new Error(`${crons.ran} failed: ${crons.error}`);
  };

  return { drainOutbox, advance, tick };
}

/** Runs `task` inside the gate every `ms`, never two at once; returns the stop. */
export function every(ms: number, gate: ClockGate, log: Logger, what: string, task: () => Promise<unknown>) {
  let running = false;
  const interval = setInterval(() => {
    if (running) return;
    running = true;
    void gate
      .shared(task)
      .catch((error) => log.error(`${what} failed`, { error: String(error) }))
      .finally(() => {
        running = false;
      });
  }, ms);
  return async () => clearInterval(interval);
}

/**
 * The crons part of the timekeeper for the runtime: the daily handler on the runtime's own deps, with
 * the timer wheel saying which timers it holds (the reconciler's "missing" check).
 */
export function localCrons(deps: Omit<DailyDeps, "scheduler">, wheel: LocalTimerWheel, timeZone: string) {
  const scheduler = {
    set: (ticketId: string, name: TimerName, at: string) => wheel.set(ticketId, name, at),
    cancel: (ticketId: string, name: TimerName) => wheel.cancel(ticketId, name),
    armed: async () => new Set((await wheel.all()).map((t) => `${t.ticketId}-${t.name}`)),
  };
  return { timeZone, run: makeDailyHandler(async () => ({ ...deps, scheduler })) };
}

/**
 * Which of the stack's crons came due since the last look (at most one: "daily" includes the
 * reconciler): "daily" once the day's DAILY_JOBS_HOUR in `zone` passed, else "reconcile-timers" once
 * an hour's RECONCILE_MINUTE passed. A jump over several days runs the jobs once (the digest is of
 * the day before).
 */
export function dueCrons(zone: string, startedAt: number) {
  let checkedAt = startedAt;
  return (now: number): CronInput["aviso"] | undefined => {
    const local = DateTime.fromMillis(now, { zone });
    let morning = local.startOf("day").set({ hour: DAILY_JOBS_HOUR });
    if (morning.toMillis() > now) morning = morning.minus({ days: 1 });
    let hour = local.startOf("hour").set({ minute: RECONCILE_MINUTE });
    if (hour.toMillis() > now) hour = hour.minus({ hours: 1 });
    const due =
      morning.toMillis() > checkedAt ? "daily" : hour.toMillis() > checkedAt ? "reconcile-timers" : undefined;
    checkedAt = Math.max(checkedAt, now);
    return due;
  };
}

/** True once per week, the first time it is asked at or after Monday 09:00 in `zone`. */
export function mondayMorning(zone: string, startedAt: number) {
  let checkedAt = startedAt;
  return (now: number) => {
    const monday = DateTime.fromMillis(now, { zone }).startOf("week").set({ hour: 9 }).toMillis();
    const due = monday > checkedAt && monday <= now;
    checkedAt = now;
    return due;
  };
}
