import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Clock, Logger } from "../../functions/app/apply";
import { type InboundOutcome, receiveMail } from "../../functions/app/inbound";
import { loadConfig } from "../../functions/config";
import { inspectMail, type MailContext } from "../../functions/mail/inspect";
import { dynamoStores } from "../../functions/store";
import { tableDefinition } from "../../functions/store/table";
import { CORPUS, corpusRows } from "../../test/support/corpus";
import { prng, type Random } from "../simulation/scenarios";

/**
 * Hostile and broken mail: corpus mails mutated (headers, MIME structure, truncation, charset
 * garbage, huge headers, deep nesting, a thousand attachments) through the inbound path the Lambda
 * runs, on DynamoDB Local. Every mail must be kept raw, then processed or quarantined with a reason.
 */

export const MUTATIONS = [
  "truncate",
  "drop header",
  "duplicate header",
  "garble header",
  "huge header",
  "broken encoded words",
  "charset garbage",
  "break boundary",
  "deep nesting",
  "1000 attachments",
  "flip bytes",
  "mixed line endings",
  "headers only",
  "invalid base64",
  "NUL bytes",
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** What became of mails fed through the inbound path, whatever made them. */
export interface InboundTally {
  mails: number;
  processed: number;
  quarantined: number;
  quarantinedByKind: Record<string, number>;
  /** The first reason given for each kind held, to say why without reading the quarantine. */
  firstReasonByKind: Record<string, string>;
  crashes: number;
  silentDrops: number;
  rawNotKept: number;
  quarantineEntriesMissing: number;
  examples: string[];
}

export interface FuzzReport extends InboundTally {
  mutations: Record<Mutation, number>;
  examples: string[];
  mailsPerSecond: number;
  slowestMs: number;
}

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const CHARSETS = [
  "x-unknown",
  "utf-7",
  "iso-2022-jp",
  "gb18030",
  "koi8-r",
  "utf-16",
  "",
  "windows-1252\u0000",
];

function splitHead(mail: Buffer): { head: string; body: Buffer } {
  const text = mail.toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) return { head: text, body: Buffer.alloc(0) };
  return { head: text.slice(0, end), body: mail.subarray(Buffer.byteLength(text.slice(0, end), "latin1")) };
}

const join2 = (head: string, body: Buffer | string) =>
  Buffer.concat([Buffer.from(head, "latin1"), typeof body === "string" ? Buffer.from(body, "latin1") : body]);

function mutate(mail: Buffer, mutation: Mutation, r: Random): Buffer {
  const { head, body } = splitHead(mail);
  const lines = head.split(/\r?\n/);
  switch (mutation) {
    case "truncate":
      return mail.subarray(0, r.int(0, mail.length));
    case "drop header":
      lines.splice(r.int(0, Math.max(0, lines.length - 1)), 1);
      return join2(lines.join("\r\n"), body);
    case "duplicate header": {
      const line = r.pick(lines.length ? lines : ["From: a@b"]);
      lines.splice(r.int(0, lines.length), 0, line, line);
      return join2(lines.join("\r\n"), body);
    }
    case "garble header": {
      const i = r.int(0, Math.max(0, lines.length - 1));
      const garbage = Buffer.from(Array.from({ length: r.int(1, 40) }, () => r.int(0, 255))).toString(
        "latin1",
      );
      lines[i] = r.chance(0.5) ? `${garbage}${lines[i] ?? ""}` : (lines[i] ?? "").replace(":", garbage);
      return join2(lines.join("\r\n"), body);
    }
    case "huge header":
      return join2(`X-Fuzz: ${"A".repeat(r.int(50_000, 300_000))}\r\n${head}`, body);
    case "broken encoded words":
      return join2(
        `Subject: =?utf-8?B?${"#".repeat(r.int(1, 20))}?= =?x-nope?Q?caf=E9?= =?utf-8?Q?=ZZ=?=\r\nFrom: =?utf-8?B?////?= <x@y>\r\n${head}`,
        body,
      );
    case "charset garbage": {
      const charset = r.pick(CHARSETS);
      const replaced = head.replace(/charset="?[^";\r\n]*"?/gi, `charset="${charset}"`);
      const noise = Buffer.from(Array.from({ length: r.int(10, 2000) }, () => r.int(128, 255)));
      return join2(
        replaced.includes(charset) ? replaced : `${replaced}\r\nContent-Type: text/plain; charset=${charset}`,
        Buffer.concat([body, noise]),
      );
    }
    case "break boundary": {
      const text = mail.toString("latin1");
      const boundary = /boundary="?([^";\r\n]+)"?/i.exec(text)?.[1];
      if (!boundary) return join2(`${head}\r\nContent-Type: multipart/mixed; boundary="nowhere"`, body);
      return Buffer.from(
        r.chance(0.5)
          ? text.replaceAll(`--${boundary}`, `--${boundary}x`)
          : text.replace(`boundary="${boundary}"`, ""),
        "latin1",
      );
    }
    case "deep nesting": {
      const depth = r.int(50, 400);
      let nested = "Content-Type: text/plain\r\n\r\nbottom\r\n";
      for (let i = 0; i < depth; i++)
        nested = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${nested}\r\n--b${i}--\r\n`;
      return join2(
        `${lines.filter((l) => !/^content-type:/i.test(l)).join("\r\n")}\r\nMIME-Version: 1.0\r\n`,
        nested,
      );
    }
    case "1000 attachments": {
      const parts: string[] = ["--many\r\nContent-Type: text/plain\r\n\r\nPlease see the attached logs.\r\n"];
      for (let i = 0; i < 1000; i++)
        parts.push(
          `--many\r\nContent-Type: application/octet-stream; name="log${i}.bin"\r\nContent-Disposition: attachment; filename="log${i}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQ==\r\n`,
        );
      parts.push("--many--\r\n");
      return join2(
        `${lines.filter((l) => !/^content-(type|transfer-encoding):/i.test(l)).join("\r\n")}\r\nContent-Type: multipart/mixed; boundary="many"\r\n\r\n`,
        parts.join(""),
      );
    }
    case "flip bytes": {
      const copy = Buffer.from(mail);
      for (let i = 0; i < r.int(1, 30) && copy.length > 0; i++)
        copy[r.int(0, copy.length - 1)] = r.int(0, 255);
      return copy;
    }
    case "mixed line endings":
      return Buffer.from(
        mail
          .toString("latin1")
          .split(/\r?\n/)
          .map((line) => line + r.pick(["\n", "\r\n", "\r", "\n\r"]))
          .join(""),
        "latin1",
      );
    case "headers only":
      return Buffer.from(head, "latin1");
    case "invalid base64":
      return join2(
        `${lines.filter((l) => !/^content-transfer-encoding:/i.test(l)).join("\r\n")}\r\nContent-Transfer-Encoding: base64`,
        `\r\n\r\n${"!@#$%^&*()".repeat(r.int(1, 200))}`,
      );
    case "NUL bytes": {
      const copy = Buffer.from(mail);
      for (let i = 0; i < r.int(1, 10) && copy.length > 0; i++) copy[r.int(0, copy.length - 1)] = 0;
      return copy;
    }
  }
}

/** A new Message-ID for most mutants, so each goes the whole way instead of stopping as a duplicate. */
function withFreshMessageId(mail: Buffer, n: number): Buffer {
  const text = mail.toString("latin1");
  const fresh = `<fuzz-${n}@fuzz.invalid>`;
  return /^message-id:.*$/im.test(text)
    ? Buffer.from(text.replace(/^message-id:.*$/im, `Message-ID: ${fresh}`), "latin1")
    : Buffer.concat([Buffer.from(`Message-ID: ${fresh}\r\n`, "latin1"), mail]);
}

class StepClock implements Clock {
  at = Date.parse("2026-11-23T08:00:00Z");
  now() {
    // Eleven minutes per mail: the per-sender rate window never hides a mutant from the pipeline.
    this.at += 11 * 60_000;
    return new Date(this.at);
  }
}

export async function runFuzzer(options: {
  dynamoEndpoint: string;
  mails: number;
  seed?: number;
  concurrency?: number;
}): Promise<FuzzReport> {
  const r = prng(options.seed ?? 1);
  const originals = await Promise.all(corpusRows().map((row) => readFile(join(CORPUS, row.file))));
  const { deps, stores, kept, digest } = await fuzzWorld(options.dynamoEndpoint);
  const report: FuzzReport = {
    mails: options.mails,
    processed: 0,
    quarantined: 0,
    quarantinedByKind: {},
    firstReasonByKind: {},
    crashes: 0,
    silentDrops: 0,
    rawNotKept: 0,
    quarantineEntriesMissing: 0,
    mutations: Object.fromEntries(MUTATIONS.map((m) => [m, 0])) as Record<Mutation, number>,
    examples: [],
    mailsPerSecond: 0,
    slowestMs: 0,
  };
  const mutants: { mail: Buffer; applied: Mutation[] }[] = [];
  for (let n = 0; n < options.mails; n++) {
    let mail: Buffer = r.pick(originals);
    const applied: Mutation[] = [];
    for (let k = 0; k < r.int(1, 3); k++) {
      const mutation = r.pick(MUTATIONS);
      applied.push(mutation);
      report.mutations[mutation] += 1;
      mail = Buffer.from(mutate(mail, mutation, r));
    }
    if (r.chance(0.9)) mail = withFreshMessageId(mail, n);
    mutants.push({ mail, applied });
  }
  const started = performance.now();
  await feed(deps, kept, digest, report, mutants, options.concurrency ?? 8);
  report.mailsPerSecond = Math.round(options.mails / ((performance.now() - started) / 1000));
  report.slowestMs = Math.round(report.slowestMs);
  const entries = await stores.quarantine.quarantined();
  report.quarantineEntriesMissing = Math.max(0, report.quarantined - entries.length);
  return report;
}

/** A fresh table on DynamoDB Local and the inbound path's deps over it; raw mail is kept in memory. */
async function fuzzWorld(dynamoEndpoint: string) {
  const client = new DynamoDBClient({ endpoint: dynamoEndpoint, region: "local", credentials });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const table = `aviso-fuzz-${process.pid}-${Date.now()}`;
  await client.send(new CreateTableCommand(tableDefinition(table)));
  const stores = dynamoStores(doc, table);
  const kept = new Map<string, string>();
  const digest = (raw: Buffer) => createHash("sha256").update(raw).digest("hex");
  const deps = {
    ...stores,
    config: loadConfig({
      supportAddress: "soporte@aviso.test",
      technicians: [{ address: "lucia@aviso.test" }],
      feedbackUrl: "http://127.0.0.1:3000/feedback",
      tokenSecret: "fuzz-secret-0123456789abcdef",
      defaultLocale: "es",
    }),
    clock: new StepClock(),
    log: quiet,
    rawMail: {
      put: async (id: string, raw: Buffer) => {
        const ref = `memory://${id}#${kept.size}`;
        kept.set(ref, digest(raw));
        return ref;
      },
    },
  };
  return { deps, stores, kept, digest };
}

type FuzzDeps = Awaited<ReturnType<typeof fuzzWorld>>["deps"];
type Tally = Pick<
  FuzzReport,
  | "processed"
  | "quarantined"
  | "quarantinedByKind"
  | "firstReasonByKind"
  | "crashes"
  | "silentDrops"
  | "rawNotKept"
  | "examples"
  | "slowestMs"
>;

/**
 * Feeds the mails through receiveMail, `concurrency` at a time: every one must be kept raw, then
 * processed or quarantined with a reason, and nothing may throw.
 */
async function feed(
  deps: FuzzDeps,
  kept: Map<string, string>,
  digest: (raw: Buffer) => string,
  report: Tally,
  mutants: { mail: Buffer; applied: readonly string[] }[],
  concurrency: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < mutants.length) {
        const { mail, applied } = mutants[next++] as (typeof mutants)[number];
        const t0 = performance.now();
        let outcome: InboundOutcome;
        try {
          outcome = await receiveMail(deps, mail);
        } catch (error) {
          report.crashes += 1;
          if (report.examples.length < 10)
            report.examples.push(`crash after ${applied.join(" + ")}: ${(error as Error).message}`);
          continue;
        }
        report.slowestMs = Math.max(report.slowestMs, performance.now() - t0);
        // Kept byte for byte before anything read it; a quarantine points at that copy.
        const stored = new Set(kept.values());
        if (!stored.has(digest(mail)) || ("rawRef" in outcome && kept.get(outcome.rawRef) !== digest(mail)))
          report.rawNotKept += 1;
        if (outcome.outcome === "quarantined") {
          if (!outcome.reason) {
            report.silentDrops += 1;
            if (report.examples.length < 10)
              report.examples.push(`quarantined without a reason: ${applied.join(" + ")}`);
          }
          report.quarantined += 1;
          report.quarantinedByKind[outcome.kind] = (report.quarantinedByKind[outcome.kind] ?? 0) + 1;
          report.firstReasonByKind[outcome.kind] ??=
            `${outcome.reason} (mail ${next}, ${applied.join(" + ")})`;
        } else if (outcome.outcome === "applied" || outcome.outcome === "duplicate") {
          report.processed += 1;
        } else {
          report.silentDrops += 1;
          if (report.examples.length < 10)
            report.examples.push(`${outcome.outcome} without a quarantine: ${applied.join(" + ")}`);
        }
      }
    }),
  );
}

/* ------------------------------------------------------------------------------------------------
 * Adversarial bodies: text made to make quote stripping and the other text patterns backtrack
 * (issue 14: "1234" + "from <" x 3,400, 20 KB, took email-reply-parser 40 s). Every mail is
 * inspected on its own, timed, then sent through the inbound path like the mutants above.
 * ---------------------------------------------------------------------------------------------- */

export const ADVERSARIAL_SHAPES = [
  "from <",
  "attribution fragments",
  "split attributions",
  "runs",
  "date-like tokens",
  "nested quote markers",
  "quote header soup",
  "whitespace lines",
  "soup",
] as const;
export type AdversarialShape = (typeof ADVERSARIAL_SHAPES)[number];

const ATTRIBUTION_FRAGMENTS = [
  "On Mon, 23 Nov 2026 at 10:00, Ana <ana@cliente.es> ",
  "On ",
  "El lun, 23 nov 2026 a las 9:30, ",
  "El ",
  "Le lun. 23 nov. 2026 à 09:30, ",
  "Il ",
  "Em ",
  "Am 23.11.2026 um 09:30 ",
  "Op 23 nov. 2026 ",
  "Den 23. nov. 2026 ",
  "W dniu 23.11.2026 ",
  "In data ",
  "pe ",
  "ср, ",
  "tir. ",
  "在 ",
  "wrote",
  "wrote:",
  "escribió:",
  "a écrit :",
  "ha scritto:",
  "escreveu:",
  "schrieb",
  "skrev",
  "schreef",
  "pisze:",
  "napisał(a):",
  "kirjoitti:",
  "写道：",
  " 작성:",
  "のメッセージ:",
  " from ",
  "<",
  ">",
  ">:",
  "<ana@cliente.es>",
  "[ana@cliente.es]",
  '"Ana" <',
];
const SEPARATORS_BETWEEN = ["", " ", "  ", "\n", ":\n", " <", ">:\n", ",", "\t"];
const DATE_TOKENS = [
  "2026-11-23 10:15 ",
  "2026-11-23T10:15:00Z ",
  "23.11.2026 ",
  "12.11.2026 10:15 ",
  "10:15, ",
  "2026/11/23 ",
  "2026. 11. 23. ",
  "GMT+01:00 ",
  "1234",
  "9:30 ",
  "23/11/26 ",
];
const QUOTE_HEADER_PARTS = [
  "From: Ana <",
  "From: Ana",
  "De: Ana <ana@cliente.es>",
  "Von: ",
  "Sent: ",
  "Enviado: lunes",
  "To: ",
  "Para: ",
  "Subject: ",
  "Asunto: ",
  "-----Original Message-----",
  "---- Forwarded message ----",
  "________________________________",
  "## Reply above this line",
  "## Responde encima de esta línea",
  "-- ",
  "Sent from my ",
  "Enviado desde mi ",
  "Regards,",
];
const RUN_UNITS = ["<", ">", " ", "\t", "-", "_", ":", "=", "1", "9", "> ", "<>", "\u00a0", "*"];
const SIZES = [2_000, 2_000, 10_000, 10_000, 20_000, 20_000, 64_000, 200_000];

/** Repeats picks from `make` until the text is `size` characters long. */
function repeatTo(size: number, make: () => string): string {
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const part = make();
    parts.push(part);
    length += part.length || 1;
  }
  return parts.join("").slice(0, size);
}

export function adversarialBody(shape: AdversarialShape, r: Random, size = r.pick(SIZES)): string {
  switch (shape) {
    case "from <": {
      const head = r.pick(["1234", "2026", "12.11.2026 ", "Ana 1234 "]);
      const unit = r.pick(["from <", "from <x", "from <<", "from  <", "1234from <"]);
      const line = r.chance(0.7) ? size : r.int(200, 2_000);
      return head + repeatTo(size, () => unit).replace(new RegExp(`(.{${line}})`, "gs"), "$1\n");
    }
    case "attribution fragments": {
      const picked = Array.from({ length: r.int(1, 4) }, () => r.pick(ATTRIBUTION_FRAGMENTS));
      const separator = r.pick(SEPARATORS_BETWEEN);
      return repeatTo(size, () => r.pick(picked) + (r.chance(0.2) ? r.pick(SEPARATORS_BETWEEN) : separator));
    }
    case "split attributions":
      return repeatTo(
        size,
        () =>
          `${r.pick(ATTRIBUTION_FRAGMENTS.slice(0, 16))}Ana ${r.pick(["<", "(", ","])}\n${r.pick(["ana@x.es> ", ""])}${r.pick(ATTRIBUTION_FRAGMENTS.slice(16, 31))}\n${r.chance(0.5) ? "> cita\n" : ""}`,
      );
    case "runs": {
      const unit = r.pick(RUN_UNITS);
      const lead = r.pick([
        "",
        "hola ",
        "On Monday Ana wrote",
        "--- Reply above ",
        "From:",
        "> ",
        "Sent from my",
      ]);
      return `${lead}${unit.repeat(Math.ceil(size / unit.length))}${r.pick(["x", "", ":", ">:", "\n", "wrote:"])}`;
    }
    case "date-like tokens":
      return repeatTo(
        size,
        () => r.pick(DATE_TOKENS) + (r.chance(0.1) ? r.pick(["from <", '"Ana" <', ">:", "\n"]) : ""),
      );
    case "nested quote markers":
      return repeatTo(
        size,
        () =>
          `${">".repeat(r.int(1, 80))}${r.pick([" ", "", "  "])}${r.pick(["On x wrote:", "cita", "", ">", "El lun escribió:", "-- "])}\n`,
      );
    case "quote header soup":
      return repeatTo(size, () => r.pick(QUOTE_HEADER_PARTS) + r.pick(["\n", " ", "<", ">\n", ":\n"]));
    case "whitespace lines":
      // Up to 200 KB of two-byte lines: postal-mime's cost per line is parse.ts's to bound.
      return `hola\n${repeatTo(size, () => r.pick([" \n", "\n", "\t\n", "  \n", " > \n"]))}${r.pick(["---- Forwarded message ----", "On x wrote:", "x"])}`;
    case "soup":
      return repeatTo(size, () =>
        r.pick([
          r.pick(ATTRIBUTION_FRAGMENTS),
          r.pick(DATE_TOKENS),
          r.pick(QUOTE_HEADER_PARTS),
          r.pick(RUN_UNITS).repeat(r.int(1, 400)),
          r.pick(SEPARATORS_BETWEEN),
        ]),
      );
  }
}

function adversarialMail(shape: AdversarialShape, r: Random, n: number, given?: string): Buffer {
  const body = given ?? adversarialBody(shape, r);
  const html = r.chance(0.15);
  const head = [
    `From: Cliente ${n} <cliente${n}@fuzz.invalid>`,
    "To: soporte@aviso.test",
    `Subject: ${r.pick(["La impresora no imprime", "Re: [#T-1001] sigue igual", "RE: ayuda", shape])}`,
    "Date: Mon, 23 Nov 2026 10:15:00 +0100",
    `Message-ID: <adversarial-${n}@fuzz.invalid>`,
    "MIME-Version: 1.0",
    `Content-Type: ${html ? "text/html" : "text/plain"}; charset=UTF-8`,
    "Content-Transfer-Encoding: 8bit",
  ].join("\r\n");
  const text = body.replace(/\r?\n/g, "\r\n");
  return Buffer.from(
    `${head}\r\n\r\n${html ? `<html><body><p>${text}</p></body></html>` : text}\r\n`,
    "utf8",
  );
}

export interface AdversarialReport extends InboundTally {
  bytes: number;
  shapes: Record<AdversarialShape, number>;
  /** inspectMail alone, one mail at a time: the part of the path that reads the text. */
  slowestInspectionMs: number;
  slowestInspection: string;
  p99InspectionMs: number;
  /** receiveMail, `concurrency` at a time over DynamoDB Local (waiting included). */
  slowestMs: number;
  mailsPerSecond: number;
}

const adversarialContext: MailContext = {
  supportAddress: "soporte@aviso.test",
  technicians: ["lucia@aviso.test"],
  tokenSecret: "fuzz-secret-0123456789abcdef",
  technicianTimeZone: "Europe/Madrid",
};

export async function runAdversarial(options: {
  dynamoEndpoint: string;
  mails: number;
  seed?: number;
  concurrency?: number;
  /** These bodies instead of generated ones (one mail each; `mails` is ignored). */
  bodies?: string[];
}): Promise<AdversarialReport> {
  const r = prng(options.seed ?? 7);
  const { deps, stores, kept, digest } = await fuzzWorld(options.dynamoEndpoint);
  const count = options.bodies?.length ?? options.mails;
  const report: AdversarialReport = {
    mails: count,
    bytes: 0,
    processed: 0,
    quarantined: 0,
    quarantinedByKind: {},
    firstReasonByKind: {},
    crashes: 0,
    silentDrops: 0,
    rawNotKept: 0,
    quarantineEntriesMissing: 0,
    shapes: Object.fromEntries(ADVERSARIAL_SHAPES.map((s) => [s, 0])) as Record<AdversarialShape, number>,
    examples: [],
    slowestInspectionMs: 0,
    slowestInspection: "",
    p99InspectionMs: 0,
    slowestMs: 0,
    mailsPerSecond: 0,
  };
  const mails: { mail: Buffer; applied: string[] }[] = [];
  const inspections: number[] = [];
  for (let n = 0; n < count; n++) {
    const shape = ADVERSARIAL_SHAPES[n % ADVERSARIAL_SHAPES.length] as AdversarialShape;
    const given = options.bodies?.[n];
    if (given === undefined) report.shapes[shape] += 1;
    // Each mail from a seed of its own, made again when it is fed: 10,000 mails held at once
    // (~400 MiB) would time the garbage collector rather than the inspection.
    const seed = r.int(0, 2 ** 31);
    const mail = adversarialMail(shape, prng(seed), n, given);
    report.bytes += mail.length;
    const t0 = performance.now();
    try {
      await inspectMail(mail, adversarialContext);
    } catch (error) {
      // inspectMail never throws; if it does, receiveMail below meets the same mail and counts it.
      if (report.examples.length < 10) report.examples.push(`inspectMail threw: ${(error as Error).message}`);
    }
    const ms = performance.now() - t0;
    inspections.push(ms);
    if (ms > report.slowestInspectionMs) {
      report.slowestInspectionMs = ms;
      report.slowestInspection = `${given === undefined ? shape : "given body"}, ${Math.round(mail.length / 1024)} KiB`;
    }
    mails.push({
      get mail() {
        return adversarialMail(shape, prng(seed), n, given);
      },
      applied: [shape],
    });
  }
  const started = performance.now();
  await feed(deps, kept, digest, report, mails, options.concurrency ?? 8);
  report.mailsPerSecond = Math.round(count / ((performance.now() - started) / 1000));
  report.slowestMs = Math.round(report.slowestMs);
  inspections.sort((a, b) => a - b);
  report.p99InspectionMs = Math.round(inspections[Math.floor(inspections.length * 0.99)] ?? 0);
  report.slowestInspectionMs = Math.round(report.slowestInspectionMs);
  const entries = await stores.quarantine.quarantined();
  report.quarantineEntriesMissing = Math.max(0, report.quarantined - entries.length);
  return report;
}
