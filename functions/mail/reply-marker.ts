import type { Locale } from "../core";

/**
 * The line aviso puts above the quoted history of its own mail, in the reader's language
 * (DESIGN §6: one language and one form of address per message, the marker included).
 */
export const REPLY_MARKERS: Readonly<Record<Locale, string>> = {
  en: "## Reply above this line ##",
  es: "## Responde encima de esta línea ##",
};

/** The bilingual marker of mail sent before each message had one language: replies to it still split. */
export const LEGACY_REPLY_MARKER = "## Reply above this line · Responda encima de esta línea ##";

/**
 * The opening words that identify a marker, whatever follows them. The legacy marker starts with the
 * English one's; some mail programs drop accents when they quote, hence the unaccented Spanish.
 */
const MARKER_OPENINGS = [
  "## Reply above this line",
  "## Responde encima de esta línea",
  "## Responde encima de esta linea",
] as const;

/**
 * Where the first reply marker aviso ever wrote starts in `text`, in any language, or -1.
 * A few indexOf calls: linear in the text, whatever it holds.
 */
export function indexOfReplyMarker(text: string): number {
  let first = -1;
  for (const opening of MARKER_OPENINGS) {
    const at = text.indexOf(opening);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first;
}
