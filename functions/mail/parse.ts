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
  /**
   * Why the From header cannot be read as one sender (several addresses, several From headers, or
   * a value mail programs read differently): such a mail's sender is not known, so nothing it claims
   * is trusted and it is quarantined.
   */
  fromProblem?: string;
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
  attachments: { filename?: string; contentType: string; size: number }[];
  rawSize: number;
}

export type ParseResult = { ok: true; mail: InboundMail } | { ok: false; reason: string };

const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
const MAX_HTML_TO_PARSE = 2_000_000;

/** Parses raw MIME, tolerating broken headers and odd charsets; never throws. */
export async function parseMail(raw: Buffer | string): Promise<ParseResult> {
  const buffer = typeof raw === "string" ? Buffer.from(raw, "utf8") : raw;
  if (buffer.length === 0) return { ok: false, reason: "empty message" };
  const head = buffer.subarray(0, 4096).toString("latin1");
  if (head.includes("\u0000")) return { ok: false, reason: "binary data, not a mail message (NUL bytes)" };
  const firstLine = head.replace(/^\s+/, "").split(/\r?\n/, 1)[0] ?? "";
  if (!looksLikeMessage(head, firstLine)) return { ok: true, mail: bodyOnly(buffer) };
  try {
    const { raw: unflowed, flowed } = withoutFlowedFormat(buffer);
    const parsed = await PostalMime.parse(unflowed, { attachmentEncoding: "arraybuffer" });
    if (flowed && parsed.text) parsed.text = decodeFlowed(parsed.text, flowed.delsp);
    const mail = fromParsed(parsed, buffer.length);
    if (!parsed.text && mail.html && mail.html.length <= MAX_HTML_TO_PARSE)
      mail.text = await htmlToText(mail.html);
    if (mail.text.trim() === "" && mail.attachments.length === 0) mail.text = await rawBodyText(buffer);
    return { ok: true, mail };
  } catch (error) {
    return { ok: false, reason: `cannot parse MIME: ${(error as Error).message}` };
  }
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
    "",
    html,
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
  const fromProblem = senderProblem(parsed.headerLines);
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
    ...(fromProblem ? { fromProblem } : {}),
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

/**
 * Whether the From header names exactly one sender in one reading. The parser takes the first
 * address of "a@x, b@y" and one of the two in "a@x <b@y>"; SES's DMARC check, a mail program and a
 * person may take another. So several From headers, several mailboxes or a group, two angle
 * addresses, an address outside the angle brackets that differs from the one inside, or an address
 * with two "@" make the sender unknown. Quoted display names and comments are names, not addresses.
 */
export function senderProblem(headerLines: { key: string; line: string }[]): string | undefined {
  const lines = headerLines.filter((l) => l.key.toLowerCase() === "from");
  if (lines.length > 1) return `${lines.length} From headers`;
  const line = lines[0]?.line;
  if (!line) return undefined;
  return mailboxListProblem(line.slice(line.indexOf(":") + 1).replace(/\r?\n[ \t]+/g, " "));
}

interface Mailbox {
  bare: string;
  /** Bare text after the first angle address. */
  afterAngle: string;
  angles: string[];
}

function mailboxListProblem(value: string): string | undefined {
  const mailboxes: Mailbox[] = [{ bare: "", afterAngle: "", angles: [] }];
  let quoted = false;
  let comment = 0;
  let angle: string | undefined;
  let group = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const current = mailboxes.at(-1) as Mailbox;
    if (quoted || comment > 0) {
      if (ch === "\\") i++;
      else if (quoted && ch === '"') quoted = false;
      else if (!quoted && ch === "(") comment++;
      else if (!quoted && ch === ")") comment--;
      continue;
    }
    if (angle !== undefined) {
      if (ch === ">") {
        current.angles.push(angle.trim());
        angle = undefined;
      } else angle += ch;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === "(") comment = 1;
    else if (ch === "<") angle = "";
    else if (ch === ",") mailboxes.push({ bare: "", afterAngle: "", angles: [] });
    else if (ch === ":") group = true;
    else if (ch !== ";") {
      current.bare += ch;
      if (current.angles.length > 0) current.afterAngle += ch;
    }
  }
  if (angle !== undefined) (mailboxes.at(-1) as Mailbox).angles.push(angle.trim());
  if (group) return "the From header names a group of addresses";
  const named = mailboxes.filter((m) => m.bare.trim() !== "" || m.angles.length > 0);
  if (named.length > 1) return `${named.length} addresses in the From header`;
  const [mailbox] = named;
  if (!mailbox) return undefined;
  if (mailbox.angles.length > 1) return "two addresses in angle brackets in the From header";
  const bare = mailbox.bare.split(/\s+/).filter((word) => word.includes("@"));
  const inAngle = mailbox.angles[0];
  if (inAngle !== undefined) {
    if ((inAngle.match(/@/g) ?? []).length > 1) return `the From address ${inAngle} has two "@"`;
    // Before the brackets an address is a display name, as every reader takes it (Outlook writes
    // "ana@x <ana@x.example>"); after them, some readers take it for the address.
    const after = mailbox.afterAngle.split(/\s+/).find((word) => word.includes("@"));
    if (after) return `the From header names ${inAngle} in angle brackets and ${after} after them`;
    return undefined;
  }
  if (bare.length > 1) return `${bare.length} addresses in the From header`;
  if (bare[0] && (bare[0].match(/@/g) ?? []).length > 1) return `the From address ${bare[0]} has two "@"`;
  return undefined;
}
