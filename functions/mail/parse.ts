import { convert as htmlToText } from "html-to-text";
import { type AddressObject, type ParsedMail, simpleParser } from "mailparser";

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
    const parsed = await simpleParser(buffer, {
      skipImageLinks: true,
      maxHtmlLengthToParse: MAX_HTML_TO_PARSE,
    });
    const mail = fromParsed(parsed, buffer.length);
    if (mail.text.trim() === "" && mail.attachments.length === 0) mail.text = rawBodyText(buffer);
    return { ok: true, mail };
  } catch (error) {
    return { ok: false, reason: `cannot parse MIME: ${(error as Error).message}` };
  }
}

/**
 * Broken MIME (a boundary on a single part, a missing one) can leave the parser with no text although
 * the body holds some: then the raw body is read as it stands, HTML turned into text.
 */
function rawBodyText(buffer: Buffer): string {
  const raw = buffer.toString("utf8");
  const start = raw.search(/\r?\n\r?\n/);
  if (start < 0) return "";
  const body = raw.slice(start).replace(/^(--[^\n]*|[\w-]+:[^\n]*)$/gm, "");
  const text = /<(html|body|p|div|br)\b/i.test(body) ? htmlToText(body, { wordwrap: false }) : body;
  return text.replace(/\r\n/g, "\n").trim();
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

function fromParsed(parsed: ParsedMail, rawSize: number): InboundMail {
  const headers = new Map<string, string>();
  for (const line of parsed.headerLines) {
    const name = line.key.toLowerCase();
    const value = line.line.slice(line.line.indexOf(":") + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}\n${value}` : value);
  }
  const contentType =
    (headers.get("content-type") ?? "text/plain").split(";")[0]?.trim().toLowerCase() ?? "text/plain";
  const references = Array.isArray(parsed.references)
    ? parsed.references
    : parsed.references
      ? parsed.references.split(/\s+/)
      : [];
  const from = firstAddress(parsed.from);
  const replyTo = firstAddress(parsed.replyTo);
  return {
    hasHeaders: true,
    ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
    ...(parsed.inReplyTo ? { inReplyTo: parsed.inReplyTo.trim() } : {}),
    references: references.filter(Boolean),
    ...(from ? { from } : {}),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    ...(replyTo ? { replyTo } : {}),
    subject: (parsed.subject ?? "").replace(/\s+/g, " ").trim(),
    ...(parsed.date && !Number.isNaN(parsed.date.getTime()) ? { date: parsed.date.toISOString() } : {}),
    headers,
    text: (parsed.text ?? "").replace(/\r\n/g, "\n"),
    ...(typeof parsed.html === "string" ? { html: parsed.html } : {}),
    contentType,
    attachments: parsed.attachments.map((a) => ({
      ...(a.filename ? { filename: a.filename } : {}),
      contentType: a.contentType,
      size: a.size,
    })),
    rawSize,
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): Address[] {
  const objects = field ? (Array.isArray(field) ? field : [field]) : [];
  const found: Address[] = [];
  const visit = (entries: AddressObject["value"]) => {
    for (const entry of entries) {
      if (entry.group) visit(entry.group);
      else if (entry.address)
        found.push({ address: entry.address.toLowerCase(), ...(entry.name ? { name: entry.name } : {}) });
    }
  };
  for (const object of objects) visit(object.value);
  return found;
}

function firstAddress(field: AddressObject | AddressObject[] | undefined): Address | undefined {
  return addresses(field)[0];
}
