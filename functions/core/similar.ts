import { stemmer as stemEnglish } from "@orama/stemmers/english";
import { stemmer as stemSpanish } from "@orama/stemmers/spanish";
import { stopwords as englishStopwords } from "@orama/stopwords/english";
import { stopwords as spanishStopwords } from "@orama/stopwords/spanish";
import MiniSearch, { type Options } from "minisearch";

/**
 * Similar past incidents (issue 17): BM25 ranking (MiniSearch's BM25+) of resolved incidents against a new
 * request, over text folded (case, accents), cleared of Spanish and English stop words and stemmed (Snowball) in
 * the language each text was written in. Terms of one language meet the other's only where they are spelt the
 * same (product names, error codes, "VPN"): no translation, so no cross-language claim.
 *
 * The index is plain data: `serialize` gives a JSON string and `load` reads it back, so it can be kept in S3 or
 * DynamoDB and updated with `addIncident` when a ticket is resolved, never rebuilt from a table scan.
 */

export type IncidentLocale = "es" | "en";

export interface ResolvedIncident {
  code: string;
  subject: string;
  /** The client's request as received. */
  text: string;
  cause: string;
  fix: string;
  locale: IncidentLocale;
}

export interface SimilarRequest {
  subject: string;
  text: string;
  locale: IncidentLocale;
}

export interface SimilarIncident {
  code: string;
  subject: string;
  cause: string;
  fix: string;
  score: number;
}

export interface SimilarIndex {
  readonly search: MiniSearch<ResolvedIncident>;
}

/** Requests and incidents are read on their first MAX_SIMILAR_TEXT characters per field. */
export const MAX_SIMILAR_TEXT = 4_000;
const FORMAT = "aviso-similar/1";

const fold = (word: string) => word.normalize("NFD").replace(/\p{M}/gu, "");
const STOP: Record<IncidentLocale, Set<string>> = {
  es: new Set(spanishStopwords.map(fold)),
  en: new Set(englishStopwords.map(fold)),
};

/** A word's index terms: stemmed as written and stemmed unaccented, so "actualización" meets "actualizacion". */
function termsOf(word: string, locale: IncidentLocale): string[] {
  const lower = word.toLowerCase();
  const plain = fold(lower);
  if (plain.length < 2 || STOP[locale].has(plain) || STOP[locale === "es" ? "en" : "es"].has(plain))
    return [];
  if (/^\d+$/.test(plain)) return plain.length > 1 ? [plain] : [];
  const stem = locale === "es" ? stemSpanish : stemEnglish;
  const asWritten = fold(stem(lower));
  const unaccented = stem(plain);
  return asWritten === unaccented ? [asWritten] : [asWritten, unaccented];
}

/** Text → space-separated index terms in its language; the index itself only splits on spaces. */
export function analyse(text: string, locale: IncidentLocale): string {
  const words = text.slice(0, MAX_SIMILAR_TEXT).match(/[\p{L}\p{N}]+(?:[-_.][\p{L}\p{N}]+)*/gu) ?? [];
  const out: string[] = [];
  for (const word of words) {
    out.push(...termsOf(word, locale));
    // Compound names and codes ("HL-1110", "0x80070002", "srv-fs01") count whole and by their parts.
    if (/[-_.]/.test(word)) for (const part of word.split(/[-_.]/)) out.push(...termsOf(part, locale));
  }
  return out.join(" ");
}

const SEARCHED = {
  subjectTerms: "subject",
  textTerms: "text",
  causeTerms: "cause",
  fixTerms: "fix",
} as const;
const splitOnSpaces = (text: string) => text.split(" ").filter(Boolean);

const OPTIONS: Options<ResolvedIncident> = {
  idField: "code",
  fields: Object.keys(SEARCHED),
  // What the technicians' notice shows, as written.
  storeFields: ["subject", "cause", "fix", "locale"],
  extractField: (incident, field) => {
    const source = SEARCHED[field as keyof typeof SEARCHED];
    const value = String(incident[source ?? (field as keyof ResolvedIncident)] ?? "");
    return source ? analyse(value, incident.locale) : value.slice(0, MAX_SIMILAR_TEXT);
  },
  tokenize: splitOnSpaces,
  processTerm: (term) => term,
  searchOptions: {
    boost: { subjectTerms: 1, textTerms: 1.5, causeTerms: 1, fixTerms: 0.5 },
    tokenize: splitOnSpaces,
    processTerm: (term) => term,
  },
};

export function buildIndex(incidents: readonly ResolvedIncident[]): SimilarIndex {
  const search = new MiniSearch<ResolvedIncident>(OPTIONS);
  search.addAll(incidents);
  return { search };
}

/** Adds (or, for a code already there, replaces) one resolved incident. */
export function addIncident(index: SimilarIndex, incident: ResolvedIncident): void {
  if (index.search.has(incident.code)) index.search.discard(incident.code);
  index.search.add(incident);
}

/** Removes one incident (a ticket reopened, or forgotten). */
export function removeIncident(index: SimilarIndex, code: string): void {
  if (index.search.has(code)) index.search.discard(code);
}

export function serialize(index: SimilarIndex): string {
  return JSON.stringify({ format: FORMAT, index: index.search });
}

export function load(json: string): SimilarIndex {
  const parsed = JSON.parse(json) as { format?: unknown; index?: unknown };
  if (parsed.format !== FORMAT || typeof parsed.index !== "object" || parsed.index === null)
    throw new Error(`not a similar-incidents index (expected format ${FORMAT})`);
  return { search: MiniSearch.loadJS<ResolvedIncident>(parsed.index as never, OPTIONS) };
}

/** Up to k resolved incidents most similar to the request, best first. */
export function similarIncidents(
  corpus: SimilarIndex | readonly ResolvedIncident[],
  request: SimilarRequest,
  k = 3,
): SimilarIncident[] {
  const index = Array.isArray(corpus) ? buildIndex(corpus) : (corpus as SimilarIndex);
  const query = analyse(`${request.subject} ${request.text}`, request.locale);
  if (!query) return [];
  return index.search
    .search(query, { combineWith: "OR" })
    .slice(0, k)
    .map((hit) => ({
      code: String(hit.id),
      subject: String(hit.subject ?? ""),
      cause: String(hit.cause ?? ""),
      fix: String(hit.fix ?? ""),
      score: Math.round(hit.score * 1000) / 1000,
    }));
}
