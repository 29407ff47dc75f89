import "../../functions/core/holidays";
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { consoleLogger, type Logger } from "../../functions/app/apply";
import type { InboundDeps } from "../../functions/app/inbound";
import { type OutboxDeps, sweepOutbox } from "../../functions/app/outbox";
import type { Stores } from "../../functions/app/ports";
import { sendWeeklyReport } from "../../functions/app/report";
import type { AvisoConfig } from "../../functions/config";
import type { TimerName } from "../../functions/core";
import { makeOutboxHandler } from "../../functions/handlers/outbox";
import { makeTimersHandler } from "../../functions/handlers/timers";
import { LocalClock } from "./clock";
import { ClockGate } from "./clock-gate";
import { localConfig } from "./defaults";
import { ensureTable, LOCAL_TABLE, localParts } from "./deps";
import { startDynamoDbLocal } from "./dynamodb-local";
import { startHttpServer } from "./http-server";
import { Inbox } from "./inbox";
import { assertPortFree } from "./ports";
import { startSesLocal } from "./ses-local";
import { startSmtp } from "./smtp";
import { startStreamPoller } from "./stream-poller";
import { every, type Fired, localCrons, mondayMorning, timekeeper } from "./timekeeper";
import { LocalTimerWheel } from "./timer-wheel";

export { LocalClock } from "./clock";
export { ClockGate } from "./clock-gate";
export { LOCAL_CONFIG_DEFAULTS } from "./defaults";
export { LocalTimerWheel } from "./timer-wheel";

export interface RuntimeOptions {
  smtpPort: number;
  sesPort: number;
  apiPort: number;
  dynamodbPort: number;
  /** Keep tickets, timers and the clock under `dataDir` across restarts. */
  persist: boolean;
  dataDir: string;
  supportAddress?: string;
  /** Largest mail accepted over SMTP, bytes. */
  maxMailBytes: number;
  /** Where the clock starts (tests, demos); default: now, or where a persisted clock was. */
  startAt?: string;
  /** How long one inbound mail may take before it is stopped and quarantined (the inbound Lambda's 30 s). */
  mailTimeLimitMs: number;
  log?: Logger;
}

export const DEFAULT_OPTIONS: RuntimeOptions = {
  smtpPort: 2525,
  sesPort: 8005,
  apiPort: 3000,
  dynamodbPort: 8000,
  persist: false,
  dataDir: join(import.meta.dirname, "../../.aviso"),
  maxMailBytes: 25 * 1024 * 1024,
  mailTimeLimitMs: 30_000,
};

export interface Runtime {
  options: RuntimeOptions;
  /** The table, by item family (the same adapters the functions use on AWS). */
  stores: Stores;
  timers(): Promise<{ ticketId: string; name: TimerName; at: string }[]>;
  config: AvisoConfig;
  clock: LocalClock;
  urls: { smtp: string; ses: string; api: string; dynamodb: string };
  /** Resolves once every mail SMTP accepted so far is processed (SMTP answers before that). */
  idle(): Promise<void>;
  /**
   * Processes the mail accepted so far (idle), then runs every pending effect now (what the stream
   * poller does, without waiting for it).
   */
  drainOutbox(): Promise<number>;
  /** Moves the clock forward, firing due timers in order at their own instants. */
  advance(hours: number): Promise<{ now: string; fired: Fired[] }>;
  stop(): Promise<void>;
}

/** `npm start`: the local parts started, and the same handlers as on AWS wired to them. */
export async function startRuntime(partial: Partial<RuntimeOptions> = {}): Promise<Runtime> {
  const options = { ...DEFAULT_OPTIONS, ...partial };
  const log = options.log ?? consoleLogger;
  await Promise.all([
    assertPortFree(options.smtpPort, "SMTP"),
    assertPortFree(options.apiPort, "API"),
    assertPortFree(options.sesPort, "local SES"),
    assertPortFree(options.dynamodbPort, "DynamoDB Local"),
  ]);
  const mailDir = join(options.dataDir, "mail");
  await mkdir(mailDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => {});
  };
  try {
    const dynamo = await startDynamoDbLocal({
      port: options.dynamodbPort,
      ...(options.persist ? { dataDir: join(options.dataDir, "dynamodb") } : {}),
    });
    stops.push(dynamo.stop);
    if (!dynamo.loopbackOnly)
      log.warn("DynamoDB Local listens on every interface: install a JDK (javac) to keep it to 127.0.0.1", {
        port: options.dynamodbPort,
      });
    const ses = await startSesLocal({ port: options.sesPort });
    stops.push(ses.stop);

    const config = localConfig(process.env, options);
    const { client, rawSource, rawRef, stores, ...parts } = localParts({
      dynamodb: dynamo.endpoint,
      ses: ses.endpoint,
      mailDir,
      ...(options.persist ? { incidentIndexFile: join(options.dataDir, "similar-incidents.json") } : {}),
    });
    const upgraded = await ensureTable(client);
    if (upgraded.length > 0) log.info("the kept local table was brought up to date", { changes: upgraded });
    const clock = await LocalClock.open({
      ...(options.persist ? { file: join(options.dataDir, "clock.json") } : {}),
      ...(options.startAt ? { startAt: options.startAt } : {}),
    });
    const wheel = new LocalTimerWheel(options.persist ? join(options.dataDir, "timers.json") : undefined);
    stops.push(() => wheel.flush());
    const deps = { ...stores, ...parts, config, clock, log, scheduler: wheel } satisfies OutboxDeps &
      InboundDeps;
    const outbox = makeOutboxHandler(async () => deps);
    const gate = new ClockGate();
    const time = timekeeper({
      clock,
      gate,
      wheel,
      pendingOutbox: () => stores.outbox.pending(),
      outbox,
      timers: makeTimersHandler(async () => deps),
      crons: localCrons(deps, wheel, config.technicianTimeZone),
    });

    // The stream trigger, Scheduler, and the stack's crons (weekly report, five-minute outbox sweep).
    stops.push(
      startStreamPoller({ client, endpoint: dynamo.endpoint, table: LOCAL_TABLE, outbox, log }).stop,
    );
    stops.push(every(1000, gate, log, "timer tick", time.tick));
    const monday = mondayMorning(config.technicianTimeZone, clock.now().getTime());
    stops.push(
      every(1000, gate, log, "weekly report", async () => {
        if (monday(clock.now().getTime())) await sendWeeklyReport(deps);
      }),
    );
    stops.push(every(30_000, gate, log, "outbox sweep", () => sweepOutbox(deps)));

    const inbox = new Inbox({
      worker: { dynamodb: dynamo.endpoint, ses: ses.endpoint, mailDir, config },
      gate,
      clock,
      quarantine: stores.quarantine,
      rawRef,
      timeLimitMs: options.mailTimeLimitMs,
      log,
    });
    stops.push(() => inbox.close());
    const smtp = await startSmtp({
      port: options.smtpPort,
      supportAddress: config.supportAddress,
      maxMailBytes: options.maxMailBytes,
      log,
      keep: async (raw) => {
        const messageId = `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
        await parts.rawMail.put(messageId, raw);
        return messageId;
      },
      accept: (messageId, envelope) => inbox.accept(messageId, envelope),
    });
    stops.push(smtp.close);
    const api = await startHttpServer(options.apiPort, { deps, clock, gate, advance: time.advance, log });
    stops.push(api.close);
    await time.drainOutbox();

    return {
      options,
      stores,
      timers: () => wheel.all(),
      config,
      clock,
      urls: {
        smtp: `smtp://127.0.0.1:${options.smtpPort}`,
        ses: ses.endpoint,
        api: `http://127.0.0.1:${options.apiPort}`,
        dynamodb: dynamo.endpoint,
      },
      idle: () => inbox.idle(),
      drainOutbox: async () => {
        await inbox.idle();
        return gate.shared(time.drainOutbox);
      },
      advance: time.advance,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
