/**
 * The tone coach's rules, as data. Patterns are written lower-case and without accents: the coach matches them
 * against a folded copy of the text (same length, accents and case dropped), so "Mañana", "manana" and "MAÑANA"
 * are one word. Every pattern is a plain alternation of words joined by `\s+` (no nested quantifiers), wrapped in
 * letter/digit boundaries by the coach, so each runs in linear time over the capped text.
 */

export type CoachRule = "promise" | "date" | "negative";
export type CoachLocale = "es" | "en";

/** How a date-like match is compared with the command's ETA (a match that equals it is fine). */
export type DateKind =
  | { kind: "relative"; days: number }
  | { kind: "weekday" }
  | { kind: "clock" }
  | { kind: "numeric" }
  | { kind: "day-month" }
  | { kind: "month-day" }
  | { kind: "day-of-month" }
  | { kind: "always" };

export interface RuleSpec {
  rule: CoachRule;
  locale: CoachLocale;
  pattern: string;
  /** Not flagged when a negator ("no", "not", "n't", "nada", "nothing"…) stands among the 3 words before it. */
  negatable?: boolean;
  /** Not flagged when the text right before the match (same clause) matches this, anchored at its end. */
  unlessBefore?: string;
  /** Not flagged when the text right after the match matches this, anchored at its start. */
  unlessAfter?: string;
  date?: DateKind;
  suggestion: string;
}

export const WHY: Record<CoachLocale, Record<CoachRule, string>> = {
  es: {
    promise:
      "Promete menos y cumple más: nadie tiene esa certeza, y si falla el cliente confía menos que si no se hubiera dicho.",
    date: "Ninguna fecha que no sea real: la única fecha que ve el cliente es la previsión que registras como eta.",
    negative: "Lenguaje positivo: di lo que vamos a hacer, no lo que no podemos, y sin culpar a nadie.",
  },
  en: {
    promise:
      "Promise less, deliver more: nobody has that certainty, and if it fails the client trusts us less than if it was never said.",
    date: "No date that is not real: the only date the client sees is the forecast you enter as the ETA.",
    negative: "Positive language: say what we will do, not what we cannot, and blame no one.",
  },
};

const SUGGEST = {
  es: {
    promise:
      "Cuenta lo hecho y lo esperado: «Hemos cambiado la pieza; debería quedar resuelto y lo comprobamos contigo».",
    date: "Quita la fecha del texto y regístrala como previsión (eta) del comando, o di «te escribo con una fecha en cuanto la tengamos».",
    negative: "Di lo que sí podemos hacer: «Lo que podemos hacer es…».",
    blame:
      "Explica la causa sin culpables: «El fallo vino de…; ya lo hemos corregido y te cuento cómo evitarlo».",
  },
  en: {
    promise:
      "Say what was done and what you expect: “We replaced the part; it should be solved, and we'll check it with you.”",
    date: "Take the date out of the text and enter it as the command's ETA, or say “I'll send you a date as soon as we have one.”",
    negative: "Say what we can do: “What we can do is…”.",
    blame:
      "Explain the cause without blame: “The fault came from…; it's fixed, and here is how to avoid it.”",
  },
} as const;

const WEEKDAYS_ES = "lunes|martes|miercoles|jueves|viernes|sabado|domingo";
const WEEKDAYS_EN = "monday|tuesday|wednesday|thursday|friday|saturday|sunday";
const MONTHS_ES =
  "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre";
const MONTHS_EN =
  "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";
const COUNT_ES =
  "\\d{1,3}|una?|dos|tres|cuatro|cinco|seis|siete|ocho|diez|doce|veinte|treinta|un\\s+par\\s+de";
const COUNT_EN =
  "\\d{1,3}|an?|one|two|three|four|five|six|seven|eight|ten|twelve|twenty|thirty|a\\s+couple\\s+of";
const DAY = "(?:0?[1-9]|[12]\\d|3[01])";
const HOUR = "(?:[01]?\\d|2[0-4])(?::[0-5]\\d|\\.[0-5]\\d|h)?";

const es = (rule: CoachRule, pattern: string, extra: Partial<RuleSpec> = {}): RuleSpec => ({
  rule,
  locale: "es",
  pattern,
  suggestion: SUGGEST.es[rule],
  ...extra,
});
const en = (rule: CoachRule, pattern: string, extra: Partial<RuleSpec> = {}): RuleSpec => ({
  rule,
  locale: "en",
  pattern,
  suggestion: SUGGEST.en[rule],
  ...extra,
});

export const RULES: readonly RuleSpec[] = [
  // ── Spanish: absolute promises ──
  es("promise", "sin\\s+falta"),
  es(
    "promise",
    "(?:es\\s+|estoy\\s+|estamos\\s+|esta\\s+)?(?:totalmente\\s+)?segur[oa]s?\\s+(?:de\\s+)?que",
    {
      negatable: true,
      unlessBefore: "(?:el|un|del|al|tu|su|mi|nuestro|este|ese)\\s{1,3}$",
    },
  ),
  es("promise", "seguro", {
    unlessBefore: "(?:el|un|del|al|tu|su|mi|es|esta|estoy|no)\\s{1,3}$",
    unlessAfter: "^\\s*[\\p{L}\\p{N}]",
  }),
  es("promise", "(?:(?:te|os|le|les)\\s+(?:lo\\s+|la\\s+)?)?garantiz(?:o|amos|ado|ada|ados|adas)", {
    negatable: true,
  }),
  es("promise", "(?:te|os|le|les)\\s+(?:lo\\s+)?asegur(?:o|amos)", { negatable: true }),
  es("promise", "(?:(?:te|os|le|les)\\s+(?:lo\\s+)?)?promet(?:o|emos)|prometido", { negatable: true }),
  es("promise", "(?:puedes\\s+)?cuenta\\s+con\\s+ello|(?:puedes\\s+)?contar\\s+con\\s+ello", {
    negatable: true,
  }),
  es("promise", "sin\\s+(?:ninguna\\s+)?duda(?:\\s+alguna)?|sin\\s+lugar\\s+a\\s+dudas"),
  es("promise", "con\\s+(?:toda|total|absoluta)\\s+seguridad"),
  es("promise", "(?:al\\s+)?(?:100\\s?%|100\\s+por\\s+(?:cien|ciento)|cien\\s+por\\s+cien)", {
    unlessAfter: "^\\s+de\\s",
    negatable: true,
  }),
  es("promise", "si\\s+o\\s+si"),
  es(
    "promise",
    "nunca\\s+(?:mas\\s+)?(?:se\\s+)?(?:volvera|vuelve)\\s+a|no\\s+(?:se\\s+)?(?:volvera|vuelve|va\\s+a\\s+volver)\\s+a\\s+(?:fallar|pasar|ocurrir|romperse|caerse)",
  ),
  // ── Spanish: dates and times ──
  es("date", "pasado\\s+manana", { date: { kind: "relative", days: 2 } }),
  es("date", "manana", {
    unlessBefore: "(?:la|las|una|esta|de|pasado|cada)\\s{1,3}$",
    date: { kind: "relative", days: 1 },
  }),
  es("date", "esta\\s+(?:manana|tarde|noche)|hoy\\s+(?:por\\s+la\\s+(?:tarde|noche)|a\\s+ultima\\s+hora)", {
    date: { kind: "relative", days: 0 },
  }),
  es(
    "date",
    `(?:(?:el|este|del|al|para\\s+el|hasta\\s+el)\\s+(?:proximo\\s+)?(?:${WEEKDAYS_ES})|(?:proximo)\\s+(?:${WEEKDAYS_ES}))(?:\\s+(?:dia\\s+)?${DAY}(?!\\s*%))?`,
    { unlessAfter: "^\\s+(?:pasado|anterior)", date: { kind: "weekday" } },
  ),
  es("date", `(?:${WEEKDAYS_ES})\\s+(?:que\\s+viene|proximo)`, { date: { kind: "weekday" } }),
  es(
    "date",
    "(?:la|el)\\s+(?:semana|mes)\\s+que\\s+viene|(?:la|el)\\s+(?:proxima\\s+semana|proximo\\s+mes)|esta\\s+semana|este\\s+fin\\s+de\\s+semana|(?:antes\\s+del?|a)\\s+fin(?:al)?\\s+de\\s+(?:semana|mes)",
    { date: { kind: "always" } },
  ),
  es("date", `(?:en|dentro\\s+de)\\s+(?:${COUNT_ES})\\s+(?:horas?|dias?|minutos?|semanas?)`, {
    date: { kind: "always" },
  }),
  es("date", `(?:a|antes\\s+de|sobre|hacia|hasta|para)\\s+las?\\s+${HOUR}`, { date: { kind: "clock" } }),
  es("date", "(?:a|antes\\s+del?|sobre|hacia|hasta|para)\\s+(?:el\\s+)?(?:mediodia|medianoche)", {
    date: { kind: "always" },
  }),
  es("date", `${DAY}\\/(?:0?[1-9]|1[0-2])(?:\\/(?:\\d{4}|\\d{2}))?`, { date: { kind: "day-month" } }),
  es("date", `${DAY}\\s+de\\s+(?:${MONTHS_ES})(?:\\s+de\\s+\\d{4})?`, { date: { kind: "numeric" } }),
  es("date", `el\\s+(?:dia\\s+${DAY}|${DAY}(?=\\s*[,.;:!?]|\\s*$|\\s+por\\s+la|\\s+a\\s+las|\\s+antes))`, {
    date: { kind: "day-of-month" },
  }),
  // ── Spanish: negative or blaming framing ──
  es("negative", "imposibles?", { negatable: true }),
  es(
    "negative",
    "no\\s+(?:(?:te|os|le|les|lo|la|los|las|me|nos|se)\\s+){0,2}(?:puedo|podemos|podremos|podre|podria|podriamos)",
    {
      unlessAfter:
        "^\\s+(?:\\p{L}+\\s+)?(?:garantizar|asegurar|prometer|descartar|confirmar|dar\\s+(?:una\\s+)?fecha)",
    },
  ),
  es(
    "negative",
    "no\\s+se\\s+(?:puede|podra|podria)|no\\s+es\\s+posible|no\\s+hay\\s+(?:nada\\s+que\\s+hacer|(?:forma|manera)\\s+de)",
    {
      unlessAfter: "^\\s+(?:garantizar|asegurar|descartar|saber|confirmar|dar\\s+(?:una\\s+)?fecha)",
    },
  ),
  es(
    "negative",
    "no\\s+es\\s+(?:culpa|cosa|problema)\\s+nuestr[oa]|no\\s+es\\s+nuestro\\s+problema|no\\s+es\\s+nuestra\\s+culpa",
    {
      suggestion: SUGGEST.es.blame,
    },
  ),
  es(
    "negative",
    "culpa\\s+tuya|tu\\s+culpa|la\\s+culpa\\s+es|es\\s+tu\\s+responsabilidad|(?:es|fue)\\s+culpa\\s+(?:del|de\\s+la|de\\s+los|de\\s+las)",
    {
      negatable: true,
      suggestion: SUGGEST.es.blame,
    },
  ),
  es(
    "negative",
    "deber(?:ias|iais|ia|ian)\\s+haber(?:lo|la|los|las|le|les|nos|me|te)?|tendr(?:ias|iais|ia|ian)\\s+que\\s+haber(?:lo|la|los|las|le|les|nos|me|te)?",
    {
      suggestion: SUGGEST.es.blame,
    },
  ),
  es(
    "negative",
    "como\\s+ya\\s+te\\s+(?:dije|dijimos|explique|explicamos)|ya\\s+te\\s+lo\\s+(?:dije|dijimos|habia\\s+dicho)",
    {
      suggestion: SUGGEST.es.blame,
    },
  ),

  // ── English: absolute promises ──
  en("promise", "without\\s+fail"),
  en("promise", "guaranteed|guarantee", {
    negatable: true,
    unlessBefore: "(?:the|a|an|under|no|its|our|your|their|this|that|with|without|of|money-back)\\s{1,3}$",
  }),
  en("promise", "(?:i|we)\\s+promise", { negatable: true }),
  en("promise", "promise", {
    unlessBefore: "(?:a|the|no|my|our|your|this|that|any|to|i|we|can't|cannot)\\s{1,3}$",
    unlessAfter: "^\\s*[\\p{L}\\p{N}]",
  }),
  en("promise", "definitely|absolutely", { negatable: true }),
  en("promise", "certainly", { negatable: true, unlessAfter: "^\\s*," }),
  en(
    "promise",
    "for\\s+sure|(?:i'm|i\\s+am|we're|we\\s+are)\\s+(?:sure|certain|positive)|count\\s+on\\s+it",
    { negatable: true },
  ),
  en("promise", "(?:a\\s+)?(?:100\\s?%|100\\s+percent|hundred\\s+percent)", {
    negatable: true,
    unlessAfter: "^\\s+of\\s",
  }),
  en("promise", "rest\\s+assured|(?:i|we)\\s+assure\\s+you|i\\s+swear"),
  en("promise", "without\\s+(?:a|any)\\s+doubt|no\\s+doubt|no\\s+question"),
  en("promise", "(?:will\\s+never|won't\\s+ever|won't)\\s+(?:happen|fail|break)\\s+again"),
  // ── English: dates and times ──
  en("date", "tomorrow", { date: { kind: "relative", days: 1 } }),
  en(
    "date",
    "tonight|this\\s+(?:morning|afternoon|evening)|(?:by\\s+)?end\\s+of\\s+(?:the\\s+)?(?:day|business)|eod|later\\s+today",
    { date: { kind: "relative", days: 0 } },
  ),
  en("date", `(?:on|by|until|till|before|next|this|coming|first\\s+thing|early|late)\\s+(?:${WEEKDAYS_EN})`, {
    unlessAfter: "^\\s*(?:to|through|-)\\s",
    date: { kind: "weekday" },
  }),
  en("date", `(?:${WEEKDAYS_EN})\\s+(?:morning|afternoon|evening|night|at)`, {
    unlessBefore: "(?:last|every|on)\\s{1,3}$",
    date: { kind: "weekday" },
  }),
  en(
    "date",
    "(?:next|this)\\s+(?:week|weekend|month)|over\\s+the\\s+weekend|(?:by\\s+)?end\\s+of\\s+(?:the\\s+)?(?:week|month)",
    {
      date: { kind: "always" },
    },
  ),
  en("date", `(?:in|within)\\s+(?:${COUNT_EN})\\s+(?:hours?|days?|minutes?|weeks?)|within\\s+the\\s+hour`, {
    date: { kind: "always" },
  }),
  en(
    "date",
    "(?:around|about|approximately)\\s+(?:[01]?\\d|2[0-3])(?::[0-5]\\d(?:\\s?[ap]\\.?m\\.?)?|\\s?[ap]\\.?m\\.?)",
    {
      date: { kind: "clock" },
    },
  ),
  en("date", "(?:at|by|before|until|around)\\s+(?:noon|midday|midnight)", { date: { kind: "always" } }),
  en("date", `(?:at|by|before|until)\\s+${HOUR}(?:\\s?[ap]\\.?m\\.?)?(?!\\s*(?:%|gb|mb|kb|percent))`, {
    date: { kind: "clock" },
  }),
  en("date", `${HOUR}\\s?[ap]\\.?m\\.?`, { date: { kind: "clock" } }),
  en("date", `(?:0?[1-9]|1[0-2])\\/${DAY}(?:\\/(?:\\d{4}|\\d{2}))?`, { date: { kind: "month-day" } }),
  en("date", `(?:${MONTHS_EN})\\.?\\s+${DAY}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?`, {
    date: { kind: "numeric" },
  }),
  en("date", `${DAY}(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${MONTHS_EN})(?:,?\\s+\\d{4})?`, {
    date: { kind: "numeric" },
  }),
  en("date", `the\\s+${DAY}(?:st|nd|rd|th)`, { date: { kind: "day-of-month" } }),
  // ── English: negative or blaming framing ──
  en("negative", "impossible", { negatable: true }),
  en(
    "negative",
    "(?:we|i)\\s+(?:can't|cannot|can\\s+not|won't\\s+be\\s+able|will\\s+not\\s+be\\s+able)|(?:we're|we\\s+are|i'm|i\\s+am)\\s+(?:unable|not\\s+able)",
    {
      unlessAfter:
        "^\\s+(?:to\\s+)?(?:guarantee|promise|rule\\s+out|confirm|say\\s+for\\s+sure|give\\s+(?:you\\s+)?a\\s+date)",
    },
  ),
  en(
    "negative",
    "(?:can't|cannot)\\s+be\\s+(?:done|helped|fixed|recovered)|nothing\\s+(?:we|i)\\s+can\\s+do|no\\s+way\\s+(?:we|i)\\s+can",
  ),
  en("negative", "(?:it's|it\\s+is|that's|that\\s+is)\\s+not\\s+possible|(?:it|that)\\s+isn't\\s+possible", {
    unlessAfter: "^\\s+to\\s+(?:say|know|confirm|guarantee|be\\s+sure|give\\s+(?:you\\s+)?a\\s+date)",
  }),
  en("negative", "(?:not|isn't|wasn't)\\s+(?:our|my)\\s+(?:fault|problem)", { suggestion: SUGGEST.en.blame }),
  en("negative", "your\\s+(?:fault|responsibility)|(?:\\p{L}+'s|their|his|her)\\s+fault", {
    negatable: true,
    suggestion: SUGGEST.en.blame,
  }),
  en(
    "negative",
    "you\\s+(?:should\\s+have|should've|shouldn't\\s+have|were\\s+supposed\\s+to)|if\\s+you\\s+had\\s+(?:read|followed|told|called|listened|saved|checked)",
    { suggestion: SUGGEST.en.blame },
  ),
  en(
    "negative",
    "as\\s+(?:i|we)\\s+(?:already\\s+)?(?:told|said\\s+to)\\s+you|as\\s+(?:i|we)\\s+(?:already\\s+)?said",
    {
      suggestion: SUGGEST.en.blame,
    },
  ),
];

/** A date in a clause that opens with one of these is a condition ("si el lunes sigue fallando"), not a promise. */
export const CONDITIONALS: Record<CoachLocale, string> = {
  es: "si|en\\s+caso\\s+de\\s+que",
  en: "if|in\\s+case|unless",
};

export const NEGATORS: Record<CoachLocale, string> = {
  es: "no|nunca|nada|nadie|ni|tampoco|jamas",
  en: "not|no|never|nothing|nobody|cannot|can't|don't|isn't|won't|wasn't|aren't|couldn't",
};
