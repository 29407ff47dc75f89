import EmailReplyParser from "email-reply-parser";

/** aviso puts this line above the quoted history in its own mail; everything below it is history. */
export const REPLY_ABOVE_MARKER = "## Reply above this line · Responda encima de esta línea ##";

const ATTRIBUTION_START = /^\s*(-+\s*)?(On|El|Le|Il|Em|Am|Op|Den|In data)\s/;
const ATTRIBUTION_END =
  /(wrote|escribió|escribio|a écrit|a ecrit|ha scritto|scritto|escreveu|schrieb|skrev|schreef)\s*:?\s*$/i;

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
 * Splits a reply into what the person wrote and the quoted history. Personal "-- " signatures
 * stay (they carry names and phone numbers); footers that mail programs add on their own go.
 * Forwarded content is not quoted history and is kept by the caller (see isForward).
 */
export function splitReply(text: string): ReplySplit {
  const normalized = joinSplitAttributions(text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n"));
  const ownMarker = normalized.indexOf(REPLY_ABOVE_MARKER.slice(0, 20));
  const beforeMarker =
    ownMarker >= 0 ? normalized.slice(0, normalized.lastIndexOf("\n", ownMarker) + 1) : normalized;
  const structural = dropQuotedBlocks(beforeMarker.split("\n"));
  let quoted = ownMarker >= 0 || structural.quoted;
  const kept: string[] = [];
  for (const fragment of new EmailReplyParser().read(structural.lines.join("\n")).getFragments()) {
    if (fragment.isQuoted()) {
      quoted = true;
      continue;
    }
    if (fragment.isHidden() && !fragment.isSignature()) continue;
    kept.push(fragment.getContent().replace(/\n+$/, ""));
  }
  const lines = kept.join("\n").split("\n");
  while (lines.length > 0 && (lines.at(-1)?.trim() === "" || DEVICE_FOOTER.test(lines.at(-1) ?? "")))
    lines.pop();
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
    const fullAttribution = ATTRIBUTION_START.test(line) && ATTRIBUTION_END.test(line);
    if (
      SEPARATORS.some((separator) => separator.test(line)) ||
      outlookRule ||
      isQuotedHeaderBlock(lines, i)
    ) {
      const block = lines.slice(i, i + 10);
      const subjectLine = block.map((l) => QUOTED_SUBJECT.exec(l)?.[2]?.trim()).find(Boolean);
      return {
        lines: out,
        quoted: true,
        replyHeader: block.some((l) => SENT_LINE.test(l)) || SEPARATORS.some((sep) => sep.test(line)),
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

/** "On Nov 21, 2014,\nat 10:18,\nJohn <j@x> wrote:" → one line, so the attribution is recognised. */
function joinSplitAttributions(text: string): string {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (!ATTRIBUTION_START.test(line) || ATTRIBUTION_END.test(line)) continue;
    for (let j = i + 1; j <= i + 3 && j < lines.length; j++) {
      if (ATTRIBUTION_END.test(lines[j] ?? "")) {
        lines.splice(
          i,
          j - i + 1,
          lines
            .slice(i, j + 1)
            .map((l) => l.trim())
            .join(" "),
        );
        break;
      }
      if ((lines[j] ?? "").trim() === "" || (lines[j] ?? "").startsWith(">")) break;
    }
  }
  return lines.join("\n");
}

/**
 * The shape every mail program shares whatever its language: a line naming someone (an address or
 * a date) that ends in a colon, then lines quoted with ">".
 */
function isAttributionBeforeQuote(lines: string[], i: number): boolean {
  const line = lines[i] ?? "";
  if (!/:\s*$/.test(line) || !/(@|\d{1,4}[./-]\d{1,2}|\d{1,2}:\d{2})/.test(line)) return false;
  let next = i + 1;
  while (next < lines.length && (lines[next] ?? "").trim() === "") next++;
  return (lines[next] ?? "").startsWith(">");
}

const FORWARD_MARKER =
  /^\s*(-{2,}\s*(Forwarded message|Mensaje reenviado|Message transféré|Messaggio inoltrato|Weitergeleitete Nachricht|Mensagem encaminhada)\s*-{2,}|(Begin forwarded message|Inicio del mensaje reenviado|Début du message réexpédié|Anfang der weitergeleiteten Nachricht)\s*:)\s*$/im;
const FORWARD_SUBJECT = /^\s*(fwd?|rv|reenv|wg|tr|i|enc)\s*:/i;

/** A message forwarded to the support address is a new request carrying someone else's mail. */
export function isForward(subject: string, text: string): boolean {
  if (FORWARD_SUBJECT.test(subject)) return true;
  if (FORWARD_MARKER.test(text)) return true;
  // Outlook forwards write the same header block as replies, right at the top.
  const firstLines = text.replace(/^\s+/, "").split("\n").slice(0, 6);
  return (
    firstLines.filter((l) => QUOTED_HEADER.from.test(l) || QUOTED_HEADER.other.test(l)).length >= 3 &&
    QUOTED_HEADER.from.test(firstLines[0] ?? "")
  );
}
