import { DateTime } from "luxon";
import { type EventType, PersonSchema } from "../core/events";

/**
 * What a command does: record an event of its type, or "unflag", which records none of its own: it
 * lifts the flag of an address (the throttle's), and inbound.ts notes it on the ticket.
 */
export type CommandName = EventType | "unflag";

/** Mail command words (DESIGN §3), English and Spanish, to what they do. */
export const COMMANDS: Readonly<Record<string, CommandName>> = {
  summary: "summary",
  resumen: "summary",
  diagnosis: "diagnosis",
  diagnostico: "diagnosis",
  diagnóstico: "diagnosis",
  plan: "plan",
  update: "update",
  avance: "update",
  progress: "update",
  change: "change",
  cambio: "change",
  escalate: "escalate",
  escalado: "escalate",
  escalar: "escalate",
  resolve: "resolve",
  resolved: "resolve",
  resuelto: "resolve",
  resolver: "resolve",
  note: "note",
  nota: "note",
  reopen: "reopen",
  reabrir: "reopen",
  cc: "cc",
  copia: "cc",
  unflag: "unflag",
  desmarcar: "unflag",
  send: "send-held",
  enviar: "send-held",
};

export interface MailCommand {
  /** The event type the command records, or "unflag". */
  name: CommandName;
  /** The word as the technician wrote it. */
  word: string;
  text: string;
  eta?: string;
  escalatedTo?: string;
  cause?: string;
  fix?: string;
  alternatives?: string;
  /** #cc / #copia: addresses to add as participants, and ("-address") to remove. */
  participants?: { add: string[]; remove: string[] };
  /** #unflag / #desmarcar: addresses whose auto-responder or bounce flag to lift. */
  addresses?: string[];
}

export type CommandParse =
  | { kind: "none" }
  | { kind: "command"; command: MailCommand }
  | { kind: "error"; word: string; reason: string };

const COMMAND_LINE = /^\s*#([\p{L}][\p{L}-]*)\b[ \t]*(.*)$/u;
/** "[eta: 2026-11-24 17:00]" anywhere on the line, or "eta: 2026-11-24 17:00" / "eta: 24/11/2026 17:00". */
const ETA =
  /\[\s*(?:eta|fecha|para)\s*:?\s*([^\]\n]+?)\s*\]|(?:^|\s)eta\s*:?\s*(\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?(?:[+-]\d{2}:?\d{2}|Z)?|\d{1,2}\/\d{1,2}\/\d{4}(?:\s+\d{1,2}:\d{2})?|\S+(?:\s+\S+){0,3})\s*$/i;

/**
 * Reads a technician command from the first line of the visible text. ETAs are read in the
 * technician's time zone and returned as ISO instants with offset.
 */
export function parseCommand(visible: string, technicianTimeZone: string): CommandParse {
  const lines = visible.replace(/^\s*\n/, "").split("\n");
  const match = COMMAND_LINE.exec(lines[0] ?? "");
  if (!match) return { kind: "none" };
  const word = (match[1] ?? "").toLowerCase();
  const name = COMMANDS[word] ?? COMMANDS[word.normalize("NFD").replace(/\p{M}/gu, "")];
  if (!name) {
    return { kind: "error", word: `#${word}`, reason: `unknown command #${word}; known: ${knownWords()}` };
  }
  let argument = (match[2] ?? "").trim();
  if (name === "cc") return participantsCommand(word, argument);
  if (name === "unflag") return unflagCommand(word, argument);
  const body = lines.slice(1).join("\n").trim();
  const command: MailCommand = { name, word: `#${word}`, text: "" };

  if (name === "plan" || name === "change") {
    const eta = ETA.exec(argument);
    const written = eta?.[1] ?? eta?.[2];
    if (eta && written) {
      const instant = readEta(written, technicianTimeZone);
      if (!instant) {
        return {
          kind: "error",
          word: `#${word}`,
          reason: `cannot read the ETA "${written}": write it as YYYY-MM-DD HH:mm`,
        };
      }
      command.eta = instant;
      argument = `${argument.slice(0, eta.index)} ${argument.slice(eta.index + eta[0].length)}`.trim();
    }
  }
  if (name === "escalate") {
    if (!argument)
      return {
        kind: "error",
        word: `#${word}`,
        reason: `#${word} needs to whom, on the same line: #${word} the printer vendor`,
      };
    command.escalatedTo = argument;
    argument = "";
  }
  const text = [argument, body].filter(Boolean).join("\n").trim();
  if (name === "resolve") {
    const cause = /^(?:cause|causa)\s*:\s*(.+)$/im.exec(text)?.[1]?.trim();
    const fix = /^(?:fix|solution|solución|solucion|arreglo)\s*:\s*(.+)$/im.exec(text)?.[1]?.trim();
    if (cause) command.cause = cause;
    if (fix) command.fix = fix;
  }
  if (name === "plan" || name === "change") {
    const alternatives = /^(?:alternatives?|alternativas?|workaround|mientras tanto)\s*:\s*(.+)$/im
      .exec(text)?.[1]
      ?.trim();
    if (alternatives) command.alternatives = alternatives;
  }
  command.text = text;
  // #send / #enviar sends what the tone coach held, as written: anything below it is not a message.
  const needsText = name !== "reopen" && name !== "resolve" && name !== "send-held";
  if (needsText && !text)
    return { kind: "error", word: `#${word}`, reason: `#${word} needs text: what to tell the client` };
  if (name === "resolve" && !text)
    return { kind: "error", word: `#${word}`, reason: `#${word} needs the cause and what was done` };
  return { kind: "command", command };
}

/**
 * "#cc marta@cliente.es, Jefe <jefe@cliente.es>" adds participants; "#cc -otro@cliente.es" removes
 * one. Addresses are read from the command's own line only: a signature below must not add anyone.
 */
function participantsCommand(word: string, argument: string): CommandParse {
  const usage = `#${word} needs addresses on the same line: #${word} marta@example.com (or #${word} -marta@example.com to remove)`;
  const read = readAddresses(word, argument, usage, true);
  if (read.kind === "error") return read;
  const add = read.addresses.filter((a) => !a.removing).map((a) => a.address);
  const remove = read.addresses.filter((a) => a.removing).map((a) => a.address);
  return {
    kind: "command",
    command: { name: "cc", word: `#${word}`, text: "", participants: { add, remove } },
  };
}

/** "#unflag ana@cliente.es": the addresses whose flag to lift, from the command's own line only. */
function unflagCommand(word: string, argument: string): CommandParse {
  const usage = `#${word} needs an address on the same line: #${word} ana@example.com`;
  const read = readAddresses(word, argument, usage, false);
  if (read.kind === "error") return read;
  const addresses = read.addresses.map((a) => a.address);
  return { kind: "command", command: { name: "unflag", word: `#${word}`, text: "", addresses } };
}

/** Addresses on a command line ("a@x, Name <b@y> c@z"), lower-case, each once, at most 50. */
function readAddresses(
  word: string,
  argument: string,
  usage: string,
  removable: boolean,
):
  | { kind: "error"; word: string; reason: string }
  | { kind: "ok"; addresses: { address: string; removing: boolean }[] } {
  const items = argument
    .replace(/<?mailto:([^>\s]+)>?/gi, " ")
    .split(/[,;]/)
    .flatMap((item) => (item.includes("<") ? [item] : item.trim().split(/\s+/)))
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) return { kind: "error", word: `#${word}`, reason: usage };
  const addresses: { address: string; removing: boolean }[] = [];
  for (const item of items) {
    const removing = removable && item.startsWith("-");
    const bare = removing ? item.slice(1).trim() : item;
    const address = (/<([^>]*)>/.exec(bare)?.[1] ?? bare).trim().toLowerCase();
    // The event's own check, so an address taken here is never refused when the event is applied.
    if (!PersonSchema.shape.address.safeParse(address).success)
      return { kind: "error", word: `#${word}`, reason: `"${item}" is not an address. ${usage}` };
    if (!addresses.some((a) => a.address === address && a.removing === removing))
      addresses.push({ address, removing });
  }
  if (addresses.length > 50)
    return { kind: "error", word: `#${word}`, reason: `#${word} takes at most 50 addresses at a time` };
  return { kind: "ok", addresses };
}

function readEta(value: string, zone: string): string | undefined {
  const trimmed = value.trim();
  const formats = [
    "yyyy-MM-dd HH:mm",
    "yyyy-MM-dd'T'HH:mm",
    "yyyy-MM-dd H:mm",
    "dd/MM/yyyy HH:mm",
    "d/M/yyyy H:mm",
    "yyyy-MM-dd",
  ];
  if (/([+-]\d{2}:?\d{2}|Z)$/.test(trimmed)) {
    const parsed = DateTime.fromISO(trimmed, { setZone: true });
    return parsed.isValid ? (parsed.toISO({ suppressMilliseconds: true }) ?? undefined) : undefined;
  }
  for (const format of formats) {
    const parsed = DateTime.fromFormat(trimmed, format, { zone });
    if (parsed.isValid) return parsed.toISO({ suppressMilliseconds: true }) ?? undefined;
  }
  return undefined;
}

function knownWords() {
  return [...new Set(Object.keys(COMMANDS))].map((w) => `#${w}`).join(" ");
}
