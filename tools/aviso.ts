import "../functions/core/holidays";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { ConfigError } from "../functions/config";
import { inspectMail } from "../functions/mail/inspect";
import { replyIntent } from "../functions/mail/intent";
import { localConfig } from "../infra/local/defaults";
import { forgetCommand } from "./forget";
import { redriveCommand } from "./redrive";

const USAGE = `usage:
  npm run --silent aviso -- inspect <file.eml> [--technician ADDRESS]... [--support-address ADDRESS] [--strict-auth]
  npm run --silent aviso -- forget <address> [--dry-run] [--data-dir DIR] [--dynamodb-port N]
  npm run --silent aviso -- redrive <queue> [--dry-run] [--max N] [--stack NAME] [--region REGION]
  npm run --silent aviso -- redrive --list [--stack NAME] [--region REGION]

inspect prints one JSON object: {"kind", "reason", "ticketRef", "visibleText", "command", "language", ...}
  kind: new-request | reply | technician-command | technician-reply | auto-reply | bounce | bulk | unparseable
  intent (only for kind "reply"): confirm | still-broken | other, as the ticket would read the client's words
  Locally, allow-listed technicians need no SPF/DKIM evidence; --strict-auth asks for it as on AWS.
forget erases a client from the local runtime (on AWS: DELETE /clients/{address}, IAM); redrive replays
a deployed stack's queue of failed work after a fix (README, "Operating aviso").`;

async function main(argv: string[]) {
  // Subcommands with options of their own.
  if (argv[0] === "forget") return forgetCommand(argv.slice(1));
  if (argv[0] === "redrive") return redriveCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      technician: { type: "string", multiple: true },
      "support-address": { type: "string" },
      "strict-auth": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  const [command, file] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (command !== "inspect" || !file) {
    console.error(`aviso: unknown or incomplete command "${positionals.join(" ")}"\n${USAGE}`);
    return 2;
  }
  // Inspection reads mail as the local runtime would: its development configuration, then AVISO_*.
  const local = localConfig(process.env, {
    apiPort: 3000,
    ...(values["support-address"] ? { supportAddress: values["support-address"] } : {}),
  });
  const config = values.technician
    ? { ...local, technicians: values.technician.map((address) => ({ address })) }
    : local;
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (error) {
    console.error(
      `aviso: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
    return 2;
  }
  const inspection = await inspectMail(raw, {
    supportAddress: config.supportAddress,
    technicians: config.technicians.map((t) => t.address),
    tokenSecret: config.tokenSecret,
    technicianTimeZone: config.technicianTimeZone,
    trustTechniciansWithoutAuthentication: !values["strict-auth"],
  });
  const { mail, command: parsedCommand, ...rest } = inspection;
  console.log(
    JSON.stringify({
      kind: rest.kind,
      reason: rest.reason,
      ticketRef: rest.ticketRef,
      visibleText: rest.visibleText,
      command: parsedCommand?.name ?? null,
      language: rest.language,
      commandDetails: parsedCommand ?? null,
      commandError: rest.commandError,
      threadedBy: rest.threadedBy,
      subject: mail?.subject ?? null,
      from: mail?.from?.address ?? null,
      // How the ticket reads a client's reply (the text a client-reply event carries).
      ...(rest.kind === "reply" ? { intent: replyIntent(rest.visibleText) } : {}),
    }),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof ConfigError ? error.message : `aviso: ${(error as Error).stack}`);
    process.exitCode = 1;
  },
);
