import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../functions/app/apply";
import { freePort } from "../../infra/local/ports";
import { startRuntime } from "../../infra/local/runtime";
import type { LoadClientResult, LoadClientSettings } from "./load-client";

/**
 * Sustained load on the local runtime: inbound mail over real SMTP at a steady rate, technician
 * events on the API meanwhile, and for every mail the time from the moment the client hands it to
 * SMTP to its acknowledgement in the SES store. (Measured from the hand-over, not from the SMTP 250:
 * the local server answers 250 only once the mail is processed, so a queue in front of it would
 * hide in the time to 250.)
 */
export interface LoadReport {
  ratePerSecond: number;
  seconds: number;
  /** Seconds of the same load before the measured run (not counted). */
  warmupSeconds: number;
  mailsSent: number;
  mailsAccepted: number;
  acknowledged: number;
  /** Mails accepted, warm-up included, whose acknowledgement never showed in the SES store. */
  unacknowledged: number;
  smtpErrors: number;
  apiEvents: number;
  apiErrors: number;
  /** Warnings and errors the runtime itself logged (a retried send, a failed poll). */
  runtimeWarnings: number;
  runtimeErrors: number;
  /** Mail handed to SMTP → its acknowledgement in the SES store. */
  ackLatencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Mail handed to SMTP → SMTP 250 (which the local server gives once the mail is processed). */
  smtpAcceptMs: { p50: number; p95: number; max: number };
  /** Mails actually offered per second (the generator's own pace). */
  achievedRate: number;
  /** What went wrong, first of each kind. */
  examples: string[];
  /** What the runtime warned about (the loop cap holding back staff notices, say), first of each kind. */
  warningExamples: string[];
}

/** The runtime's own warnings and errors during the run: counted, the first of each kind kept. */
function countingLogger() {
  const seen = { warnings: 0, errors: 0, errorExamples: [] as string[], warningExamples: [] as string[] };
  const kinds = new Set<string>();
  const keep = (into: string[], message: string, detail?: Record<string, unknown>) => {
    if (kinds.has(message) || into.length >= 5) return;
    kinds.add(message);
    into.push(`${message} ${JSON.stringify(detail ?? {})}`);
  };
  const log: Logger = {
    info: () => {},
    warn: (message, detail) => {
      seen.warnings += 1;
      keep(seen.warningExamples, message, detail);
    },
    error: (message, detail) => {
      seen.errors += 1;
      keep(seen.errorExamples, message, detail);
    },
  };
  return { log, seen };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function runLoad(
  options: { ratePerSecond?: number; seconds?: number; warmupSeconds?: number } = {},
): Promise<LoadReport> {
  const rate = options.ratePerSecond ?? 20;
  const seconds = options.seconds ?? 60;
  const warmupSeconds = options.warmupSeconds ?? 0;
  const dataDir = await mkdtemp(join(tmpdir(), "aviso-load-"));
  const [smtpPort, sesPort, apiPort, dynamodbPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const logged = countingLogger();
  const runtime = await startRuntime({ smtpPort, sesPort, apiPort, dynamodbPort, dataDir, log: logged.log });
  const run = Date.now().toString(36);
  const settings: LoadClientSettings = {
    smtpPort,
    sesPort,
    apiPort,
    supportAddress: runtime.config.supportAddress,
    technician: runtime.config.technicians[0]?.address ?? "tech@aviso.localhost",
    rate,
    seconds,
    warmupSeconds,
    run,
  };
  let client: LoadClientResult;
  try {
    client = await spawnClient(settings);
  } catch (error) {
    await runtime.stop();
    throw error;
  }
  const offeredAt = new Map(client.offeredAt);
  const acceptedAt = new Map(client.acceptedAt);
  const ackedAt = new Map(client.ackedAt);
  const examples = [...client.examples];
  const { smtpErrors, apiEvents, apiErrors, achievedRate } = client;
  const total = rate * seconds;
  // What happened to each mail whose acknowledgement never showed: said, not guessed.
  for (const address of acceptedAt.keys()) {
    if (ackedAt.has(address) || examples.length >= 5) continue;
    const ticketId = await runtime.stores.mail.lookupMessage(`<${address}>`);
    const outbox = ticketId ? await runtime.stores.outbox.list(ticketId) : [];
    const ack = outbox.find((item) => item.effect.kind === "send-client");
    examples.push(
      `no acknowledgement seen for ${address} 30 s after the last mail was accepted: ticket ${ticketId ?? "none"}, acknowledgement ${ack ? `${ack.status} (created ${ack.createdAt}, claimed ${ack.claimedAt ?? "never"}, checked ${new Date().toISOString()})` : "not decided"}`,
    );
  }
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });

  const latencies: number[] = [];
  const toAccept: number[] = [];
  const measured = [...offeredAt].filter(([address]) => address.startsWith("load-"));
  for (const [address, offered] of measured) {
    const acked = ackedAt.get(address);
    const accepted = acceptedAt.get(address);
    if (acked !== undefined) latencies.push(Math.max(0, acked - offered));
    if (accepted !== undefined) toAccept.push(accepted - offered);
  }
  latencies.sort((a, b) => a - b);
  toAccept.sort((a, b) => a - b);
  return {
    ratePerSecond: rate,
    seconds,
    warmupSeconds,
    mailsSent: total,
    mailsAccepted: toAccept.length,
    acknowledged: latencies.length,
    unacknowledged: [...acceptedAt.keys()].filter((address) => !ackedAt.has(address)).length,
    smtpErrors,
    apiEvents,
    apiErrors,
    runtimeWarnings: logged.seen.warnings,
    runtimeErrors: logged.seen.errors,
    ackLatencyMs: {
      p50: Math.round(percentile(latencies, 50)),
      p95: Math.round(percentile(latencies, 95)),
      p99: Math.round(percentile(latencies, 99)),
      max: Math.round(latencies.at(-1) ?? Number.NaN),
    },
    smtpAcceptMs: {
      p50: Math.round(percentile(toAccept, 50)),
      p95: Math.round(percentile(toAccept, 95)),
      max: Math.round(toAccept.at(-1) ?? Number.NaN),
    },
    achievedRate,
    examples: [...examples, ...logged.seen.errorExamples],
    warningExamples: logged.seen.warningExamples,
  };
}

/** Runs the clients in a process of their own, so they do not share the runtime's event loop. */
function spawnClient(settings: LoadClientSettings): Promise<LoadClientResult> {
  const tsx = join(import.meta.dirname, "../../node_modules/.bin/tsx");
  const script = join(import.meta.dirname, "load-client.ts");
  return new Promise((resolve, reject) => {
    execFile(
      tsx,
      [script, JSON.stringify(settings)],
      { maxBuffer: 256 * 1024 * 1024, timeout: (settings.seconds + settings.warmupSeconds + 300) * 1000 },
      (error, stdout, stderr) => {
        if (error)
          return reject(new Error(`the load clients failed: ${error.message}\n${stderr.slice(-2000)}`));
        try {
          resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as LoadClientResult);
        } catch {
          reject(
            new Error(`the load clients printed no result:\n${stdout.slice(-1000)}\n${stderr.slice(-1000)}`),
          );
        }
      },
    );
  });
}
