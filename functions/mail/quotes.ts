import { MAX_MARKER_LINE, replyFragments } from "./reply-fragments";
import { indexOfReplyMarker } from "./reply-marker";

const ATTRIBUTION_START = /^\s*(-+\s*)?(On|El|Le|Il|Em|Am|Op|Den|In data)\s/;
const ATTRIBUTION_END =
  /(wrote|escribió|escribio|a écrit|a ecrit|ha scritto|scritto|escreveu|schrieb|skrev|schreef)\s*(:\s*)?$/i;

/** Header lines of a quoted message as mail programs write them, in the languages we meet. */
const QUOTED_HEADER = {
  from: /^\s*\*?(From|Von|De|Da|Van|Från|Fra|Od)\s*:\*?\s*\S/i,
  other:
    /^\s*\*?(Sent|Date|To|Subject|Cc|Gesendet|Datum|An|Betreff|Enviado|Enviado el|Fecha|Para|Asunto|Envoyé|Objet|À|Inviato|Data|A|Oggetto|Verzonden|Aan|Onderwerp)\s*:\*?/i,
};

const SEPARATORS = [
  /^\s*-{2,}\s*(Original Message|Mensaje original|Message d'origine|Messaggio originale|Ursprüngliche Nachricht|Mensagem original|Oorspronkelijk bericht)\s*-{2,}\s*$/i,
  /^\s*-{3,}\s*Reply above.*-{3,}\s*$/i,
];

/** Footers mail programs add on their own; a person's own "-- " signature is kept. */
const DEVICE_FOOTER =
  /^\s*(Sent from my .{1,40}|Sent from Mail for Windows.*|Sent from (Yahoo Mail|Outlook|Gmail).*|Get Outlook for .{1,30}|Obtener Outlook para .{1,30}|Enviado desde mi .{1,40}|Enviado desde (Correo|Outlook|Yahoo).*|Enviado do meu .{1,40}|Enviado do .{1,30}|Von meinem .{1,40} gesendet|Envoyé de mon .{1,40}|Inviato da .{1,40})\s*$/i;

export interface ReplySplit {
  /** What the person wrote: quoted history, attribution lines and mail-program footers removed. */
  visible: string;
  /** Whether quoted history was found and removed. */
  quoted: boolean;
  /** The quoted history is introduced as mail programs introduce a reply. */
  replyHeader: boolean;
  /** The Subject line of the quoted message's header block, when there is one. */
  quotedSubject?: string;
}

/**
 * The reply parser reads at most this much of a mail's text (cut at a line end): a person's own
 * words come first, and a bound on the input is a bound on the time. Everything it runs is linear,
 * at a few µs a line, so the lines are bounded too: 256 KiB of three-character lines would be
 * 87,000 of them.
 */
export const MAX_INSPECTED_CHARS = 256 * 1024;
export const MAX_INSPECTED_LINES = 3_000;

/**
 * Text kept of a mail (what events store) is capped by UTF-8 bytes: a DynamoDB item holds 400 KB,
 * and a ticket event holds the text beside its other fields.
 */
export const MAX_STORED_TEXT_BYTES = 100_000;

/**
 * Splits a reply into what the person wrote and the quoted history. Personal "-- " signatures
 * stay (they carry names and phone numbers); footers that mail programs add on their own go.
 * Forwarded content is not quoted history and is kept by the caller (see isForward).
 * Linear in the text, and it reads at most MAX_INSPECTED_CHARS of it.
 */
export function splitReply(text: string): ReplySplit {
  const normalized = joinSplitAttributions(
    inspectedPart(text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n")),
  );
  const ownMarker = indexOfReplyMarker(normalized);
  const beforeMarker =
    ownMarker >= 0 ? normalized.slice(0, normalized.lastIndexOf("\n", ownMarker) + 1) : normalized;
  const structural = dropQuotedBlocks(beforeMarker.split("\n"));
  let quoted = ownMarker >= 0 || structural.quoted;
  const kept: string[] = [];
  for (const fragment of replyFragments(structural.lines)) {
    if (fragment.quoted) {
      quoted = true;
      continue;
    }
    if (fragment.hidden && !fragment.signature) continue;
    kept.push(trimTrailingNewlines(fragment.content));
  }
  const lines = kept.join("\n").split("\n");
  while (lines.length > 0 && (lines.at(-1)?.trim() === "" || isDeviceFooter(lines.at(-1) ?? ""))) lines.pop();
  return {
    visible: capBytes(lines.join("\n").trim(), MAX_STORED_TEXT_BYTES),
    quoted,
    replyHeader: structural.replyHeader ?? false,
    ...(structural.quotedSubject ? { quotedSubject: structural.quotedSubject } : {}),
  };
}

export function visibleText(text: string): string {
  return splitReply(text).visible;
}

/**
 * The longest prefix of `text` that is at most `maxBytes` bytes in UTF-8, never cutting a
 * character in two. Stored text is capped by bytes (a DynamoDB item holds 400 KB), not characters:
 * 200,000 four-byte characters are 800 KB.
 */
export function capBytes(text: string, maxBytes: number): string {
  // Every UTF-16 code unit is at most 3 bytes in UTF-8: short enough text needs no counting.
  if (text.length * 3 <= maxBytes) return text;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length;
    const next = pair ? text.charCodeAt(i + 1) : 0;
    const isPair = pair && next >= 0xdc00 && next <= 0xdfff;
    const size = isPair ? 4 : code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += isPair ? 2 : 1;
  }
  return text.slice(0, i);
}

/**
 * What the reply parser reads of a text: its first MAX_INSPECTED_LINES lines and at most
 * MAX_INSPECTED_CHARS characters, cut at the last line end inside them when there is one.
 */
export function inspectedPart(text: string): string {
  let end = text.length;
  let lineEnd = -1;
  for (let line = 0; line < MAX_INSPECTED_LINES; line++) {
    lineEnd = text.indexOf("\n", lineEnd + 1);
    if (lineEnd < 0 || lineEnd > MAX_INSPECTED_CHARS) break;
    if (line === MAX_INSPECTED_LINES - 1) end = lineEnd;
  }
  if (end > MAX_INSPECTED_CHARS) {
    const last = text.lastIndexOf("\n", MAX_INSPECTED_CHARS);
    end = last > 0 ? last : MAX_INSPECTED_CHARS;
  }
  return text.slice(0, end);
}

function trimTrailingNewlines(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  return text.slice(0, end);
}

function isDeviceFooter(line: string): boolean {
  return line.length <= MAX_MARKER_LINE && DEVICE_FOOTER.test(line);
}

/** "Sent:" exists only in the quote headers mail programs write, never in RFC 5322 headers. */
const SENT_LINE = /^\s*\*?(Sent|Gesendet|Enviado|Enviado el|Envoyé|Inviato|Verzonden|Skickat|Sendt)\s*:/i;

const QUOTED_SUBJECT = /^\s*\*?(Subject|Asunto|Betreff|Objet|Oggetto|Assunto|Onderwerp)\s*:\*?\s*(.*)$/i;

/**
 * Removes quoted history that mail programs mark by structure: an attribution line followed by
 * ">" lines (wherever it sits, so bottom-posted replies keep their text), and everything from an
 * "Original Message" separator or a quoted header block (From:/Sent:/To:/Subject:) on.
 */
function dropQuotedBlocks(lines: string[]): {
  lines: string[];
  quoted: boolean;
  /** The quote is introduced the way mail programs introduce a reply (attribution, Sent: line). */
  replyHeader?: boolean;
  quotedSubject?: string;
} {
  const out: string[] = [];
  let quoted = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const outlookRule =
      /^\s*_{20,}\s*$/.test(line) && QUOTED_HEADER.from.test(lines[i + 1] ?? lines[i + 2] ?? "");
    const fullAttribution = isFullAttribution(line);
    if (isSeparator(line) || outlookRule || isQuotedHeaderBlock(lines, i)) {
      const block = lines.slice(i, i + 10);
      const subjectLine = block.map((l) => QUOTED_SUBJECT.exec(l)?.[2]?.trim()).find(Boolean);
      return {
        lines: out,
        quoted: true,
        replyHeader: block.some((l) => SENT_LINE.test(l)) || isSeparator(line),
        ...(subjectLine ? { quotedSubject: subjectLine } : {}),
      };
    }
    if (isAttributionBeforeQuote(lines, i) || fullAttribution) {
      quoted = true;
      // A wrapped attribution ("… <" then "address> wrote:") starts on the line before.
      if (out.length > 0 && /[<(,]\s*$/.test(out.at(-1) ?? "")) out.pop();
      if (fullAttribution && !isAttributionBeforeQuote(lines, i))
        return { lines: out, quoted: true, replyHeader: true };
      let next = i + 1;
      while (
        next < lines.length &&
        ((lines[next] ?? "").trim() === "" || (lines[next] ?? "").startsWith(">"))
      )
        next++;
      i = next - 1;
      continue;
    }
    out.push(line);
  }
  return { lines: out, quoted, replyHeader: quoted };
}

function isQuotedHeaderBlock(lines: string[], i: number): boolean {
  const line = lines[i] ?? "";
  if (!QUOTED_HEADER.from.test(line) && !QUOTED_HEADER.other.test(line)) return false;
  const block = lines.slice(i, i + 6).filter((l) => l.trim() !== "");
  const headerish = block.filter((l) => QUOTED_HEADER.from.test(l) || QUOTED_HEADER.other.test(l));
  return headerish.length >= 3 && headerish.some((l) => QUOTED_HEADER.from.test(l));
}

/** Attribution and separator patterns run on short lines only (see MAX_MARKER_LINE). */
const short = (line: string) => line.length <= MAX_MARKER_LINE;
const isAttributionStart = (line: string) => short(line) && ATTRIBUTION_START.test(line);
const isAttributionEnd = (line: string) => short(line) && ATTRIBUTION_END.test(line);
const isFullAttribution = (line: string) => isAttributionStart(line) && isAttributionEnd(line);
const isSeparator = (line: string) => short(line) && SEPARATORS.some((separator) => separator.test(line));

/** "On Nov 21, 2014,\nat 10:18,\nJohn <j@x> wrote:" → one line, so the attribution is recognised. */
function joinSplitAttributions(text: string): string {
  const lines = text.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    out.push(line);
    if (!isAttributionStart(line) || isAttributionEnd(line)) continue;
    for (let j = i + 1; j <= i + 3 && j < lines.length; j++) {
      if (isAttributionEnd(lines[j] ?? "")) {
        out[out.length - 1] = lines
          .slice(i, j + 1)
          .map((l) => l.trim())
          .join(" ");
        i = j;
        break;
      }
      if ((lines[j] ?? "").trim() === "" || (lines[j] ?? "").startsWith(">")) break;
    }
  }
  return out.join("\n");
}

/**
 * The shape every mail program shares whatever its language: a line naming someone (an address or
 * a date) that ends in a colon, then lines quoted with ">".
 */
function isAttributionBeforeQuote(lines: string[], i: number): boolean {
  const line = lines[i] ?? "";
  if (!short(line) || !/:\s*$/.test(line) || !/(@|\d{1,4}[./-]\d{1,2}|\d{1,2}:\d{2})/.test(line))
    return false;
  let next = i + 1;
  while (next < lines.length && (lines[next] ?? "").trim() === "") next++;
  return (lines[next] ?? "").startsWith(">");
}

const FORWARD_MARKER =
  /^\s*(-{2,}\s*(Forwarded message|Mensaje reenviado|Message transféré|Messaggio inoltrato|Weitergeleitete Nachricht|Mensagem encaminhada)\s*-{2,}|(Begin forwarded message|Inicio del mensaje reenviado|Début du message réexpédié|Anfang der weitergeleiteten Nachricht)\s*:)\s*$/i;
const FORWARD_SUBJECT = /^\s*(fwd?|rv|reenv|wg|tr|i|enc)\s*:/i;

/** A message forwarded to the support address is a new request carrying someone else's mail. */
export function isForward(subject: string, text: string): boolean {
  if (FORWARD_SUBJECT.test(subject)) return true;
  // Line by line: over the whole text, "^\s*" at every line start spans the lines below it.
  for (const line of inspectedPart(text).split("\n"))
    if (short(line) && FORWARD_MARKER.test(line)) return true;
  // Outlook forwards write the same header block as replies, right at the top.
  const firstLines = text.replace(/^\s+/, "").split("\n").slice(0, 6);
  return (
    firstLines.filter((l) => QUOTED_HEADER.from.test(l) || QUOTED_HEADER.other.test(l)).length >= 3 &&
    QUOTED_HEADER.from.test(firstLines[0] ?? "")
  );
}
