import nodemailer from "nodemailer";
import { storedMailSince } from "../../infra/local/ses-local";

/**
 * The clients of the load test, in a process of their own (as clients are): new requests over SMTP
 * at a steady rate, a technician event on the API every tenth mail, and a watch on the SES store for
 * each client's acknowledgement. Run by tools/prove/load.ts with its settings as JSON; prints the
 * timings as one JSON line. Times are this process's performance.now(), in ms.
 */
export interface LoadClientSettings {
  smtpPort: number;
  sesPort: number;
  apiPort: number;
  supportAddress: string;
  technician: string;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  run: string;
}

export interface LoadClientResult {
  offeredAt: [string, number][];
  acceptedAt: [string, number][];
  ackedAt: [string, number][];
  smtpErrors: number;
  apiEvents: number;
  apiErrors: number;
  achievedRate: number;
  examples: string[];
}

export async function runLoadClient(settings: LoadClientSettings): Promise<LoadClientResult> {
  const { smtpPort, sesPort, apiPort, rate, seconds, warmupSeconds, run } = settings;
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
  const clientAddress = (phase: string, i: number) => `${phase}-${run}-${i}@cliente.example`;
  // Watch the SES store: the first mail to each client is its acknowledgement.
  const watcher = (async () => {
    let polledAt = Date.now();
    while (watching || ackedAt.size < acceptedAt.size) {
      // From the second of the previous poll (the store keeps whole seconds): however long a poll
      // takes, no mail falls in a gap, and a poll carries a second or two of mail, not more.
      const since = Math.floor(polledAt / 1000);
      polledAt = Date.now();
      for (const mail of await storedMailSince(sesEndpoint, since)) {
        for (const to of mail.destination.to) {
          const address = /<([^>]+)>/.exec(to)?.[1] ?? to;
          if (offeredAt.has(address) && !ackedAt.has(address)) {
            ackedAt.set(address, performance.now());
            const ticketId = /\[#(T-\d+)\]/.exec(mail.subject)?.[1];
            if (ticketId) ticketsSeen.push(ticketId);
          }
        }
      }
      if (!watching && performance.now() - lastActivity > 30_000) break;
      // Ten polls a second: it overstates each latency by 50 ms on average, never understates it.
      await new Promise((resolve) => setTimeout(resolve, 100));
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

  /** New requests over SMTP at the rate, and a technician event on the API every tenth mail. */
  const offer = async (phase: "warmup" | "load", count: number) => {
    const begun = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const wait = begun + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const address = clientAddress(phase, i);
      lastActivity = performance.now();
      offeredAt.set(address, lastActivity);
      sends.push(
        transport
          .sendMail({
            from: `Cliente ${i} <${address}>`,
            to: settings.supportAddress,
            subject: `No funciona el equipo ${i}`,
            text: "Buenos días, el equipo no arranca desde esta mañana. ¿Podéis ayudarnos?",
            messageId: `<${phase}-${run}-${i}@cliente.example>`,
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
      if (i % 10 === 9) sends.push(postDiagnosis(apiPort, `${phase}-${i}`));
    }
    const offeredRate = count / ((performance.now() - begun) / 1000);
    await Promise.all(sends);
    return offeredRate;
  };

  // The same load first, not counted, until all of it is acknowledged: DynamoDB Local is a JVM
  // program whose first seconds run interpreted, slower than it will run a minute later (on AWS
  // there is no such start).
  if (warmupSeconds > 0) {
    const count = Math.round(rate * warmupSeconds);
    await offer("warmup", count);
    const warm = () => Array.from({ length: count }, (_, i) => clientAddress("warmup", i));
    for (const deadline = performance.now() + 120_000; performance.now() < deadline; ) {
      if (warm().every((address) => ackedAt.has(address) || !acceptedAt.has(address))) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const total = rate * seconds;
  const achievedRate = await offer("load", total);
  watching = false;
  await watcher;
  transport.close();
  return {
    offeredAt: [...offeredAt],
    acceptedAt: [...acceptedAt],
    ackedAt: [...ackedAt],
    smtpErrors,
    apiEvents,
    apiErrors,
    achievedRate: Math.round(achievedRate * 10) / 10,
    examples,
  };

  async function postDiagnosis(port: number, label: string) {
    // A ticket whose acknowledgement has gone out: a technician takes it up.
    const ticketId = ticketsSeen[Math.floor(ticketsSeen.length / 2)];
    if (!ticketId) return;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/tickets/${ticketId}/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          type: "diagnosis",
          id: `${run}-diagnosis-${label}`,
          actor: { address: settings.technician },
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

if (process.argv[1]?.endsWith("load-client.ts")) {
  const settings = JSON.parse(process.argv[2] ?? "{}") as LoadClientSettings;
  runLoadClient(settings).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    },
    (error: Error) => {
      process.stderr.write(`${error.stack ?? error.message}\n`);
      process.exitCode = 1;
    },
  );
}
