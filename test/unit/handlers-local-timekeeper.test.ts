/*
 * The local runtime's timekeeper drives the same handlers as AWS: the outbox through stream-shaped
 * records, timers at their instants, and the stack's crons (daily jobs, hourly reconciler) at the
 * same local times.
 */
import { describe, expect, it } from "vitest";
import { receiveMail } from "../../functions/app/inbound";
import { type CronInput, DAILY_JOBS_HOUR, RECONCILE_MINUTE } from "../../functions/handlers/cron-input";
import { makeOutboxHandler } from "../../functions/handlers/outbox";
import { makeTimersHandler } from "../../functions/handlers/timers";
import { LocalClock } from "../../infra/local/clock";
import { ClockGate } from "../../infra/local/clock-gate";
import { dueCrons, localCrons, timekeeper } from "../../infra/local/timekeeper";
import { LocalTimerWheel } from "../../infra/local/timer-wheel";
import { memoryWorld, recipients } from "../support/memory-world";

async function localWorld() {
  const w = memoryWorld({ config: { supportLead: "jefa@aviso.test" } });
  const clock = await LocalClock.open({ startAt: "2026-11-23T08:15:00Z" });
  clock.freeze();
  const wheel = new LocalTimerWheel();
  const deps = { ...w.deps, clock, scheduler: wheel };
  const ran: CronInput["aviso"][] = [];
  const crons = localCrons(deps, wheel, deps.config.technicianTimeZone);
  const time = timekeeper({
    clock,
    gate: new ClockGate(),
    wheel,
    pendingOutbox: () => deps.outbox.pending(),
    outbox: makeOutboxHandler(async () => deps),
    timers: makeTimersHandler(async () => deps),
    crons: {
      ...crons,
      run: async (input) => {
        ran.push(input.aviso);
        return crons.run(input);
      },
    },
  });
  return { w, deps, wheel, time, ran };
}

const request = Buffer.from(
  "From: Ana <ana@cliente.es>\r\nTo: soporte@aviso.test\r\nSubject: No imprime\r\nMessage-ID: <a1@cliente.es>\r\n\r\nDesde ayer no imprime.\r\n",
);

describe("the local timekeeper", () => {
  it("performs pending effects itself, as the stream delivers them (keys included)", async () => {
    const { w, deps, wheel, time } = await localWorld();
    await receiveMail(deps, request, {});
    const started = Date.now();
    const performed = await time.drainOutbox();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(performed).toBeGreaterThan(0);
    expect(await deps.outbox.pending()).toEqual([]);
    expect(w.sent.flatMap(recipients)).toContain("ana@cliente.es");
    expect((await wheel.all()).length).toBeGreaterThan(0);
  });

  it("runs the daily jobs when the clock passes the morning: the lead gets the digest of the day before", async () => {
    const { w, deps, time, ran } = await localWorld();
    await deps.quarantine.quarantine({
      at: deps.clock.now().toISOString(),
      id: "q1",
      kind: "rate-limited",
      reason: "inbound cap",
      rawRef: "memory://q1",
      from: "x@spam.example",
    });
    await time.advance(24);
    expect(ran).toEqual(["daily"]);
    expect(w.sent.map(recipients)).toEqual([["jefa@aviso.test"]]);
    await time.advance(1); // 10:15 in Madrid: 09:30 passed
    expect(ran).toEqual(["daily", "reconcile-timers"]);
  });
});

describe("dueCrons", () => {
  it("says daily once the morning passed, else the hourly reconciler once an hour began, each once", () => {
    const zone = "Europe/Madrid";
    const at = (iso: string) => Date.parse(iso);
    const due = dueCrons(zone, at("2026-11-23T04:30:00Z")); // 05:30 in Madrid
    expect(due(at("2026-11-23T04:45:00Z"))).toBeUndefined();
    expect([DAILY_JOBS_HOUR, RECONCILE_MINUTE]).toEqual([6, 30]);
    expect(due(at("2026-11-23T05:00:00Z"))).toBe("daily"); // 06:00 in Madrid
    expect(due(at("2026-11-23T05:20:00Z"))).toBeUndefined();
    expect(due(at("2026-11-23T05:30:00Z"))).toBe("reconcile-timers"); // 06:30
    expect(due(at("2026-11-23T06:00:00Z"))).toBeUndefined();
    expect(due(at("2026-11-23T06:31:00Z"))).toBe("reconcile-timers");
    expect(due(at("2026-11-23T06:40:00Z"))).toBeUndefined();
    // A jump over three days: the jobs run once.
    expect(due(at("2026-11-26T09:00:00Z"))).toBe("daily");
    expect(due(at("2026-11-26T09:10:00Z"))).toBeUndefined();
  });
});
