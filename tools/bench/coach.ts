import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CoachLocale, type CoachRule, coachText } from "../../functions/core/coach";
import type { Figure } from "./figure";

export interface LabelledText {
  lang: CoachLocale;
  /** Written after the rules and scored once before it joined the set. */
  holdout?: boolean;
  /** A later batch, scored once, then used to extend the rules (its first score is in the set's "about"). */
  late?: number;
  text: string;
  eta?: string;
  today?: string;
  flags: { rule: CoachRule; phrase: string }[];
}

export function coachTexts(): LabelledText[] {
  const file = join(import.meta.dirname, "../../test/data/coach-texts.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { texts: LabelledText[] }).texts;
}

const fold = (s: string) =>
  s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[\u2019]/g, "'");

export interface CoachScore {
  texts: number;
  /** Per text, flagged or not. */
  textPrecision: number;
  textRecall: number;
  /** Per (text, rule) pair: the rules named for a text against the rules labelled for it. */
  rulePrecision: number;
  ruleRecall: number;
  /** Labelled phrases that a flag of the same rule overlaps (one contains the other). */
  phraseRecall: number;
  misses: { text: string; expected: string[]; got: string[] }[];
}

/** Scores the coach against the labelled set. */
export function scoreCoach(texts: LabelledText[] = coachTexts()): CoachScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let rtp = 0;
  let rfp = 0;
  let rfn = 0;
  let phrases = 0;
  let phrasesFound = 0;
  const misses: CoachScore["misses"] = [];
  for (const t of texts) {
    const flags = coachText(t.text, t.lang, { eta: t.eta, today: t.today });
    const expected = new Set(t.flags.map((f) => f.rule));
    const got = new Set(flags.map((f) => f.rule));
    if (expected.size > 0 && got.size > 0) tp++;
    else if (got.size > 0) fp++;
    else if (expected.size > 0) fn++;
    for (const rule of got)
      if (expected.has(rule)) rtp++;
      else rfp++;
    for (const rule of expected) if (!got.has(rule)) rfn++;
    for (const want of t.flags) {
      phrases++;
      const w = fold(want.phrase);
      if (
        flags.some((f) => f.rule === want.rule && (fold(f.phrase).includes(w) || w.includes(fold(f.phrase))))
      )
        phrasesFound++;
    }
    const same = [...expected].sort().join() === [...got].sort().join();
    if (!same)
      misses.push({
        text: t.text,
        expected: t.flags.map((f) => `${f.rule}:${f.phrase}`),
        got: flags.map((f) => `${f.rule}:${f.phrase}`),
      });
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  return {
    texts: texts.length,
    textPrecision: ratio(tp, tp + fp),
    textRecall: ratio(tp, tp + fn),
    rulePrecision: ratio(rtp, rtp + rfp),
    ruleRecall: ratio(rtp, rtp + rfn),
    phraseRecall: ratio(phrasesFound, phrases),
    misses,
  };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export async function coachFigures(): Promise<Figure[]> {
  const texts = coachTexts();
  const score = scoreCoach(texts);
  const risky = texts.filter((t) => t.flags.length > 0).length;
  const set = `${texts.length} labelled texts (es ${texts.filter((t) => t.lang === "es").length}, en ${texts.filter((t) => t.lang === "en").length}; ${risky} risky)`;
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < 1500)
    for (const t of texts) {
      coachText(t.text, t.lang, { eta: t.eta, today: t.today });
      count++;
    }
  const holdout = texts.filter((t) => t.holdout);
  const late = scoreCoach(holdout);
  const perSecond = count / ((performance.now() - started) / 1000);
  const long = "Mañana sin falta lo tienes, te lo garantizo. ".repeat(500);
  const t0 = performance.now();
  coachText(long, "es");
  const longMs = performance.now() - t0;
  return [
    {
      name: "coach precision (per text, rule match)",
      value: round3(score.rulePrecision),
      unit: "",
      note: `target ≥ 0.9; ${set}`,
    },
    {
      name: "coach recall (per text, rule match)",
      value: round3(score.ruleRecall),
      unit: "",
      note: "target ≥ 0.9; same set",
    },
    {
      name: "coach precision (per text, flagged or not)",
      value: round3(score.textPrecision),
      unit: "",
      note: "same set",
    },
    {
      name: "coach recall (per text, flagged or not)",
      value: round3(score.textRecall),
      unit: "",
      note: "same set",
    },
    {
      name: "coach precision, held-out texts",
      value: round3(late.rulePrecision),
      unit: "",
      note: `${holdout.length} texts marked holdout, written after the rules and never used to change them`,
    },
    {
      name: "coach recall, held-out texts",
      value: round3(late.ruleRecall),
      unit: "",
      note: "same texts",
    },
    {
      name: "coach labelled phrases found",
      value: round3(score.phraseRecall),
      unit: "",
      note: "a flag of the same rule overlaps the labelled words",
    },
    {
      name: "coach throughput",
      value: Math.round(perSecond),
      unit: "texts/s",
      note: "labelled set, round robin",
    },
    {
      name: "coach, 22 KB text (capped at 20,000 chars)",
      value: Math.round(longMs * 10) / 10,
      unit: "ms",
      note: "one call",
    },
  ];
}
