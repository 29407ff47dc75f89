/** aviso puts this line above the quoted history in its own mail; everything below it is history. */
export const REPLY_ABOVE_MARKER = "## Reply above this line · Responda encima de esta línea ##";

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
 * words come first, and a bound on the input is a bound on the time. Everything it runs is linear.
 */
export const MAX_INSPECTED_CHARS = 256 * 1024;
/**
 * Attribution lines, quote headers, separators and signature lines are short; a longer line is
 * never read as one, so no pattern ever runs over more than this many characters at a time.
 */
export const MAX_MARKER_LINE = 512;

/**
 * Splits a reply into what the person wrote and the quoted history. Personal "-- " signatures
 * stay (they carry names and phone numbers); footers that mail programs add on their own go.
 * Forwarded content is not quoted history and is kept by the caller (see isForward).
 * Linear in the text, and it reads at most MAX_INSPECTED_CHARS of it.
 */
export function splitReply(text: string): ReplySplit {
  const normalized = joinSplitAttributions(
    capChars(text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n"), MAX_INSPECTED_CHARS),
  );
  const ownMarker = normalized.indexOf(REPLY_ABOVE_MARKER.slice(0, 20));
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
    visible: lines.join("\n").trim(),
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

/** The first `max` characters of `text`, cut at the last line end inside them when there is one. */
function capChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const lineEnd = text.lastIndexOf("\n", max);
  return text.slice(0, lineEnd > 0 ? lineEnd : max);
}

function trimTrailingNewlines(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  return text.slice(0, end);
}

function isDeviceFooter(line: string): boolean {
  return line.length <= MAX_MARKER_LINE && DEVICE_FOOTER.test(line);
}

/* ------------------------------------------------------------------------------------------------
 * Reply fragments. This is the algorithm of email-reply-parser (crisp-oss, after willdurand's
 * EmailReplyParser), which aviso used until a 20 KB line of "from <" took it 40 seconds: its quote
 * header patterns ran over the whole text, and several were cubic. Here every pattern is read
 * against one line of at most MAX_MARKER_LINE characters, in linear time: an anchored prefix, then
 * literal landmarks found left to right with indexOf-like searches (see `landmarks`).
 * ---------------------------------------------------------------------------------------------- */

interface ReplyFragment {
  content: string;
  quoted: boolean;
  signature: boolean;
  hidden: boolean;
}

/**
 * Reads the lines from the bottom up, as email-reply-parser does: a signature line closes what is
 * below it as a signature; a quote header with an empty line above closes what is below it as
 * quoted; ">" lines form quoted fragments, which take in quote headers and empty lines.
 */
function replyFragments(input: string[]): ReplyFragment[] {
  const lines = joinBrokenQuoteHeaders(input);
  const fragments: ReplyFragment[] = [];
  let fragment: { lines: string[]; quoted: boolean; signature: boolean } | null = null;
  const close = (f: { lines: string[]; quoted: boolean; signature: boolean }) => {
    const topDown = f.lines.reverse().join("\n");
    fragments.push({
      content: topDown.startsWith("\n") ? topDown.slice(1) : topDown,
      quoted: f.quoted,
      signature: f.signature,
      hidden: f.quoted || f.signature || f.lines.every((l) => l === ""),
    });
  };
  for (let i = lines.length - 1; i >= 0; i--) {
    const raw = lines[i] ?? "";
    const line = isSignatureLine(raw) ? raw : raw.trimEnd();
    if (fragment) {
      const last = fragment.lines.at(-1) ?? "";
      if (isSignatureLine(last)) {
        fragment.signature = true;
        close(fragment);
        fragment = null;
      } else if (line === "" && isQuoteHeaderLine(last)) {
        fragment.quoted = true;
        close(fragment);
        fragment = null;
      }
    }
    const quotedLine = line.startsWith(">");
    if (
      fragment === null ||
      !(fragment.quoted === quotedLine || (fragment.quoted && (line === "" || isQuoteHeaderLine(line))))
    ) {
      if (fragment) close(fragment);
      fragment = { lines: [], quoted: quotedLine, signature: false };
    }
    fragment.lines.push(line);
  }
  if (fragment) close(fragment);
  return fragments.reverse();
}

/**
 * A quote header a mail program wrapped over up to four lines ("… <address" / ">:") is joined into
 * one line, as email-reply-parser's fixBrokenSignatures did with its patterns over the whole text;
 * only where the joined line decides what is quoted (a blank line above it, or ">" lines right
 * below), so a person's own lines are never run together.
 */
function joinBrokenQuoteHeaders(lines: string[]): string[] {
  // quoteBelow[j]: the first line at or after j that is not blank starts with ">".
  const quoteBelow: boolean[] = new Array(lines.length + 1).fill(false);
  for (let j = lines.length - 1; j >= 0; j--) {
    const line = lines[j] ?? "";
    quoteBelow[j] = line.trim() === "" ? (quoteBelow[j + 1] ?? false) : line.startsWith(">");
  }
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    let joined: string | undefined;
    const startsLikeOne = MAYBE_QUOTE_HEADER.test(line);
    const blankAbove = i > 0 && (lines[i - 1] ?? "").trim() === "";
    const couldDecide = blankAbove || [1, 2, 3, 4].some((k) => quoteBelow[i + k]);
    if (couldDecide && line.trim() !== "" && line.length <= MAX_MARKER_LINE && !isQuoteHeaderLine(line)) {
      let candidate = line;
      for (let k = 1; k <= 3 && i + k < lines.length; k++) {
        const next = lines[i + k] ?? "";
        if (next.trim() === "") break;
        candidate = `${candidate} ${next}`;
        if (candidate.length > MAX_MARKER_LINE) break;
        if ((startsLikeOne || next.endsWith(":")) && isQuoteHeaderLine(candidate)) {
          if (blankAbove || next.startsWith(">") || quoteBelow[i + k + 1]) {
            joined = candidate;
            i += k;
          }
          break;
        }
      }
    }
    out.push(joined ?? line);
  }
  return out;
}

/**
 * A pattern over one line: an anchored `prefix` (linear: no two unbounded quantifiers that can
 * take the same characters), then `landmarks`, each at least `gap` characters after the end of
 * the one before. Searching each landmark leftmost is exact for patterns of the shape
 * `prefix .+ A .+ B … tail$`: the earliest end leaves the most room for the rest.
 * The landmark patterns are fixed-length or end in a single run, so each search is linear.
 */
interface LinePattern {
  prefix?: RegExp;
  landmarks: { at: RegExp; gap: 0 | 1 }[];
}

function matchesLine(line: string, pattern: LinePattern): boolean {
  let end = 0;
  if (pattern.prefix) {
    const head = pattern.prefix.exec(line);
    if (!head) return false;
    end = head[0].length;
  }
  for (const { at, gap } of pattern.landmarks) {
    at.lastIndex = end + gap;
    const found = at.exec(line);
    if (!found) return false;
    end = found.index + found[0].length;
  }
  return true;
}

const g = (source: string, flags = "") => new RegExp(source, `g${flags}`);
/** `.+\s.+KEYWORD:?\s?-*$`: the On/El/Le/… attribution shape of email-reply-parser. */
const attribution = (prefix: RegExp, tail: string): LinePattern => ({
  prefix,
  landmarks: [
    { at: /\s/g, gap: 1 },
    { at: g(`${tail}\\s?-*$`), gap: 1 },
  ],
});
/** `KEYWORD\s?:.+[\[<].+[\]>]`: a "From: Name <address>" line (not anchored at the end). */
const fromLine = (word: string, open: string, close: string): LinePattern => ({
  prefix: new RegExp(`^\\s*${word}\\s?:`),
  landmarks: [
    { at: g(open), gap: 1 },
    { at: g(close), gap: 1 },
  ],
});

/** email-reply-parser's quote headers, each read against one line (see its regex.js). */
const QUOTE_HEADER_LINES: LinePattern[] = [
  attribution(/^-*\s*On\s/, "wrote:?"),
  attribution(/^-*\s*Le\s/, "écrit\\s?:?"),
  attribution(/^-*\s*El\s/, "escribió:?"),
  attribution(/^-*\s*Il\s/, "scritto:?"),
  attribution(/^-*\s*Em\s/, "escreveu:?"),
  // Am DATE schrieb NAME <EMAIL>:
  {
    prefix: /^\s*Am\s/,
    landmarks: [
      { at: /\sschrieb/g, gap: 1 },
      { at: /[[|<]/g, gap: 1 },
      { at: /[\]|>]:$/g, gap: 1 },
    ],
  },
  // Op DATE schreef NAME <EMAIL>:
  {
    prefix: /^\s*Op\s/,
    landmarks: [
      { at: /schreef/g, gap: 1 },
      { at: /:$/g, gap: 1 },
    ],
  },
  // W dniu DATE, NAME <EMAIL> pisze|napisał:
  { prefix: /^\s*(W\sdniu|Dnia)\s/, landmarks: [{ at: /(pisze|napisał(\(a\))?):$/gu, gap: 1 }] },
  // Den DATE skrev NAME <EMAIL>:
  {
    prefix: /^\s*Den\s/,
    landmarks: [
      { at: /\sskrev\s/g, gap: 1 },
      { at: /:$/g, gap: 1 },
    ],
  },
  // pe DATE NAME <EMAIL> kirjoitti:
  {
    prefix: /^\s*pe\s/,
    landmarks: [
      { at: /\s/g, gap: 1 },
      { at: /kirjoitti:$/g, gap: 1 },
    ],
  },
  // Am DATE um TIME schrieb NAME:
  {
    prefix: /^\s*Am\s/,
    landmarks: [
      { at: /\sum\s/g, gap: 1 },
      { at: /\sschrieb\s/g, gap: 1 },
      { at: /:$/g, gap: 1 },
    ],
  },
  // ср, DATE г. в TIME, NAME <EMAIL>:
  {
    prefix: /^\s*ср,\s/,
    landmarks: [
      { at: / г\. в\s/g, gap: 1 },
      { at: /,\s/g, gap: 1 },
      { at: /[[|<]/g, gap: 1 },
      { at: /[\]|>]:$/g, gap: 1 },
    ],
  },
  // 在 DATE, TIME, NAME 写道：
  { prefix: /^在/, landmarks: [{ at: /写道：$/g, gap: 1 }] },
  // DATE TIME NAME 작성:
  { prefix: /^20[0-9]{2}\./, landmarks: [{ at: /\s작성:$/g, gap: 1 }] },
  // DATE TIME、NAME のメッセージ:
  { prefix: /^20[0-9]{2}\//, landmarks: [{ at: /のメッセージ:$/g, gap: 1 }] },
  // NAME <EMAIL> schrieb:
  {
    landmarks: [
      { at: /\s</g, gap: 1 },
      { at: />\sschrieb:$/g, gap: 1 },
    ],
  },
  // NAME on DATE wrote:
  {
    landmarks: [
      { at: /\son/g, gap: 1 },
      { at: /at/g, gap: 0 },
      { at: /wrote:$/g, gap: 0 },
    ],
  },
  fromLine("From", "[[|<]", "[\\]|>]"),
  fromLine("Von", "[[|<]", "[\\]|>]"),
  fromLine("De", "[[<]", "[\\]>]"),
  fromLine("Van", "[[<]", "[\\]>]"),
  fromLine("Da", "[[<]", "[\\]>]"),
  // 20YY-MM-DD HH:II GMT+01:00 NAME <EMAIL>:
  {
    prefix: /^20[0-9]{2}-[0-9]{2}.[0-9]{2}.[0-9]{2}:[0-9]{2}/,
    landmarks: [{ at: />:$/g, gap: 0 }],
  },
  // DATE skrev NAME <EMAIL>:
  {
    prefix: /^\s*[a-z]{3,4}\.\s/,
    landmarks: [
      { at: /\sskrev\s/g, gap: 1 },
      { at: /:$/g, gap: 1 },
    ],
  },
  // DD.MM.20YY HH:II NAME <EMAIL>
  {
    prefix: /^[0-9]{2}.[0-9]{2}.20[0-9]{2}/,
    landmarks: [
      { at: /[0-9]{2}.[0-9]{2}/g, gap: 0 },
      { at: /" *</g, gap: 0 },
      { at: /> *:$/g, gap: 0 },
    ],
  },
  // HH:II, DATE, NAME <EMAIL>:
  {
    prefix: /^[0-9]{2}:[0-9]{2}/,
    landmarks: [
      { at: /[0-9]{4}/g, gap: 0 },
      { at: /" *</g, gap: 0 },
      { at: /> *:$/g, gap: 0 },
    ],
  },
  // the cubic one: ^(.*)[0-9]{4}(.*)from(.*)<(.*)>:$
  {
    landmarks: [
      { at: /[0-9]{4}/g, gap: 0 },
      { at: /from/g, gap: 0 },
      { at: /</g, gap: 0 },
      { at: />:$/g, gap: 0 },
    ],
  },
  { prefix: /^-{1,12} ?(O|o)riginal (M|m)essage ?-{1,12}$/i, landmarks: [] },
  { prefix: /^-{1,12} ?(O|o)prindelig (B|b)esked ?-{1,12}$/i, landmarks: [] },
  { prefix: /^-{1,12} ?(M|m)essage d'origine ?-{1,12}$/i, landmarks: [] },
  { prefix: /^-{1,12} ?(U|u)rsprüngliche (N|n)achricht ?-{0,12}$/i, landmarks: [] },
];

/** email-reply-parser's signature lines; `X (?:\s*.+)$` is read as "X and at least one more character". */
const SIGNATURE_LINES: LinePattern[] = [
  ...[
    /^\s*-{2,4}$/,
    /^\s*_{2,4}$/,
    /^-- $/,
    /^\+{2,4}$/,
    /^={2,4}$/,
    /^________________________________$/,
    /^Sent from ./,
    /^Get Outlook for ./,
    /^Cheers,?!?$/i,
    /^Best wishes,?!?$/i,
    /^\w{0,20}\s?(\sand\s)?Regards,?!?！?$/i,
    /^Sendt fra ./,
    /^Envoyé depuis ./,
    /^Envoyé de mon ./,
    /^Envoyé à partir de ./,
    /^Télécharger Outlook pour ./,
    /^Bien . vous,?!?$/i,
    /^\w{0,20}\s?cordialement,?!?$/i,
    /^Bonne (journ.e|soir.e)!?$/i,
    /^Enviado desde ./,
    /^Verzonden vanaf ./,
    /^Verstuurd vanaf ./,
  ].map((prefix) => ({ prefix, landmarks: [] })),
  // Von DEVICE gesendet (at least one character between)
  { prefix: /^Von ./, landmarks: [{ at: / gesendet$/g, gap: 0 }] },
  // Gesendet von X für Y
  {
    prefix: /^Gesendet von ./,
    landmarks: [
      { at: / für /g, gap: 0 },
      { at: /.$/g, gap: 0 },
    ],
  },
  attribution(/^-*\s*In\sdata\s/, "scritto:?"),
];

/**
 * What a quote header can start with, or end with when it has no fixed start: one cheap test that
 * spares most lines the patterns above.
 */
const MAYBE_QUOTE_HEADER =
  /^(\s|-|On|Le|El|Il|Em|Am|Op|W|Dnia|Den|pe|ср|From|Von|De|Van|Da|[a-z]{3,4}\.|在|[0-9]{2})/;
/** Likewise for signature lines; the word patterns (…Regards, …cordialement) are short. */
const MAYBE_SIGNATURE =
  /^(\s|-|_|\+|=|In\s|Sent |Get |Von |Gesendet |Sendt |Envoy|Télécharger |Enviado |Verzonden |Verstuurd )/;

/** Memo of the line tests: hostile mail repeats its lines, and the tests are pure. */
function memo(test: (line: string) => boolean): (line: string) => boolean {
  const seen = new Map<string, boolean>();
  return (line) => {
    let result = seen.get(line);
    if (result === undefined) {
      result = test(line);
      if (seen.size >= 4096) seen.clear();
      seen.set(line, result);
    }
    return result;
  };
}

const isQuoteHeaderLine = memo(
  (line) =>
    line.length <= MAX_MARKER_LINE &&
    (MAYBE_QUOTE_HEADER.test(line) || line.endsWith(":")) &&
    QUOTE_HEADER_LINES.some((pattern) => matchesLine(line, pattern)),
);

const isSignatureLine = memo(
  (line) =>
    line.length <= MAX_MARKER_LINE &&
    (line.length <= 40 || MAYBE_SIGNATURE.test(line)) &&
    SIGNATURE_LINES.some((pattern) => matchesLine(line, pattern)),
);

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
  for (const line of text.slice(0, MAX_INSPECTED_CHARS).split("\n"))
    if (short(line) && FORWARD_MARKER.test(line)) return true;
  // Outlook forwards write the same header block as replies, right at the top.
  const firstLines = text.replace(/^\s+/, "").split("\n").slice(0, 6);
  return (
    firstLines.filter((l) => QUOTED_HEADER.from.test(l) || QUOTED_HEADER.other.test(l)).length >= 3 &&
    QUOTED_HEADER.from.test(firstLines[0] ?? "")
  );
}
