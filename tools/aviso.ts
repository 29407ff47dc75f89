import "../functions/core/holidays";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { settingsOf } from "../functions/app/apply";
import { mailEvent } from "../functions/app/mail-event";
import { type AvisoConfig, ConfigError } from "../functions/config";
import { calendarFor, etaInstant, TicketEventSchema } from "../functions/core";
import { type CoachRule, coachText } from "../functions/core/coach";
import { clientWords, isCoached } from "../functions/core/held";
import { type Inspection, inspectMail } from "../functions/mail/inspect";
import { replyIntent } from "../functions/mail/intent";
import { clientLocale } from "../functions/mail/language";
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
  coach (only for a technician's text bound for a client: #plan, #diagnosis, #update, #change, #escalate,
    #resolve, a personal reply): [{"phrase", "rule": promise | date | negative}], empty when nothing is flagged
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
      ...coachOf(inspection, config),
    }),
  );
  return 0;
}

/**
 * What the tone coach flags in a technician's text bound for a client: the event the mail becomes,
 * its words that reach the client, as the policy coaches them. With no ticket to read, the client's
 * language is the text's, the calendar the default one, and the day the text was written its Date.
 */
function coachOf(
  inspection: Inspection,
  config: AvisoConfig,
): { coach?: { phrase: string; rule: CoachRule }[] } {
  if (inspection.kind !== "technician-command" && inspection.kind !== "technician-reply") return {};
  const sender = { address: inspection.mail?.from?.address ?? config.supportAddress };
  const parsed = TicketEventSchema.safeParse(
    mailEvent(inspection, {
      ticketId: inspection.ticketRef ?? "T-0",
      opensTicket: false,
      eventId: "inspect",
      messageId: inspection.mail?.messageId ?? "inspect",
      from: sender,
      actor: sender,
      defaultLocale: config.defaultLocale,
    }),
  );
  if (!parsed.success || !isCoached(parsed.data)) return {};
  const event = parsed.data;
  const settings = settingsOf(config);
  const calendar = calendarFor(settings.defaultCalendar);
  const written = inspection.mail?.date ? Date.parse(inspection.mail.date) : Number.NaN;
  const words = clientWords(event);
  const flags = coachText(words, clientLocale(words, settings.defaultLocale), {
    ...("eta" in event && event.eta ? { eta: etaInstant(calendar, event.eta) } : {}),
    today: calendar.localDate(Number.isNaN(written) ? Date.now() : written),
  });
  return { coach: flags.map(({ phrase, rule }) => ({ phrase, rule })) };
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
