/*
 * The stack's crons (issue 14: the lead's digest of held mail, closed tickets expired; issue 15: a
 * reconciler that re-arms timers that are overdue or missing), on the in-memory world.
 */
import { describe, expect, it } from "vitest";
import { applyEvent } from "../../functions/app/apply";
import { receiveMail } from "../../functions/app/inbound";
import { makeDailyHandler } from "../../functions/handlers/daily";
import { OVERDUE_AFTER_MS, reconcileTimers } from "../../functions/handlers/reconcile-timers";
import { memoryWorld, recipients } from "../support/memory-world";

function world() {
  const base = memoryWorld({ config: { supportLead: "jefa@aviso.test", closedTicketRetentionDays: 30 } });
  const deps = {
    ...base.deps,
    // What EventBridge Scheduler's ListSchedules tells: the schedules that exist.
    scheduler: { ...base.deps.scheduler, armed: async () => new Set(base.timers.keys()) },
  };
  const open = async (from: string, subject: string) => {
    await receiveMail(
      deps,
      Buffer.from(
        `From: ${from}\r\nTo: soporte@aviso.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.length}.${from}>\r\n\r\nNo funciona desde ayer.\r\n`,
      ),
      {},
    );
    await base.drain();
  };
  return { ...base, deps, open };
}

const armedOf = async (w: ReturnType<typeof world>, ticketId: string) =>
  (await w.deps.tickets.load(ticketId))?.timers ?? {};

/** The ticket's earliest armed timer: the first Scheduler would fire. */
const firstTimer = async (w: ReturnType<typeof world>, ticketId: string) => {
  const timers = Object.entries(await armedOf(w, ticketId)) as [string, string][];
  const first = timers.sort((a, b) => a[1].localeCompare(b[1]))[0];
  if (!first) throw new Error(`${ticketId} has no timer`);
  return first;
};

describe("the timer reconciler", () => {
  it("fires a timer whose schedule is gone once it is overdue, through the timers' own decision", async () => {
    const w = world();
    await w.open("ana@cliente.es", "No imprime");
    const [name, dueAt] = await firstTimer(w, "T-1001");
    // Scheduler invoked the timers function, which failed its retries; the schedule deleted itself.
    w.timers.delete(`T-1001-${name}`);
    w.advance(Date.parse(dueAt) - w.deps.clock.now().getTime() + OVERDUE_AFTER_MS);
    const sentBefore = w.sent.length;

    const result = await reconcileTimers(w.deps);
    expect(result.fired).toEqual([{ ticketId: "T-1001", name, dueAt, outcome: "applied" }]);
    expect((await armedOf(w, "T-1001"))[name as "eod"]).toBeUndefined();
    await w.drain();
    // What the timer does when it fires on time (here the technicians' reminder) happened.
    expect(w.sent.length).toBeGreaterThan(sentBefore);

    // Idempotent: nothing left to fire on the next run.
    expect((await reconcileTimers(w.deps)).fired).toEqual([]);
  });

  it("leaves a timer that is due but not yet overdue to Scheduler", async () => {
    const w = world();
    await w.open("ana@cliente.es", "No imprime");
    const [, dueAt] = await firstTimer(w, "T-1001");
    w.advance(Date.parse(dueAt) - w.deps.clock.now().getTime() + OVERDUE_AFTER_MS - 60_000);
    const result = await reconcileTimers(w.deps);
    expect(result.fired).toEqual([]);
    expect(result.rearmed).toEqual([]);
  });

  it("arms again a future timer whose schedule is missing, at its instant; once", async () => {
    const w = world();
    await w.open("ana@cliente.es", "No imprime");
    await w.open("bea@otra.es", "Sin correo");
    const armed = await armedOf(w, "T-1002");
    const [name, at] = Object.entries(armed)[0] as [string, string];
    w.timers.delete(`T-1002-${name}`);

    const result = await reconcileTimers(w.deps);
    expect(result.rearmed).toEqual([{ ticketId: "T-1002", name, dueAt: at }]);
    expect(w.timers.get(`T-1002-${name}`)).toBe(at);
    expect(result.checked).toBe(Object.keys(await armedOf(w, "T-1001")).length + Object.keys(armed).length);
    expect((await reconcileTimers(w.deps)).rearmed).toEqual([]);
  });
  it("reads only the tickets not closed where the store can (closed tickets hold no timer)", async () => {
    const w = world();
    const asked: unknown[] = [];
    const reports = {
      ticketsWithLastSent: async (options?: { closedSince?: Date }) => {
        asked.push(options);
        return [];
      },
    };
    await reconcileTimers({ ...w.deps, reports });
    expect(asked).toEqual([{ closedSince: w.deps.clock.now() }]);
  });
});

describe("the daily cron", () => {
  it("sends the lead yesterday's quarantine digest, expires closed tickets and reconciles timers", async () => {
    const w = world();
    await w.open("ana@cliente.es", "No imprime");
    for (const event of [
      { type: "resolve", id: "r1", ticketId: "T-1001", actor: "lucia@aviso.test", fix: "Driver." },
      { type: "confirm", id: "c1", ticketId: "T-1001" },
    ])
      await applyEvent(w.deps, event);
    await w.drain();
    w.advance(31 * 86_400_000);
    await w.deps.quarantine.quarantine({
      at: w.deps.clock.now().toISOString(),
      id: "q1",
      kind: "rate-limited",
      reason: "inbound cap",
      rawRef: "memory://q1",
      from: "x@spam.example",
    });
    w.advance(86_400_000);
    const sentBefore = w.sent.length;

    const daily = makeDailyHandler(async () => w.deps);
    const result = await daily({ aviso: "daily" });
    expect(result).toMatchObject({
      quarantineDigest: { sent: true, held: 1 },
      expiredTickets: { tickets: ["T-1001"] },
      timers: { fired: [] },
    });
    expect(w.sent.slice(sentBefore).map(recipients)).toEqual([["jefa@aviso.test"]]);
    expect(await w.deps.tickets.load("T-1001")).toBeUndefined();
    // Run again (a retry): no second digest, nothing more to expire.
    expect(await daily({ aviso: "daily" })).toMatchObject({
      quarantineDigest: { sent: false },
      expiredTickets: { tickets: [] },
    });
  });

  it("runs every job when one fails, then fails naming it (so the invocation is retried and kept)", async () => {
    const w = world();
    const failing = {
      ...w.deps,
      reports: Object.assign(Object.create(w.deps.reports) as typeof w.deps.reports, {
        expireTickets: async () => {
          throw new Error("ProvisionedThroughputExceededException");
        },
      }),
    };
    await w.deps.quarantine.quarantine({
      at: w.deps.clock.now().toISOString(),
      id: "q1",
      kind: "rate-limited",
      reason: "inbound cap",
      rawRef: "memory://q1",
    });
    w.advance(86_400_000);
    const daily = makeDailyHandler(async () => failing);
    await expect(daily({ aviso: "daily" })).rejects.toThrow(/expiredTickets: .*ProvisionedThroughput/);
    expect(w.sent.map(recipients)).toEqual([["jefa@aviso.test"]]);
  });

  it("the hourly input only reconciles timers; anything else is refused", async () => {
    const w = world();
    const daily = makeDailyHandler(async () => w.deps);
    expect(Object.keys(await daily({ aviso: "reconcile-timers" }))).toEqual(["timers"]);
    await expect(daily({ aviso: "weekly-report" })).rejects.toThrow();
  });
});
