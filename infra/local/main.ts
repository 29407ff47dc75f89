import { parseArgs } from "node:util";
import { ConfigError } from "../../functions/config";
import { DEFAULT_OPTIONS, startRuntime } from "./runtime";

// The AWS SDK warns that its 2027 releases need Node 22; aviso pins the SDK, so the banner skips it.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (
    String(warning).includes("NodeVersionSupportWarning") ||
    String(rest[0]).includes("NodeVersionSupportWarning")
  )
    return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const USAGE = `usage: npm start -- [--persist] [--smtp-port N] [--api-port N] [--ses-port N] [--dynamodb-port N] [--support-address ADDRESS]
  environment: AVISO_SMTP_PORT, AVISO_API_PORT, AVISO_SES_PORT, AVISO_DYNAMODB_PORT, AVISO_SUPPORT_ADDRESS, AVISO_PERSIST=1`;

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) {
    console.error(`aviso: ${name} must be a port number from 1 to 65535, got "${value}"\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    persist: { type: "boolean", default: process.env.AVISO_PERSIST === "1" },
    "smtp-port": { type: "string" },
    "api-port": { type: "string" },
    "ses-port": { type: "string" },
    "dynamodb-port": { type: "string" },
    "support-address": { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const started = performance.now();
const supportAddress = values["support-address"] ?? process.env.AVISO_SUPPORT_ADDRESS;
try {
  const runtime = await startRuntime({
    persist: values.persist ?? false,
    smtpPort: port(
      "--smtp-port",
      values["smtp-port"] ?? process.env.AVISO_SMTP_PORT,
      DEFAULT_OPTIONS.smtpPort,
    ),
    apiPort: port("--api-port", values["api-port"] ?? process.env.AVISO_API_PORT, DEFAULT_OPTIONS.apiPort),
    sesPort: port("--ses-port", values["ses-port"] ?? process.env.AVISO_SES_PORT, DEFAULT_OPTIONS.sesPort),
    dynamodbPort: port(
      "--dynamodb-port",
      values["dynamodb-port"] ?? process.env.AVISO_DYNAMODB_PORT,
      DEFAULT_OPTIONS.dynamodbPort,
    ),
    ...(supportAddress ? { supportAddress } : {}),
    log: {
      info: (message, data) => console.log(`· ${message}${data ? ` ${JSON.stringify(data)}` : ""}`),
      warn: (message, data) => console.warn(`! ${message}${data ? ` ${JSON.stringify(data)}` : ""}`),
      error: (message, data) => console.error(`✗ ${message}${data ? ` ${JSON.stringify(data)}` : ""}`),
    },
  });
  const { urls, config, options } = runtime;
  const smtpPort = options.smtpPort;
  const tech = config.technicians[0]?.address ?? "tech@aviso.localhost";
  console.log(`
  aviso is running locally (${((performance.now() - started) / 1000).toFixed(1)} s)${options.persist ? ", data kept under .aviso/" : ", in memory"}

  support mailbox  ${config.supportAddress} via SMTP ${urls.smtp}
  sent mail        ${urls.ses}            (web page; GET ${urls.ses}/store for JSON)
  who is waiting   ${urls.api}/lead        (open tickets by silence, held mail, flags, ratings, ideas)
  ticket API       ${urls.api}/tickets   (POST /tickets/{id}/events, GET /tickets/{id})
  clock            GET ${urls.api}/_clock · POST ${urls.api}/_clock/advance {"hours": 24} (JSON)
  technicians      ${config.technicians.map((t) => t.address).join(", ")} (trusted locally)

  Send a first mail:
    npm run send -- --from ana@cliente.example --subject "La impresora no imprime" --text "Desde ayer no imprime."
    swaks --server 127.0.0.1:${smtpPort} --to ${config.supportAddress} --from ana@cliente.example --header "Subject: Help"
  Reply as a technician: send from ${tech} to the Reply-To address of the new-ticket mail,
    with a command on the first line: #diagnosis …  #plan [eta: 2026-11-24 17:00] …  #resolve …
  Or post an event:
    curl -X POST ${urls.api}/tickets/T-1001/events -H 'content-type: application/json' \\
      -d '{"type":"diagnosis","actor":"${tech}","text":"…"}'

  Ctrl-C stops everything.`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log("\n  stopping aviso…");
    await runtime.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
} catch (error) {
  console.error(`aviso: ${error instanceof ConfigError ? error.message : (error as Error).message}`);
  process.exit(1);
}
