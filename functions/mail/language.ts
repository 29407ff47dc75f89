const STOPWORDS: Record<string, string[]> = {
  es: [
    "el",
    "la",
    "los",
    "las",
    "de",
    "que",
    "y",
    "en",
    "un",
    "una",
    "por",
    "para",
    "con",
    "no",
    "es",
    "se",
    "lo",
    "mi",
    "hola",
    "gracias",
    "está",
    "funciona",
    "pero",
    "del",
    "al",
    "como",
    "saludos",
    "buenos",
    "días",
    "tengo",
    "puedo",
    "muy",
    "también",
    "este",
    "esta",
    "desde",
    "hay",
    "ya",
    "sin",
    "nos",
  ],
  en: [
    "the",
    "and",
    "is",
    "to",
    "of",
    "in",
    "it",
    "you",
    "that",
    "for",
    "on",
    "with",
    "this",
    "my",
    "not",
    "have",
    "are",
    "be",
    "can",
    "hello",
    "hi",
    "thanks",
    "please",
    "regards",
    "does",
    "work",
    "i",
    "we",
    "was",
    "but",
  ],
  de: [
    "der",
    "die",
    "das",
    "und",
    "ist",
    "nicht",
    "ich",
    "sie",
    "mit",
    "für",
    "auf",
    "ein",
    "eine",
    "zu",
    "den",
    "von",
    "wir",
    "grüße",
    "danke",
    "bitte",
  ],
  fr: [
    "le",
    "les",
    "des",
    "et",
    "est",
    "une",
    "pas",
    "pour",
    "je",
    "vous",
    "avec",
    "sur",
    "dans",
    "bonjour",
    "merci",
    "cordialement",
    "nous",
    "qui",
  ],
  pt: [
    "o",
    "os",
    "não",
    "um",
    "uma",
    "para",
    "com",
    "é",
    "obrigado",
    "olá",
    "você",
    "está",
    "mais",
    "muito",
    "isso",
    "em",
  ],
  it: [
    "il",
    "di",
    "che",
    "è",
    "per",
    "non",
    "una",
    "sono",
    "grazie",
    "ciao",
    "della",
    "questo",
    "anche",
    "con",
    "gli",
  ],
};

/**
 * Passages the writer did not write: text in quotation marks (an error message as a program shows
 * it) and lines quoted with ">". Quotes open after a space or the line start and close before a space
 * or punctuation, so apostrophes ("won't", "it's") are not quotes. Bounded: 200 characters a passage.
 */
const PASTED =
  /(?<=^|[\s:([])["“«'‘](?=\S)[^"“”«»\n]{1,200}?(?<=\S)["”»'’](?=$|[\s.,;:!?)\]])|^[ \t]*>.*$/gmu;

/** Detection reads the first words of a text: a bound on the input is a bound on the time. */
const MAX_DETECTED_CHARS = 8_000;

/**
 * The language a text is most likely written in (ISO 639-1), by counting common words;
 * undefined when the text gives too little to tell. What the writer pasted or quoted counts only
 * when the writer's own words cannot tell.
 */
export function detectLanguage(text: string): string | undefined {
  const head = text.slice(0, MAX_DETECTED_CHARS);
  return byCommonWords(head.replace(PASTED, " ")) ?? byCommonWords(head);
}

function byCommonWords(text: string): string | undefined {
  const words =
    text
      .toLowerCase()
      .match(/\p{L}+/gu)
      ?.slice(0, 400) ?? [];
  if (words.length === 0) return undefined;
  let best: string | undefined;
  let bestScore = 0;
  for (const [language, list] of Object.entries(STOPWORDS)) {
    const set = new Set(list);
    const score = words.filter((word) => set.has(word)).length;
    if (score > bestScore) {
      best = language;
      bestScore = score;
    }
  }
  return bestScore >= 2 || (bestScore >= 1 && words.length <= 6) ? best : undefined;
}

/** The client locale aviso writes in: the detected language when supported, else the default. */
export function clientLocale(text: string, fallback: "es" | "en"): "es" | "en" {
  const detected = detectLanguage(text);
  return detected === "es" || detected === "en" ? detected : fallback;
}
