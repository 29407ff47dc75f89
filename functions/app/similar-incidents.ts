import type { Effect, Locale, MessageData, Ticket } from "../core";
import {
  addIncident,
  buildIndex,
  load,
  type ResolvedIncident,
  removeIncident,
  type SimilarIndex,
  type SimilarRequest,
  serialize,
  similarIncidents,
} from "../core/similar";
import type { Clock, Logger } from "./clock";
import type { IncidentIndexStore } from "./ports";

/**
 * Similar past incidents (issue 17), kept in one stored index (IncidentIndexStore) that a resolution
 * adds to and a new ticket's notice reads: no table scan, ever. Each warm process keeps the index it
 * read and asks the store again only after INDEX_TTL_SECONDS, with the version it holds, so an
 * unchanged index costs a conditional read and no transfer. A resolution made elsewhere reaches this
 * process's notices within that minute.
 */
export const INDEX_TTL_SECONDS = 60;
/** How many resolved incidents a new ticket's notice lists at most. */
export const SIMILAR_SHOWN = 3;
/** Compare-and-swap rounds before an index update gives up (each lost round means another writer won). */
export const INDEX_WRITE_ATTEMPTS = 5;

export interface SimilarIncidentsDeps {
  incidentIndex?: IncidentIndexStore;
  clock: Clock;
  log: Logger;
}

/** What the technicians' notice shows of each incident. */
export interface SimilarShown {
  code: string;
  subject: string;
  cause: string;
  fix: string;
}

interface Cached {
  index: SimilarIndex;
  version?: string;
  checkedAt: number;
}
// Keyed by the store: deps are built once per warm Lambda (or runtime), so the cache lives as long.
const cache = new WeakMap<IncidentIndexStore, Cached>();

function parse(document: string, log: Logger): SimilarIndex | undefined {
  try {
    return load(document);
  } catch (error) {
    log.error("similar-incidents index unreadable", { error: (error as Error).message });
    return undefined;
  }
}

async function fetchIndex(store: IncidentIndexStore, now: number, log: Logger): Promise<Cached> {
  const held = cache.get(store);
  const loaded = await store.load(held?.version);
  if (loaded === "unchanged" && held) {
    held.checkedAt = now;
    return held;
  }
  const fresh: Cached =
    loaded && loaded !== "unchanged"
      ? { index: parse(loaded.document, log) ?? buildIndex([]), version: loaded.version, checkedAt: now }
      : { index: buildIndex([]), checkedAt: now };
  cache.set(store, fresh);
  return fresh;
}

/** The index as this process knows it, read again once it is older than INDEX_TTL_SECONDS. */
export async function currentIndex(deps: SimilarIncidentsDeps): Promise<SimilarIndex | undefined> {
  const store = deps.incidentIndex;
  if (!store) return undefined;
  const now = deps.clock.now().getTime();
  const held = cache.get(store);
  if (held && now >= held.checkedAt && now - held.checkedAt < INDEX_TTL_SECONDS * 1000) return held.index;
  return (await fetchIndex(store, now, deps.log)).index;
}

/**
 * Applies a change to the stored index with compare-and-swap: read (conditionally, from what this
 * process holds), change, write on condition that nobody wrote since; on a lost race, again from the
 * winner's index. True once written, false after INDEX_WRITE_ATTEMPTS lost races.
 */
async function changeIndex(
  deps: SimilarIncidentsDeps & { incidentIndex: IncidentIndexStore },
  change: (index: SimilarIndex) => boolean,
): Promise<boolean> {
  const store = deps.incidentIndex;
  for (let attempt = 1; attempt <= INDEX_WRITE_ATTEMPTS; attempt++) {
    const now = deps.clock.now().getTime();
    const base = await fetchIndex(store, now, deps.log);
    // The cached index is changed in place: until the write succeeds it is no longer the stored one.
    cache.delete(store);
    if (!change(base.index)) {
      cache.set(store, base);
      return true;
    }
    // A replaced or removed incident is only discarded; its terms stay in the postings until a
    // vacuum. Vacuumed before writing, a forgotten client's words are not kept in the stored index.
    if (base.index.search.dirtCount > 0) await base.index.search.vacuum({ batchSize: 100_000, batchWait: 0 });
    const version = await store.save(serialize(base.index), base.version);
    if (version !== false) {
      cache.set(store, { index: base.index, version, checkedAt: now });
      return true;
    }
    // Writers that collided once would collide again in step: spread their next attempts.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
  }
  return false;
}

async function changeOrLog(
  deps: SimilarIncidentsDeps,
  what: Record<string, unknown>,
  change: (index: SimilarIndex) => boolean,
): Promise<boolean> {
  const store = deps.incidentIndex;
  if (!store) return false;
  let error: string | undefined;
  try {
    if (await changeIndex({ ...deps, incidentIndex: store }, change)) return true;
    error = `${INDEX_WRITE_ATTEMPTS} concurrent writes in a row`;
  } catch (failure) {
    error = `${(failure as Error).name}: ${(failure as Error).message}`;
  }
  deps.log.error("similar-incidents index not updated; the mail went out regardless", { ...what, error });
  return false;
}

/** A resolved ticket as the index keeps it: its request, and the cause (or else the diagnosis) and fix. */
export function incidentOf(ticket: Ticket): ResolvedIncident | undefined {
  if (!ticket.resolution) return undefined;
  return {
    code: ticket.id,
    subject: ticket.subject,
    text: ticket.request,
    cause: ticket.resolution.cause ?? ticket.diagnosis?.text ?? "",
    fix: ticket.resolution.fix,
    locale: ticket.client.locale,
  };
}

/**
 * After a ticket's resolution mail: adds the ticket to the index (again, if it was: it is replaced).
 * Never throws: the client's mail has gone and must not be sent again for the index's sake, so a
 * failure is logged (at error level) and the incident is missing from the
 * index until the ticket is resolved again. A ticket reopened meanwhile is not added.
 */
export async function recordResolvedIncident(
  deps: SimilarIncidentsDeps,
  ticket: Ticket | undefined,
): Promise<boolean> {
  const incident = ticket && ticket.status !== "open" ? incidentOf(ticket) : undefined;
  if (!incident || !deps.incidentIndex) return false;
  return changeOrLog(deps, { ticketId: incident.code, change: "add" }, (index) => {
    addIncident(index, incident);
    return true;
  });
}

/**
 * Takes tickets out of the index: a ticket reopened (its cause was not the cause), or tickets erased
 * (forgetting a client, retention), whose words must not outlive them. Never throws.
 */
export async function forgetIncidents(
  deps: SimilarIncidentsDeps,
  codes: readonly string[],
): Promise<boolean> {
  if (codes.length === 0 || !deps.incidentIndex) return false;
  return changeOrLog(deps, { ticketIds: codes, change: "remove" }, (index) => {
    const present = codes.filter((code) => index.search.has(code));
    for (const code of present) removeIncident(index, code);
    return present.length > 0;
  });
}

/**
 * Up to SIMILAR_SHOWN resolved incidents most like a new request, the ticket itself excluded. An
 * unreachable index gives none: the notice goes out without them rather than not at all.
 */
export async function similarForNotice(
  deps: SimilarIncidentsDeps,
  ticketId: string,
  request: SimilarRequest,
): Promise<SimilarShown[]> {
  try {
    const index = await currentIndex(deps);
    if (!index || index.search.documentCount === 0) return [];
    return similarIncidents(index, request, SIMILAR_SHOWN + 1)
      .filter((incident) => incident.code !== ticketId)
      .slice(0, SIMILAR_SHOWN)
      .map(({ code, subject, cause, fix }) => ({ code, subject, cause, fix }));
  } catch (error) {
    deps.log.warn("similar incidents unavailable; the notice goes without them", {
      ticketId,
      error: (error as Error).message,
    });
    return [];
  }
}

type StaffNotice = Extract<Effect, { kind: "notify" }>;

/** A new ticket's notice to the technicians, with the resolved incidents most like its request. */
export async function withSimilarIncidents(
  /** config.defaultLocale: the language a request is read in when its ticket cannot be read. */
  deps: SimilarIncidentsDeps & { config: { defaultLocale: Locale } },
  ticketId: string,
  effect: StaffNotice,
  loadTicket: () => Promise<Ticket | undefined>,
): Promise<MessageData & { similar?: SimilarShown[] }> {
  if (effect.template !== "new-ticket" || !deps.incidentIndex) return effect.data;
  const ticket = await loadTicket();
  const similar = await similarForNotice(deps, ticketId, {
    subject: ticket?.subject ?? effect.data.subject,
    text: ticket?.request ?? effect.data.request ?? "",
    locale: ticket?.client.locale ?? deps.config.defaultLocale,
  });
  return similar.length > 0 ? { ...effect.data, similar } : effect.data;
}

/**
 * What a performed effect changes in the index: a resolution mail adds its ticket, a reopening's
 * notice takes it out. After the effect, never instead of it: this never throws.
 */
export async function indexAfterEffect(
  deps: SimilarIncidentsDeps,
  effect: Effect,
  loadTicket: () => Promise<Ticket | undefined>,
): Promise<void> {
  if (!deps.incidentIndex) return;
  if (effect.kind === "send-client" && effect.template === "resolution") {
    await recordResolvedIncident(deps, await loadTicket().catch(() => undefined));
  } else if (effect.kind === "notify" && effect.template === "ticket-reopened") {
    const ticket = await loadTicket().catch(() => undefined);
    if (ticket?.status === "open") await forgetIncidents(deps, [ticket.id]);
  }
}
