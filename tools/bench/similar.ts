import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  addIncident,
  buildIndex,
  load,
  type ResolvedIncident,
  removeIncident,
  serialize,
  similarIncidents,
} from "../../functions/core/similar";
import type { Figure } from "./figure";

export interface LabelledIncident extends ResolvedIncident {
  family: string;
}

export interface LabelledRequest {
  family: string;
  locale: ResolvedIncident["locale"];
  subject: string;
  text: string;
}

function labelledSet(): { incidents: LabelledIncident[]; requests: LabelledRequest[] } {
  const file = join(import.meta.dirname, "../../test/data/incidents.json");
  return JSON.parse(readFileSync(file, "utf8"));
}

export const labelledIncidents = (): LabelledIncident[] => labelledSet().incidents;
/** New tickets written after the ranking was fixed, never used to tune it. */
export const heldOutRequests = (): LabelledRequest[] => labelledSet().requests;

/** Share of held-out requests with an incident of their family among the top k of the whole set. */
export function scoreRequests(
  incidents: LabelledIncident[] = labelledIncidents(),
  requests: LabelledRequest[] = heldOutRequests(),
  k = 3,
): number {
  const family = new Map(incidents.map((i) => [i.code, i.family]));
  const index = buildIndex(incidents);
  const hits = requests.filter((r) =>
    similarIncidents(index, r, k).some((t) => family.get(t.code) === r.family),
  ).length;
  return hits / requests.length;
}

export interface SimilarScore {
  queries: number;
  /** Share of queries with an incident of their own family among the top k. */
  recallAtK: number;
  /** Same, Spanish and English queries apart. */
  byLocale: Record<string, number>;
  /** Mean seconds per query (analysis + ranking), leave-one-out bookkeeping excluded. */
  secondsPerQuery: number;
  misses: { code: string; family: string; subject: string; got: string[] }[];
}

/**
 * Leave-one-out: each incident, as a new request (subject and text only), is taken out of the index and ranked
 * against all the others; a hit is an incident of its family among the top k.
 */
export function scoreSimilar(incidents: LabelledIncident[] = labelledIncidents(), k = 3): SimilarScore {
  const family = new Map(incidents.map((i) => [i.code, i.family]));
  const index = buildIndex(incidents);
  let hits = 0;
  let querySeconds = 0;
  const perLocale: Record<string, { hits: number; total: number }> = {};
  const misses: SimilarScore["misses"] = [];
  for (const incident of incidents) {
    removeIncident(index, incident.code);
    const started = performance.now();
    const top = similarIncidents(
      index,
      { subject: incident.subject, text: incident.text, locale: incident.locale },
      k,
    );
    querySeconds += (performance.now() - started) / 1000;
    addIncident(index, incident);
    const hit = top.some((t) => family.get(t.code) === incident.family);
    const tally = perLocale[incident.locale] ?? { hits: 0, total: 0 };
    perLocale[incident.locale] = tally;
    tally.total++;
    if (hit) {
      hits++;
      tally.hits++;
    } else
      misses.push({
        code: incident.code,
        family: incident.family,
        subject: incident.subject,
        got: top.map((t) => `${t.code} ${family.get(t.code)}`),
      });
  }
  return {
    queries: incidents.length,
    recallAtK: hits / incidents.length,
    byLocale: Object.fromEntries(Object.entries(perLocale).map(([l, t]) => [l, t.hits / t.total])),
    secondsPerQuery: querySeconds / incidents.length,
    misses,
  };
}

export async function similarFigures(): Promise<Figure[]> {
  const incidents = labelledIncidents();
  const families = new Set(incidents.map((i) => i.family)).size;
  scoreSimilar(incidents); // warm the JIT once
  const score = scoreSimilar(incidents);
  const requests = heldOutRequests();
  const fresh = scoreRequests(incidents, requests);
  let started = performance.now();
  const index = buildIndex(incidents);
  const buildMs = performance.now() - started;
  const json = serialize(index);
  started = performance.now();
  load(json);
  const loadMs = performance.now() - started;
  const round3 = (n: number) => Math.round(n * 1000) / 1000;
  return [
    {
      name: "similar incidents recall@3 (leave-one-out)",
      value: round3(score.recallAtK),
      unit: "",
      note: `target ≥ 0.85; ${incidents.length} resolved incidents, ${families} families; es ${round3(score.byLocale.es ?? 0)}, en ${round3(score.byLocale.en ?? 0)}`,
    },
    {
      name: "similar incidents recall@3, held-out new requests",
      value: round3(fresh),
      unit: "",
      note: `${requests.length} requests written after the ranking was fixed, against all ${incidents.length} incidents`,
    },
    {
      name: "similar incidents, time per query",
      value: Math.round(score.secondsPerQuery * 1e6) / 1000,
      unit: "ms",
      note: `analyse + BM25 rank against ${incidents.length - 1} incidents`,
    },
    {
      name: "similar incidents, index size",
      value: Buffer.byteLength(json),
      unit: "bytes",
      note: `serialized JSON for all ${incidents.length} incidents (${(Buffer.byteLength(json) / incidents.length).toFixed(0)} bytes each)`,
    },
    {
      name: "similar incidents, build / load index",
      value: Math.round(buildMs * 10) / 10,
      unit: "ms",
      note: `build from ${incidents.length} incidents; load from JSON ${Math.round(loadMs * 10) / 10} ms`,
    },
  ];
}
