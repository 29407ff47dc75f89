import {
  CONDITIONALS,
  type CoachLocale,
  type CoachRule,
  type DateKind,
  NEGATORS,
  RULES,
  type RuleSpec,
  WHY,
} from "./coach-rules";

export type { CoachLocale, CoachRule } from "./coach-rules";

export interface CoachFlag {
  /** The words as the technician wrote them. */
  phrase: string;
  rule: CoachRule;
  /** The principle, one line, in the text's language. */
  why: string;
  suggestion: string;
  /** Offset of the phrase in the text (after Unicode NFC normalisation). */
  index: number;
}

export interface CoachOptions {
  /** The command's ETA ("YYYY-MM-DD HH:mm" local, or an ISO instant with offset): a date or time equal to it is fine. */
  eta?: string;
  /** The local day the text is written ("YYYY-MM-DD"), so "mañana" or "el jueves" can be compared with the ETA. */
  today?: string;
}

/** Longer texts are coached on their first MAX_COACH_TEXT characters only. */
export const MAX_COACH_TEXT = 20_000;
const QUOTE_SPAN = 400;
const WINDOW = 40;

interface Compiled {
  spec: RuleSpec;
  re: RegExp;
  before?: RegExp;
  after?: RegExp;
}

const compiled: Compiled[] = RULES.map((spec) => ({
  spec,
  re: new RegExp(`(?<![\\p{L}\\p{N}])(?:${spec.pattern})(?![\\p{L}\\p{N}])`, "gu"),
  before: spec.unlessBefore ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${spec.unlessBefore})`, "u") : undefined,
  after: spec.unlessAfter ? new RegExp(spec.unlessAfter, "u") : undefined,
}));

const conditional: Record<CoachLocale, RegExp> = {
  es: new RegExp(`(?<![\\p{L}\\p{N}])(?:${CONDITIONALS.es})(?![\\p{L}\\p{N}])`, "u"),
  en: new RegExp(`(?<![\\p{L}\\p{N}])(?:${CONDITIONALS.en})(?![\\p{L}\\p{N}])`, "u"),
};

const negators: Record<CoachLocale, Set<string>> = {
  es: new Set(NEGATORS.es.split("|")),
  en: new Set(NEGATORS.en.split("|")),
};

/** Lower case without accents, one UTF-16 unit for one, so offsets in the folded text are offsets in the text. */
function fold(text: string): string {
  let out = "";
  for (const unit of text.split("")) {
    const plain = unit.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
    out += plain.length === 1 ? plain : unit;
  }
  return out.replace(/[\u2018\u2019]/g, "'");
}

const QUOTE_PAIRS: Record<string, string> = { "«": "»", "“": "”", '"': '"', "„": "“" };

/** Blanks the client's words: quoted (> ) lines and text between quotation marks within one paragraph. */
function maskQuotes(folded: string): string {
  const chars = folded.split("");
  let lineStart = 0;
  for (let i = 0; i <= chars.length; i++) {
    if (i === chars.length || chars[i] === "\n") {
      const line = folded.slice(lineStart, i);
      if (/^\s*>/.test(line)) for (let j = lineStart; j < i; j++) chars[j] = " ";
      lineStart = i + 1;
    }
  }
  for (let i = 0; i < chars.length; i++) {
    const close = QUOTE_PAIRS[chars[i] as string];
    if (!close) continue;
    const limit = Math.min(chars.length, i + QUOTE_SPAN);
    let end = -1;
    for (let j = i + 1; j < limit; j++) {
      if (chars[j] === close) {
        end = j;
        break;
      }
      if (chars[j] === "\n" && chars[j + 1] === "\n") break;
    }
    if (end < 0) continue;
    for (let j = i; j <= end; j++) if (chars[j] !== "\n") chars[j] = " ";
    i = end;
  }
  return chars.join("");
}

function negated(locale: CoachLocale, before: string): boolean {
  const clause = before.split(/[.,;:!?¿¡()\n]/u).at(-1) ?? "";
  const words = clause.match(/[\p{L}']+/gu) ?? [];
  return words.slice(-3).some((word) => negators[locale].has(word));
}

interface Eta {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

function parseDay(value: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value.trim());
  return m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : undefined;
}

function parseEta(value: string | undefined): Eta | undefined {
  if (!value) return undefined;
  const day = parseDay(value);
  const time = /^\d{4}-\d{2}-\d{2}[ T](\d{2}):(\d{2})/.exec(value.trim());
  if (!day || !time) return undefined;
  const weekday = new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay();
  return { ...day, hour: Number(time[1]), minute: Number(time[2]), weekday };
}

const MONTHS: Record<string, number> = {};
for (const [i, names] of [
  "enero january jan",
  "febrero february feb",
  "marzo march mar",
  "abril april apr",
  "mayo may",
  "junio june jun",
  "julio july jul",
  "agosto august aug",
  "septiembre setiembre september sept sep",
  "octubre october oct",
  "noviembre november nov",
  "diciembre december dec",
].entries())
  for (const name of names.split(" ")) MONTHS[name] = i + 1;

const WEEKDAYS: Record<string, number> = {};
for (const [i, names] of [
  "domingo sunday",
  "lunes monday",
  "martes tuesday",
  "miercoles wednesday",
  "jueves thursday",
  "viernes friday",
  "sabado saturday",
].entries())
  for (const name of names.split(" ")) WEEKDAYS[name] = i;

function daysBetween(from: { year: number; month: number; day: number }, to: Eta): number {
  return (
    (Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000
  );
}

/** Whether a date-like phrase names the ETA itself (then it is the real date the technician entered). */
function isEta(kind: DateKind, phrase: string, eta: Eta | undefined, todayText: string | undefined): boolean {
  if (!eta) return false;
  const today = todayText ? parseDay(todayText) : undefined;
  const numbers = (phrase.match(/\d+/g) ?? []).map(Number);
  const words = phrase.match(/\p{L}+/gu) ?? [];
  const month = words.map((w) => MONTHS[w]).find((m) => m !== undefined);
  switch (kind.kind) {
    case "relative":
      return today !== undefined && daysBetween(today, eta) === kind.days;
    case "weekday": {
      const weekday = words.map((w) => WEEKDAYS[w]).find((d) => d !== undefined);
      if (weekday !== eta.weekday) return false;
      if (numbers.length > 0 && numbers[0] !== eta.day) return false;
      if (!today) return true;
      const ahead = daysBetween(today, eta);
      return ahead > 0 && ahead <= 7;
    }
    case "clock": {
      const [hour = -1, minute = 0] = numbers;
      return hour % 12 === eta.hour % 12 && minute === eta.minute;
    }
    case "day-month":
    case "month-day": {
      const [first, second, year] = numbers;
      const [d, m] = kind.kind === "day-month" ? [first, second] : [second, first];
      return d === eta.day && m === eta.month && (year === undefined || year % 100 === eta.year % 100);
    }
    case "numeric":
      return (
        numbers[0] === eta.day && month === eta.month && (numbers[1] === undefined || numbers[1] === eta.year)
      );
    case "day-of-month":
      return numbers[0] === eta.day;
    case "always":
      return false;
  }
}

/**
 * Flags the wording a technician's client-bound text should not carry: absolute promises, dates or times that
 * are not the command's ETA, and negative or blaming framing. The client's words (quoted lines, text in quotation
 * marks) are not the technician's and are skipped.
 */
export function coachText(text: string, locale: CoachLocale, options: CoachOptions = {}): CoachFlag[] {
  const source = text.normalize("NFC").slice(0, MAX_COACH_TEXT);
  const folded = maskQuotes(fold(source));
  const eta = parseEta(options.eta);
  const found: { start: number; end: number; spec: RuleSpec }[] = [];
  for (const { spec, re, before, after } of compiled) {
    if (spec.locale !== locale) continue;
    re.lastIndex = 0;
    for (let m = re.exec(folded); m; m = re.exec(folded)) {
      const start = m.index;
      const end = start + m[0].length;
      const windowBefore = folded.slice(Math.max(0, start - WINDOW), start);
      if (before?.test(windowBefore.split(/[.;:!?¿¡\n]/u).at(-1) ?? "")) continue;
      const clause = windowBefore.split(/[.,;:!?¿¡()\n]/u).at(-1) ?? "";
      if (spec.rule === "date" && conditional[locale].test(clause)) continue;
      if (after?.test(folded.slice(end, end + WINDOW))) continue;
      if (spec.negatable && negated(locale, windowBefore)) continue;
      if (spec.date && isEta(spec.date, m[0], eta, options.today)) continue;
      found.push({ start, end, spec });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: typeof found = [];
  const reach: Partial<Record<CoachRule, number>> = {};
  for (const f of found) {
    if (f.start < (reach[f.spec.rule] ?? 0)) continue; // overlaps a longer flag of the same rule
    reach[f.spec.rule] = f.end;
    kept.push(f);
  }
  return kept.map(({ start, end, spec }) => ({
    phrase: source.slice(start, end),
    rule: spec.rule,
    why: WHY[locale][spec.rule],
    suggestion: spec.suggestion,
    index: start,
  }));
}
