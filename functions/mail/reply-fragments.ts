/**
 * Attribution lines, quote headers, separators and signature lines are short; a longer line is
 * never read as one, so no pattern ever runs over more than this many characters at a time.
 */
export const MAX_MARKER_LINE = 512;

/**
 * Reply fragments. This is the algorithm of email-reply-parser (crisp-oss, after willdurand's
 * EmailReplyParser), which aviso used until a 20 KB line of "from <" took it 40 seconds: its quote
 * header patterns ran over the whole text, and several were cubic. Here every pattern is read
 * against one line of at most MAX_MARKER_LINE characters, in linear time: an anchored prefix, then
 * literal landmarks found left to right with indexOf-like searches (see `landmarks`).
 */

export interface ReplyFragment {
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
export function replyFragments(input: string[]): ReplyFragment[] {
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
