import "../../functions/core/holidays";
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from "@aws-sdk/client-dynamodb-streams";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { DateTime } from "luxon";
import { SMTPServer } from "smtp-server";
import { sdkLogger } from "../../functions/adapters/sdk-logger";
import { SesMailer } from "../../functions/adapters/ses";
import { handleApiRequest } from "../../functions/app/api";
import { type Clock, consoleLogger, type Logger } from "../../functions/app/apply";
import type { InboundDeps } from "../../functions/app/inbound";
import { type OutboxDeps, sweepOutbox, type TimerScheduler } from "../../functions/app/outbox";
import { sendWeeklyReport } from "../../functions/app/report";
import { type AvisoConfig, configFromEnv } from "../../functions/config";
import type { TimerName } from "../../functions/core";
import { makeInboundEmailHandler, type RawMailSource } from "../../functions/handlers/inbound-email";
import { makeOutboxHandler, type StreamRecord } from "../../functions/handlers/outbox";
import { makeTimersHandler } from "../../functions/handlers/timers";
import { Store, tableDefinition } from "../../functions/store/store";
import { startDynamoDbLocal } from "./dynamodb-local";
import { assertPortFree } from "./ports";
import { sesStoreLedger, startSesLocal } from "./ses-local";

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
};

const TABLE = "aviso";
const credentials = { accessKeyId: "local", secretAccessKey: "local" };

/** The runtime's clock: real time plus an offset that POST /_clock/advance moves forward. */
export class LocalClock implements Clock {
  constructor(
    public offsetMs = 0,
    private readonly file?: string,
  ) {}
  now() {
    return new Date(Date.now() + this.offsetMs);
  }
  async advanceTo(instant: number) {
    this.offsetMs = Math.max(this.offsetMs, instant - Date.now());
    if (this.file) await writeFile(this.file, JSON.stringify({ offsetMs: this.offsetMs }));
  }
}

type LocalTimer = { ticketId: string; name: TimerName; at: string };

/**
 * Scheduler stand-in: one-time timers in memory, fired in order when the clock passes them, and kept
 * in `timers.json` under the data folder with --persist. (On AWS they live in EventBridge Scheduler,
 * not in the table; keeping them out of DynamoDB Local leaves it to the work the table does on AWS.)
 */
export class LocalTimerWheel implements TimerScheduler {
  private loaded: Promise<Map<string, LocalTimer>> | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly file?: string,
  ) {}

  private index() {
    this.loaded ??= (async () => {
      const timers = new Map<string, LocalTimer>();
      const saved = this.file ? await readJson<LocalTimer[]>(this.file) : undefined;
      for (const timer of saved ?? (this.file ? await this.fromTable() : []))
        timers.set(`${timer.ticketId}-${timer.name}`, timer);
      return timers;
    })();
    return this.loaded;
  }

  /** Timers an earlier version of the runtime kept in the table (read once, when there is no file). */
  private async fromTable(): Promise<LocalTimer[]> {
    const found: LocalTimer[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: "PK = :pk",
          ExpressionAttributeValues: { ":pk": "LOCALTIMER" },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of (page.Items ?? []) as LocalTimer[])
        found.push({ ticketId: item.ticketId, name: item.name, at: item.at });
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /** Writes the file after a change: one write at a time, the latest state last. */
  private save() {
    if (!this.file) return Promise.resolve();
    this.dirty = true;
    this.writing ??= (async () => {
      while (this.dirty) {
        this.dirty = false;
        const timers = [...(await this.index()).values()];
        const temporary = `${this.file}.tmp`;
        await writeFile(temporary, JSON.stringify(timers));
        await rename(temporary, this.file as string);
      }
    })().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /** Resolves once every change so far is on disk. */
  async flush() {
    while (this.writing) await this.writing;
  }

  async set(ticketId: string, name: TimerName, at: string) {
    (await this.index()).set(`${ticketId}-${name}`, { ticketId, name, at });
    await this.save();
  }

  async cancel(ticketId: string, name: TimerName) {
    (await this.index()).delete(`${ticketId}-${name}`);
    await this.save();
  }

  /** Every armed timer, soonest first. */
  async all(): Promise<LocalTimer[]> {
    return [...(await this.index()).values()].sort((a, b) => a.at.localeCompare(b.at));
  }

  /** The soonest timer due at or before `until`, if any. */
  async nextDue(until: number): Promise<LocalTimer | undefined> {
    let next: LocalTimer | undefined;
    for (const timer of (await this.index()).values())
      if (Date.parse(timer.at) <= until && (!next || timer.at < next.at)) next = timer;
    return next;
  }

  /** Takes a due timer for firing; false when it was re-armed or taken meanwhile. */
  async take(ticketId: string, name: TimerName, at: string): Promise<boolean> {
    const timers = await this.index();
    if (timers.get(`${ticketId}-${name}`)?.at !== at) return false;
    timers.delete(`${ticketId}-${name}`);
    await this.save();
    return true;
  }
}

/**
 * Mail, events and timers are handled side by side, as Lambdas are on AWS. A jump of the clock
 * (POST /_clock/advance) waits for them to finish and runs alone, so nothing is decided mid-jump.
 */
export class ClockGate {
  private running = 0;
  private jump: Promise<void> | undefined;
  private idle: (() => void) | undefined;

  async shared<T>(task: () => Promise<T>): Promise<T> {
    while (this.jump) await this.jump;
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      if (this.running === 0) this.idle?.();
    }
  }

  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    while (this.jump) await this.jump;
    let done = () => {};
    this.jump = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      if (this.running > 0)
        await new Promise<void>((resolve) => {
          this.idle = resolve;
        });
      this.idle = undefined;
      return await task();
    } finally {
      this.jump = undefined;
      done();
    }
  }
}

export interface Runtime {
  options: RuntimeOptions;
  store: Store;
  timers(): Promise<{ ticketId: string; name: TimerName; at: string }[]>;
  config: AvisoConfig;
  clock: LocalClock;
  urls: { smtp: string; ses: string; api: string; dynamodb: string };
  /** Runs every pending effect now (what the stream poller does, without waiting for it). */
  drainOutbox(): Promise<number>;
  /** Moves the clock forward, firing due timers in order at their own instants. */
  advance(hours: number): Promise<{ now: string; fired: { ticketId: string; name: string; at: string }[] }>;
  stop(): Promise<void>;
}

export async function startRuntime(partial: Partial<RuntimeOptions> = {}): Promise<Runtime> {
  const options = { ...DEFAULT_OPTIONS, ...partial };
  const log = options.log ?? consoleLogger;
  await Promise.all([
    assertPortFree(options.smtpPort, "SMTP"),
    assertPortFree(options.apiPort, "API"),
    assertPortFree(options.sesPort, "local SES"),
    assertPortFree(options.dynamodbPort, "DynamoDB Local"),
  ]);
  await mkdir(join(options.dataDir, "mail"), { recursive: true });
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
    const ses = await startSesLocal({ port: options.sesPort });
    stops.push(ses.stop);

    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "local",
      credentials,
      logger: sdkLogger,
    });
    try {
      await client.send(new CreateTableCommand(tableDefinition(TABLE)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const clockFile = join(options.dataDir, "clock.json");
    const savedOffset = options.persist
      ? (await readJson<{ offsetMs: number }>(clockFile))?.offsetMs
      : undefined;
    const startOffset = options.startAt ? Date.parse(options.startAt) - Date.now() : 0;
    const clock = new LocalClock(savedOffset ?? startOffset, options.persist ? clockFile : undefined);
    if (options.persist) await writeFile(clockFile, JSON.stringify({ offsetMs: clock.offsetMs }));
    const config = configFromEnv(process.env, {
      ...(options.supportAddress ? { supportAddress: options.supportAddress } : {}),
      trustLocalTechnicians: true,
      feedbackUrl: `http://127.0.0.1:${options.apiPort}/feedback`,
      accountManager: process.env.AVISO_ACCOUNT_MANAGER ?? "cuentas@aviso.localhost",
      supportLead: process.env.AVISO_SUPPORT_LEAD ?? "lead@aviso.localhost",
    });
    const store = new Store(doc, TABLE);
    const wheel = new LocalTimerWheel(
      doc,
      options.persist ? join(options.dataDir, "timers.json") : undefined,
    );
    stops.push(() => wheel.flush());
    const mailDir = join(options.dataDir, "mail");
    const rawMail = {
      put: async (id: string, raw: Buffer) => {
        const file = join(mailDir, `${id.replace(/[^\w.-]/g, "_")}.eml`);
        await writeFile(file, raw);
        return `file://${file}`;
      },
    };
    const rawSource: RawMailSource = {
      get: async (messageId) => {
        const file = join(mailDir, `${messageId}.eml`);
        return { raw: await readFile(file), ref: `file://${file}` };
      },
    };
    const deps: OutboxDeps & InboundDeps = {
      store,
      config,
      clock,
      log,
      mailer: new SesMailer(
        new SESv2Client({ endpoint: ses.endpoint, region: "eu-west-1", credentials, logger: sdkLogger }),
        "eu-west-1",
      ),
      scheduler: wheel,
      rawMail,
      sentLedger: sesStoreLedger(ses.endpoint, "eu-west-1"),
    };
    const inbound = makeInboundEmailHandler(async () => ({ ...deps, rawSource }));
    const outbox = makeOutboxHandler(async () => deps);
    const timers = makeTimersHandler(async () => deps);

    const drainOutbox = async () => {
      let performed = 0;
      for (let round = 0; round < 20; round++) {
        const pending = await store.pendingOutbox();
        if (pending.length === 0) break;
        const records: StreamRecord[] = pending.map((item) => ({
          eventName: "INSERT",
          dynamodb: {
            NewImage: marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>,
          },
        }));
        const { batchItemFailures } = await outbox({ Records: records });
        performed += records.length - batchItemFailures.length;
        if (batchItemFailures.length === records.length) break;
      }
      return performed;
    };

    const gate = new ClockGate();

    const fireDue = async (until: number) => {
      const fired: { ticketId: string; name: string; at: string }[] = [];
      for (let guard = 0; guard < 10_000; guard++) {
        // Effects already decided may arm or cancel timers: perform them before choosing the next one.
        await drainOutbox();
        const next = await wheel.nextDue(until);
        if (!next) break;
        await clock.advanceTo(Date.parse(next.at));
        if (!(await wheel.take(next.ticketId, next.name, next.at))) continue;
        await timers({ ticketId: next.ticketId, name: next.name, dueAt: next.at });
        fired.push({ ticketId: next.ticketId, name: next.name, at: next.at });
      }
      await drainOutbox();
      return fired;
    };

    const advance = (hours: number) =>
      gate.exclusive(async () => {
        const target = clock.now().getTime() + hours * 3_600_000;
        const fired = await fireDue(target);
        await clock.advanceTo(target);
        return { now: clock.now().toISOString(), fired };
      });

    // The stream poller: the same outbox handler, fed from DynamoDB Local's stream.
    const poller = startStreamPoller(client, dynamo.endpoint, outbox, log);
    stops.push(poller.stop);
    // Real time passes too: every second, timers now due fire (a tick still running is not doubled).
    let ticking = false;
    const ticker = setInterval(() => {
      if (ticking) return;
      ticking = true;
      void gate
        .shared(async () => {
          const now = clock.now().getTime();
          if (await wheel.nextDue(now)) await fireDue(now);
        })
        .catch((e) => log.error("timer tick failed", { error: String(e) }))
        .finally(() => {
          ticking = false;
        });
    }, 1000);
    stops.push(async () => clearInterval(ticker));
    // The lead's weekly report, when the runtime's clock passes Monday 09:00 in the lead's zone.
    let reportCheckedAt = clock.now().getTime();
    const weeklyCheck = setInterval(
      () =>
        void gate
          .shared(async () => {
            const now = clock.now().getTime();
            const monday = DateTime.fromMillis(now, { zone: config.technicianTimeZone })
              .startOf("week")
              .set({ hour: 9 })
              .toMillis();
            const due = monday > reportCheckedAt && monday <= now;
            reportCheckedAt = now;
            if (due) await sendWeeklyReport(deps);
          })
          .catch((e) => log.error("weekly report failed", { error: String(e) })),
      1000,
    );
    stops.push(async () => clearInterval(weeklyCheck));
    // And the outbox sweep the stack runs every five minutes: what a crash left is performed.
    const sweeper = setInterval(
      () =>
        void gate
          .shared(() => sweepOutbox(deps))
          .catch((e) => log.error("outbox sweep failed", { error: String(e) })),
      30_000,
    );
    stops.push(async () => clearInterval(sweeper));

    const smtp = startSmtp(options, config, inbound, rawMail, (task) => gate.shared(task), log);
    await new Promise<void>((resolve, reject) => {
      smtp.once("error", reject);
      smtp.listen(options.smtpPort, "127.0.0.1", () => resolve());
    });
    stops.push(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

    const api = createServer((request, response) => {
      void serveApi(request, response, { ...deps }, clock, advance, gate, log);
    });
    await new Promise<void>((resolve, reject) => {
      api.once("error", reject);
      api.listen(options.apiPort, "127.0.0.1", () => resolve());
    });
    stops.push(() => closeServer(api));
    await drainOutbox();

    return {
      options,
      store,
      timers: () => wheel.all(),
      config,
      clock,
      urls: {
        smtp: `smtp://127.0.0.1:${options.smtpPort}`,
        ses: ses.endpoint,
        api: `http://127.0.0.1:${options.apiPort}`,
        dynamodb: dynamo.endpoint,
      },
      drainOutbox: () => gate.shared(drainOutbox),
      advance,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startSmtp(
  options: RuntimeOptions,
  config: AvisoConfig,
  inbound: ReturnType<typeof makeInboundEmailHandler>,
  rawMail: { put(id: string, raw: Buffer): Promise<string> },
  handle: <T>(task: () => Promise<T>) => Promise<T>,
  log: Logger,
): SMTPServer {
  const [supportLocal, supportDomain] = config.supportAddress.toLowerCase().split("@");
  return new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: options.maxMailBytes,
    banner: "aviso local support mailbox",
    onRcptTo(address, _session, callback) {
      const [local = "", domain] = address.address.toLowerCase().split("@");
      if (domain === supportDomain && (local === supportLocal || local.startsWith(`${supportLocal}+`)))
        return callback();
      const error = new Error(
        `5.1.1 <${address.address}>: no such mailbox here; aviso receives mail for ${config.supportAddress}`,
      );
      (error as Error & { responseCode: number }).responseCode = 550;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (stream.sizeExceeded) {
          const error = new Error(`5.3.4 message too big: aviso accepts up to ${options.maxMailBytes} bytes`);
          (error as Error & { responseCode: number }).responseCode = 552;
          return callback(error);
        }
        const raw = Buffer.concat(chunks);
        const messageId = `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
        void (async () => {
          // Kept before anything reads it, as SES's S3 action does.
          await rawMail.put(messageId, raw);
          const recipients = session.envelope.rcptTo.map((r) => r.address);
          const result = await handle(() =>
            inbound(
              sesEvent(
                messageId,
                session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
                recipients,
              ),
            ),
          );
          log.info("mail received", { messageId, result: result.results[0] });
          callback(null, `2.0.0 queued as ${messageId}`);
        })().catch((error) => {
          log.error("mail kept but not processed", { messageId, error: String(error) });
          const failure = new Error(
            `4.3.0 kept as ${messageId} but not processed yet: ${(error as Error).message}`,
          );
          (failure as Error & { responseCode: number }).responseCode = 451;
          callback(failure);
        });
      });
    },
  });
}

/** The event SES would send to the inbound function for this mail (verdicts: local, so GRAY). */
function sesEvent(messageId: string, source: string, recipients: string[]) {
  const now = new Date().toISOString();
  const gray = { status: "GRAY" as const };
  return {
    Records: [
      {
        eventSource: "aws:ses",
        eventVersion: "1.0",
        ses: {
          mail: {
            timestamp: now,
            source: source || "unknown@localhost",
            messageId,
            destination: recipients,
            headersTruncated: false,
            headers: [],
            commonHeaders: {
              from: [source],
              to: recipients,
              returnPath: source,
              messageId,
              date: now,
              subject: "",
            },
          },
          receipt: {
            timestamp: now,
            processingTimeMillis: 1,
            recipients,
            spamVerdict: { status: "PASS" },
            virusVerdict: { status: "PASS" },
            spfVerdict: gray,
            dkimVerdict: gray,
            dmarcVerdict: gray,
            action: {
              type: "Lambda",
              invocationType: "Event",
              functionArn: "arn:aws:lambda:local:000000000000:function:aviso-inbound-email",
            },
          },
        },
      },
    ],
  };
}

function startStreamPoller(
  client: DynamoDBClient,
  endpoint: string,
  outbox: ReturnType<typeof makeOutboxHandler>,
  log: Logger,
) {
  const streams = new DynamoDBStreamsClient({ endpoint, region: "local", credentials, logger: sdkLogger });
  let stopped = false;
  const iterators = new Map<string, string | undefined>();
  const loop = async () => {
    const table = await client.send(new DescribeTableCommand({ TableName: TABLE }));
    const arn = table.Table?.LatestStreamArn;
    if (!arn) return;
    let busy = false;
    let started = false;
    let shards: Shard[] = [];
    let describedAt = 0;
    while (!stopped) {
      try {
        // Shards change rarely (DynamoDB Local rolls them over now and then): listed once a second.
        if (Date.now() - describedAt >= 1000) {
          const description = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
          shards = description.StreamDescription?.Shards ?? [];
          describedAt = Date.now();
        }
        for (const shard of shards) {
          if (!shard.ShardId || (iterators.get(shard.ShardId) === undefined && iterators.has(shard.ShardId)))
            continue;
          let iterator = iterators.get(shard.ShardId);
          if (!iterator) {
            const got = await streams.send(
              new GetShardIteratorCommand({
                StreamArn: arn,
                ShardId: shard.ShardId,
                // Shards there at start: from now on. A shard that opens later (DynamoDB Local rolls
                // them over) is read from its start, or the records written before we saw it are missed.
                ShardIteratorType: started ? "TRIM_HORIZON" : "LATEST",
              }),
            );
            iterator = got.ShardIterator;
          }
          if (!iterator) continue;
          const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
          iterators.set(shard.ShardId, page.NextShardIterator);
          const records = (page.Records ?? []).filter(isOutboxInsert).map(toStreamRecord);
          if (records.length > 0) await outbox({ Records: records });
          busy ||= (page.Records ?? []).length > 0;
        }
      } catch (error) {
        if (!stopped) log.warn("stream poll failed; retrying", { error: String(error) });
      }
      started = true;
      // Straight on while records keep coming; a short pause when the stream is quiet.
      if (!busy) await new Promise((resolve) => setTimeout(resolve, 100));
      busy = false;
    }
  };
  const running = loop();
  return {
    stop: async () => {
      stopped = true;
      await running.catch(() => {});
    },
  };
}

function isOutboxInsert(record: _Record) {
  return record.eventName === "INSERT" && String(record.dynamodb?.Keys?.SK?.S ?? "").startsWith("OUT#");
}

function toStreamRecord(record: _Record): StreamRecord {
  return {
    eventName: record.eventName ?? "INSERT",
    dynamodb: {
      NewImage: record.dynamodb?.NewImage as Record<string, AttributeValue>,
      ...(record.dynamodb?.SequenceNumber ? { SequenceNumber: record.dynamodb.SequenceNumber } : {}),
    },
  };
}

async function serveApi(
  request: IncomingMessage,
  response: ServerResponse,
  deps: Parameters<typeof handleApiRequest>[0],
  clock: LocalClock,
  advance: Runtime["advance"],
  gate: ClockGate,
  log: Logger,
) {
  try {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const body = await readBody(request, 1_000_000);
    const reply = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      response.end(JSON.stringify(value));
    };
    if (url.pathname === "/" && request.method === "GET") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(await readFile(join(import.meta.dirname, "../../web/index.html")));
      return;
    }
    if (url.pathname === "/_reports/weekly" && request.method === "POST") {
      // What the stack's Monday cron does, on demand (the runtime also sends it by itself on Mondays).
      return reply(200, await sendWeeklyReport(deps as OutboxDeps, { force: true }));
    }
    if (url.pathname === "/_clock" && request.method === "GET") {
      return reply(200, {
        now: clock.now().toISOString(),
        offsetHours: Math.round((clock.offsetMs / 3_600_000) * 1000) / 1000,
      });
    }
    if (url.pathname === "/_clock/advance" && request.method === "POST") {
      let hours: unknown;
      try {
        hours = (JSON.parse(body || "{}") as { hours?: unknown }).hours;
      } catch {
        return reply(400, { error: 'the body must be JSON: {"hours": n}' });
      }
      if (typeof hours !== "number" || !Number.isFinite(hours) || hours < 0 || hours > 24 * 366) {
        return reply(400, { error: '"hours" must be a number from 0 to 8784' });
      }
      return reply(200, await advance(hours));
    }
    const result = await gate.shared(() =>
      handleApiRequest(deps, {
        method: request.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body,
      }),
    );
    response.writeHead(result.status, result.headers ?? {});
    response.end(result.body);
  } catch (error) {
    log.error("API request failed", { error: String(error) });
    response.writeHead(500, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: (error as Error).message }));
  }
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error("request body too large"));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function closeServer(server: Server) {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}
