import { randomUUID } from "node:crypto";
import PostalMime, { type Email, type Address as PostalAddress } from "postal-mime";

export interface Address {
  address: string;
  name?: string;
}

/** What aviso needs of one inbound mail, whatever MIME it came in. */
export interface InboundMail {
  /** False for a body-only fragment (no header block), which is read as text/plain. */
  hasHeaders: boolean;
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  from?: Address;
  to: Address[];
  cc: Address[];
  replyTo?: Address;
  subject: string;
  date?: string;
  /** Header values by lower-case name; repeated headers joined with newlines. */
  headers: Map<string, string>;
  /** The text as written: the text part, or the HTML part turned into text. */
  text: string;
  html?: string;
  contentType: string;
  /** Attachment sizes are of what inspection read (see inspectionView), not of the whole part. */
  attachments: { filename?: string; contentType: string; size: number }[];
  rawSize: number;
  /** Inspection read a bounded view of the mail, not all of it (see inspectionView). */
  truncated?: boolean;
}

export type ParseResult = { ok: true; mail: InboundMail } | { ok: false; reason: string };

const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
const MAX_HTML_TO_PARSE = 2_000_000;

/**
 * Parses raw MIME, tolerating broken headers and odd charsets; never throws. It reads a bounded
 * view of the mail (inspectionView), so its time is bounded whatever the mail holds.
 */
export async function parseMail(raw: Buffer | string): Promise<ParseResult> {
  const bounded = (truncated: boolean) => (truncated ? { truncated } : {});
  const whole = typeof raw === "string" ? Buffer.from(raw, "utf8") : raw;
  if (whole.length === 0) return { ok: false, reason: "empty message" };
  const head = whole.subarray(0, 4096).toString("latin1");
  if (head.includes("\u0000")) return { ok: false, reason: "binary data, not a mail message (NUL bytes)" };
  const firstLine = head.replace(/^\s+/, "").split(/\r?\n/, 1)[0] ?? "";
  // What the parser never reads (the start of the raw text stands in for broken MIME's text).
  const start = whole.subarray(0, INSPECTION_VIEW_LIMITS.partBytes);
  if (!looksLikeMessage(head, firstLine))
    return {
      ok: true,
      mail: { ...bodyOnly(start), rawSize: whole.length, ...bounded(whole.length > start.length) },
    };
  try {
    const { view, truncated } = inspectionView(whole);
    const { raw: unflowed, flowed } = withoutFlowedFormat(view);
    const parsed = await PostalMime.parse(unflowed, { attachmentEncoding: "arraybuffer" });
    if (flowed && parsed.text) parsed.text = decodeFlowed(parsed.text, flowed.delsp);
    const mail = { ...fromParsed(parsed, whole.length), ...bounded(truncated) };
    if (!parsed.text && mail.html && mail.html.length <= MAX_HTML_TO_PARSE)
      mail.text = await htmlToText(mail.html);
    if (mail.text.trim() === "" && mail.attachments.length === 0) mail.text = await rawBodyText(start);
    return { ok: true, mail };
  } catch (error) {
    return { ok: false, reason: `cannot parse MIME: ${(error as Error).message}` };
  }
}

/**
 * What inspection reads of a raw mail; the raw mail itself is stored whole before inspection.
 * postal-mime spends ~10 µs on every line of a 7bit or 8bit part (each line becomes a piece of a
 * Blob), so 256 KiB of blank lines (87,000 lines) cost it a second before the reply parser read a
 * byte; base64 and quoted-printable lines cost it a few µs each. So the view:
 * - hands over each 7bit/8bit/binary text part base64-encoded on one line, made of the bytes
 *   postal-mime's pass-through decoder would have given (passThroughBytes): the same text;
 * - keeps of each part at most 512 KiB (twice what the reply parser reads, MAX_INSPECTED_CHARS in
 *   quotes.ts), and of a part read line by line (base64, quoted-printable, a preamble) 4,000 lines;
 *   64 lines of any part that is not text (an attachment: inspection needs its type, not its bytes);
 * - holds at most 1 MiB, 8,000 lines read one by one, 500 parts (16 of them carried messages, each
 *   parsed anew by postal-mime; past that a message's body is read as an attachment's), 2,000
 *   lines per header block, and takes at most 200,000 steps (a line, or a body skipped in one
 *   search to its next line that starts with "--"). Past a part's limit the view skips to the next
 *   boundary; past a total, it ends there. `truncated` then says so; attachment sizes are of what
 *   was read.
 * Every boundary line is kept, so postal-mime sees the structure it would have seen.
 */
export const INSPECTION_VIEW_LIMITS = {
  partBytes: 512 * 1024,
  partLines: 4_000,
  otherPartLines: 64,
  headerLines: 2_000,
  bytes: 1024 * 1024,
  lines: 8_000,
  parts: 500,
  messages: 16,
  scannedLines: 200_000,
} as const;

interface Line {
  start: number;
  end: number;
}

interface ViewPart {
  headers: Line[] | null;
  recode: boolean;
  maxLines: number;
  lines: number;
  bytes: number;
  body?: Line;
}

const viewPart = (): ViewPart => ({ headers: [], recode: false, maxLines: 0, lines: 0, bytes: 0 });

export function inspectionView(buffer: Buffer): { view: Buffer; truncated: boolean } {
  const limits = INSPECTION_VIEW_LIMITS;
  const boundaries = new Set<string>();
  const pieces: Buffer[] = [];
  let run: Line | undefined;
  const flush = () => {
    if (run) pieces.push(buffer.subarray(run.start, run.end));
    run = undefined;
  };
  const keep = (line: Line) => {
    if (run && run.end === line.start) run.end = line.end;
    else {
      flush();
      run = { ...line };
    }
  };
  let rewritten = false;
  const add = (piece: Buffer) => {
    flush();
    pieces.push(piece);
    rewritten = true;
  };
  const closePart = (part: ViewPart) => {
    if (part.headers) for (const line of part.headers) keep(line);
    if (part.body) add(Buffer.from(`${passThroughBytes(buffer, part.body).toString("base64")}\r\n`));
  };
  let truncated = false;
  let bytes = 0;
  let lines = 0;
  let parts = 1;
  let messages = 0;
  let scanned = 0;
  let part = viewPart();
  for (let start = 0; start < buffer.length; ) {
    const newline = buffer.indexOf(10, start);
    const line = { start, end: newline < 0 ? buffer.length : newline + 1 };
    start = line.end;
    if (
      ++scanned > limits.scannedLines ||
      bytes >= limits.bytes ||
      lines >= limits.lines ||
      parts > limits.parts
    ) {
      truncated = true;
      break;
    }
    const boundary = boundaryOf(buffer, line, boundaries);
    if (boundary) {
      closePart(part);
      keep(line);
      lines++;
      parts++;
      if (boundary.last) boundaries.delete(boundary.name);
      part = boundary.last ? { ...viewPart(), headers: null, maxLines: limits.partLines } : viewPart();
      continue;
    }
    if (part.headers) {
      if (!isBlank(buffer, line)) {
        if (part.headers.length >= limits.headerLines) {
          truncated = true;
          break;
        }
        part.headers.push(line);
        lines++;
        bytes += line.end - line.start;
        continue;
      }
      const read = readPartHeaders(buffer, part.headers);
      if (read.boundary) boundaries.add(read.boundary);
      const recode = read.textual && read.passThrough;
      for (const header of part.headers)
        if (!(recode && read.transferEncodingLines.has(header))) keep(header);
      if (recode) add(Buffer.from("Content-Transfer-Encoding: base64\r\n"));
      keep(line);
      lines++;
      // A message's body starts with the headers of the message it carries.
      const nested = read.nested && ++messages <= limits.messages;
      part = nested
        ? viewPart()
        : {
            ...viewPart(),
            headers: null,
            recode,
            maxLines: read.textual || read.multipart ? limits.partLines : limits.otherPartLines,
          };
      continue;
    }
    const room = limits.partBytes - part.bytes;
    const skipping = room <= 0 || (!part.recode && part.lines >= part.maxLines);
    if (skipping || part.recode) {
      // Only where the body ends matters here: the next line that starts with "--".
      const dash = buffer.indexOf("\n--", line.start);
      start = dash < 0 ? buffer.length : dash + 1;
      const size = Math.min(start - line.start, Math.max(room, 0));
      if (skipping || size < start - line.start) truncated = true;
      if (skipping) continue;
      part.body = { start: part.body?.start ?? line.start, end: line.start + size };
      part.bytes += size;
      bytes += size;
      continue;
    }
    const size = line.end - line.start;
    if (size > room) {
      // The start of a line longer than the room left, then the rest of the part is skipped.
      add(Buffer.concat([buffer.subarray(line.start, line.start + room), Buffer.from("\r\n")]));
      part.bytes = limits.partBytes;
      bytes += room;
      truncated = true;
      continue;
    }
    part.bytes += size;
    bytes += size;
    part.lines++;
    lines++;
    keep(line);
  }
  closePart(part);
  if (!truncated && !rewritten) return { view: buffer, truncated };
  flush();
  return { view: Buffer.concat(pieces), truncated };
}

/** A part's bytes as postal-mime's pass-through decoder gives them: each line's end (CRs too) as LF. */
function passThroughBytes(buffer: Buffer, body: Line): Buffer {
  const out = Buffer.allocUnsafe(body.end - body.start + 1);
  let size = 0;
  for (let i = body.start; i < body.end; i++) {
    const byte = buffer[i] as number;
    if (byte !== 0x0d) {
      out[size++] = byte;
      continue;
    }
    let next = i;
    while (next < body.end && buffer[next] === 0x0d) next++;
    if (next < body.end && buffer[next] !== 0x0a) while (i < next) out[size++] = buffer[i++] as number;
    i = next - 1;
  }
  if (size > 0 && out[size - 1] !== 0x0a) out[size++] = 0x0a;
  return out.subarray(0, size);
}

function isBlank(buffer: Buffer, line: Line): boolean {
  for (let i = line.start; i < line.end; i++) if (buffer[i] !== 0x0d && buffer[i] !== 0x0a) return false;
  return true;
}

/** "--" + an open boundary, "--" after it when it is the last, then spaces: as postal-mime reads it. */
function boundaryOf(buffer: Buffer, line: Line, boundaries: Set<string>) {
  if (boundaries.size === 0 || line.end - line.start > 512) return undefined;
  if (buffer[line.start] !== 0x2d || buffer[line.start + 1] !== 0x2d) return undefined;
  let end = line.end;
  while (end > line.start + 2 && [0x0a, 0x0d, 0x20, 0x09].includes(buffer[end - 1] as number)) end--;
  const name = buffer.subarray(line.start + 2, end).toString("latin1");
  if (boundaries.has(name)) return { name, last: false };
  if (name.endsWith("--") && boundaries.has(name.slice(0, -2)))
    return { name: name.slice(0, -2), last: true };
  return undefined;
}

/** The first Content-Type and Content-Transfer-Encoding of a header block, as postal-mime takes them. */
function readPartHeaders(buffer: Buffer, lines: Line[]) {
  const fields: { name: string; lines: Line[] }[] = [];
  for (const line of lines) {
    const first = buffer[line.start];
    const last = fields.at(-1);
    if (last && (first === 0x20 || first === 0x09)) last.lines.push(line);
    else {
      const colon = buffer.indexOf(0x3a, line.start);
      const end = colon < 0 || colon >= line.end ? line.end : colon;
      fields.push({
        name: buffer.subarray(line.start, end).toString("latin1").trim().toLowerCase(),
        lines: [line],
      });
    }
  }
  const value = (name: string) => {
    const field = fields.find((f) => f.name === name);
    if (!field) return "";
    const text = field.lines.map((l) => buffer.subarray(l.start, l.end).toString("latin1")).join("");
    return text.slice(text.indexOf(":") + 1).replace(/[\r\n]+/g, "");
  };
  const contentType = value("content-type");
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const encoding = (
    /[\w-]+/.exec(value("content-transfer-encoding").replace(/\([^)]*\)/g, ""))?.[0] ?? ""
  ).toLowerCase();
  const passThrough = !encoding.includes("base64") && !encoding.includes("quoted-printable");
  const multipart = type.startsWith("multipart/");
  const boundary = multipart
    ? /(?:^|;)[ \t]*boundary[ \t]*=[ \t]*(?:"([^"]{1,200})"|([^;\s"]{1,200}))/i.exec(contentType)
    : null;
  return {
    textual: type === "" || type.startsWith("text/"),
    multipart,
    passThrough,
    nested: passThrough && (type === "message/rfc822" || type === "message/global"),
    boundary: boundary ? (boundary[1] ?? boundary[2]) : undefined,
    transferEncodingLines: new Set(
      fields.filter((f) => f.name === "content-transfer-encoding").flatMap((f) => f.lines),
    ),
  };
}

/**
 * Broken MIME (a boundary on a single part, a missing one) can leave the parser with no text although
 * the body holds some: then the raw body is read as it stands, HTML turned into text.
 */
async function rawBodyText(buffer: Buffer): Promise<string> {
  const raw = buffer.toString("utf8");
  const start = raw.search(/\r?\n\r?\n/);
  if (start < 0) return "";
  const body = raw.slice(start).replace(/^(--[^\n]*|[\w-]+:[^\n]*)$/gm, "");
  const text = /<(html|body|p|div|br)\b/i.test(body) ? await htmlToText(body) : body;
  return text.replace(/\r\n/g, "\n").trim();
}

const FLOWED_CONTENT_TYPE = /^content-type:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/gim;

/**
 * The parser joins format=flowed lines across quote depths ("> Hi " + "Hello" becomes "> Hi Hello"),
 * which buries the client's words in the quote. So the parser is told the text is fixed and the
 * flowed lines are joined here, as RFC 3676 §4.5 says: never across a change of quote depth.
 */
function withoutFlowedFormat(buffer: Buffer): { raw: Buffer; flowed?: { delsp: boolean } } {
  const latin1 = buffer.toString("latin1");
  if (!/format\s*=\s*"?flowed/i.test(latin1)) return { raw: buffer };
  let flowed: { delsp: boolean } | undefined;
  const rewritten = latin1.replace(FLOWED_CONTENT_TYPE, (header) => {
    if (!/format\s*=\s*"?flowed"?/i.test(header)) return header;
    flowed ??= { delsp: /delsp\s*=\s*"?yes/i.test(header) };
    return header.replace(/format\s*=\s*"?flowed"?/i, "format=fixed");
  });
  return flowed ? { raw: Buffer.from(rewritten, "latin1"), flowed } : { raw: buffer };
}

export function decodeFlowed(text: string, delsp: boolean): string {
  const out: string[] = [];
  let previous: { depth: number; soft: boolean } | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const depth = /^>*/.exec(rawLine)?.[0].length ?? 0;
    let line = rawLine.slice(depth);
    if (line.startsWith(" ")) line = line.slice(1);
    const isSignature = line === "-- ";
    const soft = !isSignature && line.endsWith(" ");
    if (soft && delsp) line = line.slice(0, -1);
    if (previous?.soft && previous.depth === depth) out[out.length - 1] += line;
    else out.push(`${depth > 0 ? `${">".repeat(depth)} ` : ""}${line}`);
    previous = { depth, soft };
  }
  return out.join("\n");
}

const STANDARD_HEADER =
  /^(from|to|subject|date|message-id|received|return-path|mime-version|content-type|delivered-to|reply-to|sender|cc|in-reply-to|references|dkim-signature|authentication-results|x-[\w-]+)[ \t]*:/i;

/** Raw MIME, or a body fragment that merely starts with "De:" or "Von:" (a quoted header block)? */
function looksLikeMessage(head: string, firstLine: string): boolean {
  if (/^From [^\n]*\d{4}/.test(firstLine)) return true;
  if (!HEADER_LINE.test(firstLine)) return false;
  const headerBlock = head.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const standard = headerBlock.split(/\r?\n/).filter((line) => STANDARD_HEADER.test(line));
  return standard.length >= 2;
}

function bodyOnly(buffer: Buffer): InboundMail {
  return {
    hasHeaders: false,
    references: [],
    to: [],
    cc: [],
    subject: "",
    headers: new Map(),
    text: buffer
      .toString("utf8")
      .replace(/^\uFEFF/, "")
      .replace(/\r\n/g, "\n"),
    contentType: "text/plain",
    attachments: [],
    rawSize: buffer.length,
  };
}

/**
 * HTML as text, by postal-mime's own converter (linear in its input, so hostile HTML cannot stall
 * it): postal-mime renders an HTML part as text when the message also has a text part, so the HTML
 * is handed to it beside an empty one.
 */
async function htmlToText(html: string): Promise<string> {
  const boundary = `aviso-${randomUUID()}`;
  const message = [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "",
    `--${boundary}`,
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    // On one line: postal-mime reads the part line by line, and a line costs it ~10 µs.
    Buffer.from(html, "utf8").toString("base64"),
    `--${boundary}--`,
    "",
  ].join("\r\n");
  const parsed = await PostalMime.parse(message);
  return (parsed.text ?? "").trim();
}

function fromParsed(parsed: Email, rawSize: number): InboundMail {
  const headers = new Map<string, string>();
  for (const line of parsed.headerLines) {
    const name = line.key.toLowerCase();
    const value = line.line
      .slice(line.line.indexOf(":") + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}\n${value}` : value);
  }
  const contentType =
    (headers.get("content-type") ?? "text/plain").split(";")[0]?.trim().toLowerCase() ?? "text/plain";
  const references = (parsed.references ?? "").split(/\s+/);
  const from = addresses(parsed.from ? [parsed.from] : [])[0];
  const replyTo = addresses(parsed.replyTo)[0];
  const date = parsed.date ? new Date(parsed.date) : undefined;
  const html = typeof parsed.html === "string" ? parsed.html : undefined;
  const text = parsed.text ?? "";
  return {
    hasHeaders: true,
    ...(parsed.messageId ? { messageId: parsed.messageId.trim() } : {}),
    ...(parsed.inReplyTo ? { inReplyTo: parsed.inReplyTo.trim() } : {}),
    references: references.filter(Boolean),
    ...(from ? { from } : {}),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    ...(replyTo ? { replyTo } : {}),
    subject: (parsed.subject ?? "").replace(/\s+/g, " ").trim(),
    ...(date && !Number.isNaN(date.getTime()) ? { date: date.toISOString() } : {}),
    headers,
    text: text.replace(/\r\n/g, "\n"),
    ...(html !== undefined ? { html } : {}),
    contentType,
    attachments: parsed.attachments.map((a) => ({
      ...(a.filename ? { filename: a.filename } : {}),
      contentType: a.mimeType,
      size: typeof a.content === "string" ? a.content.length : a.content.byteLength,
    })),
    rawSize,
  };
}

function addresses(entries: PostalAddress[] | undefined): Address[] {
  const found: Address[] = [];
  const visit = (list: PostalAddress[]) => {
    for (const entry of list) {
      if (entry.group) visit(entry.group);
      else if (entry.address)
        found.push({ address: entry.address.toLowerCase(), ...(entry.name ? { name: entry.name } : {}) });
    }
  };
  visit(entries ?? []);
  return found;
}
