import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import type { Logger } from "../../functions/app/apply";
import { freePort } from "../../infra/local/ports";
import { startRuntime } from "../../infra/local/runtime";
import { storedMailSince } from "../../infra/local/ses-local";

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
  mailsSent: number;
  mailsAccepted: number;
  acknowledged: number;
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
  options: { ratePerSecond?: number; seconds?: number } = {},
): Promise<LoadReport> {
  const rate = options.ratePerSecond ?? 20;
  const seconds = options.seconds ?? 60;
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
  const offeredAt = new Map<string, number>();
  const acceptedAt = new Map<string, number>();
  const ackedAt = new Map<string, number>();
  const examples: string[] = [];
  let smtpErrors = 0;
  let apiEvents = 0;
  let apiErrors = 0;
  let watching = true;
  let lastActivity = performance.now();
  const ticketsSeen: string[] = [];
  const sesEndpoint = `http://127.0.0.1:${sesPort}`;
  // Watch the SES store: the first mail to each client is its acknowledgement.
  const watcher = (async () => {
    let polledAt = Date.now();
    while (watching || ackedAt.size < acceptedAt.size) {
      // From just before the previous poll: however long a poll takes, no mail falls in a gap.
      const since = Math.floor(polledAt / 1000) - 2;
      polledAt = Date.now();
      for (const mail of await storedMailSince(sesEndpoint, since)) {
        for (const to of mail.destination.to) {
          const address = /<([^>]+)>/.exec(to)?.[1] ?? to;
          if (address.startsWith("load-") && !ackedAt.has(address)) {
            ackedAt.set(address, performance.now());
            const ticketId = /\[#(T-\d+)\]/.exec(mail.subject)?.[1];
            if (ticketId) ticketsSeen.push(ticketId);
          }
        }
      }
      if (!watching && performance.now() - lastActivity > 30_000) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 16,
    maxMessages: Number.POSITIVE_INFINITY,
  });
  const total = rate * seconds;
  const started = performance.now();
  const sends: Promise<void>[] = [];
  const technicianEvents: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const address = `load-${run}-${i}@cliente.example`;
    lastActivity = performance.now();
    offeredAt.set(address, lastActivity);
    sends.push(
      transport
        .sendMail({
          from: `Cliente ${i} <${address}>`,
          to: runtime.config.supportAddress,
          subject: `No funciona el equipo ${i}`,
          text: "Buenos días, el equipo no arranca desde esta mañana. ¿Podéis ayudarnos?",
          messageId: `<load-${run}-${i}@cliente.example>`,
        })
        .then(() => {
          lastActivity = performance.now();
          acceptedAt.set(address, lastActivity);
        })
        .catch((error: Error) => {
          smtpErrors += 1;
          if (examples.length < 5) examples.push(`SMTP: ${error.message}`);
        }),
    );
    // A technician event on an earlier ticket every tenth mail: the API under the same load.
    if (i % 10 === 9) technicianEvents.push(postDiagnosis(apiPort, i));
  }
  const achievedRate = total / ((performance.now() - started) / 1000);
  await Promise.all(sends);
  await Promise.all(technicianEvents);
  watching = false;
  await watcher;
  transport.close();
  // What happened to each mail whose acknowledgement never showed: said, not guessed.
  for (const address of acceptedAt.keys()) {
    if (ackedAt.has(address) || examples.length >= 5) continue;
    const i = address.split("-").at(-1)?.split("@")[0];
    const ticketId = await runtime.store.lookupMessage(`<load-${run}-${i}@cliente.example>`);
    const outbox = ticketId ? await runtime.store.outbox(ticketId) : [];
    const ack = outbox.find((item) => item.effect.kind === "send-client");
    examples.push(
      `no acknowledgement seen for ${address} 30 s after the last mail was accepted: ticket ${ticketId ?? "none"}, acknowledgement ${ack ? `${ack.status} (created ${ack.createdAt}, claimed ${ack.claimedAt ?? "never"}, checked ${new Date().toISOString()})` : "not decided"}`,
    );
  }
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });

  const latencies: number[] = [];
  const toAccept: number[] = [];
  for (const [address, offered] of offeredAt) {
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
    mailsSent: total,
    mailsAccepted: acceptedAt.size,
    acknowledged: latencies.length,
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
    achievedRate: Math.round(achievedRate * 10) / 10,
    examples: [...examples, ...logged.seen.errorExamples],
    warningExamples: logged.seen.warningExamples,
  };

  async function postDiagnosis(port: number, i: number) {
    // A ticket whose acknowledgement has gone out: a technician takes it up.
    const ticketId = ticketsSeen[Math.floor(ticketsSeen.length / 2)];
    if (!ticketId) return;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/tickets/${ticketId}/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          type: "diagnosis",
          id: `load-${run}-diagnosis-${i}`,
          actor: { address: runtime.config.technicians[0]?.address ?? "tech@aviso.localhost" },
          text: "El disco de arranque está dañado; lo cambiamos hoy.",
        }),
      });
      apiEvents += 1;
      if (response.status >= 300) {
        apiErrors += 1;
        if (examples.length < 5) examples.push(`API ${response.status}: ${await response.text()}`);
      }
    } catch (error) {
      apiErrors += 1;
      if (examples.length < 5) examples.push(`API: ${(error as Error).message}`);
    }
  }
}
