/**
 * What the application needs of storage, by item family. The application owns these interfaces;
 * `functions/store/` implements them on DynamoDB and `functions/store/memory.ts` in memory, and one
 * contract suite (test/integration/store-contract.test.ts) holds both to the same behaviour.
 */
import type { Decision, Effect, Ticket, TicketEvent } from "../core";
import type { EffectResult } from "./effect-result";

export class ConflictError extends Error {
  constructor(ticketId: string) {
    super(`ticket ${ticketId} changed while this event was decided`);
    this.name = "ConflictError";
  }
}

export interface TimelineEntry {
  at: string;
  kind: "event" | "effect" | "mail-in" | "quarantine";
  type: string;
  summary: string;
  data?: Record<string, unknown>;
}

/** What performing effects needs of tickets: reading one. */
export interface TicketReader {
  load(ticketId: string): Promise<Ticket | undefined>;
}

/** Tickets and their timelines. */
export interface TicketRepository extends TicketReader {
  /** The next human-friendly code (T-1001, T-1002, …), never given twice. */
  nextTicketId(): Promise<string>;
  /**
   * Writes the decided ticket, its effects (the outbox) and a timeline entry at once, on condition
   * that nobody wrote the ticket since `previous` was read; ConflictError otherwise.
   */
  commit(previous: Ticket | undefined, decision: Decision, event: TicketEvent, now: Date): Promise<void>;
  addTimeline(ticketId: string, entry: TimelineEntry): Promise<void>;
  timeline(ticketId: string): Promise<TimelineEntry[]>;
}

export type OutboxStatus = "pending" | "sending" | "done";

export interface OutboxItem {
  ticketId: string;
  effect: Effect;
  status: OutboxStatus;
  claimedAt?: string;
  createdAt: string;
  doneAt?: string;
  result?: EffectResult;
  attempts?: number;
  lastError?: string;
}

/** How long a claimed effect is left to its performer: longer than the outbox Lambda's timeout. */
export const OUTBOX_LEASE_SECONDS = 300;

/** The transactional outbox: effects committed with their ticket, performed once each. */
export interface OutboxRepository {
  list(ticketId: string): Promise<OutboxItem[]>;
  item(ticketId: string, effectId: string): Promise<OutboxItem | undefined>;
  /**
   * pending → sending. False when another delivery holds it or it is done; "expired" when it took
   * over a claim whose lease ran out (an attempt that died mid-way).
   */
  claim(
    ticketId: string,
    effectId: string,
    now: Date,
    leaseSeconds?: number,
  ): Promise<false | "fresh" | "expired">;
  /** Claims several pending effects of one ticket: all of them, or none (false). */
  claimAll(ticketId: string, effectIds: string[], now: Date): Promise<boolean>;
  complete(ticketId: string, effectId: string, result: EffectResult, now: Date): Promise<void>;
  completeAll(
    ticketId: string,
    results: { effectId: string; result: EffectResult }[],
    now: Date,
  ): Promise<void>;
  /** Hands a claimed effect back after a failure, so the next delivery retries it. */
  release(ticketId: string, effectId: string, error: string): Promise<void>;
  /** Effects not yet done, oldest first (the sweeper's work); optionally only those created before. */
  pending(createdBefore?: Date): Promise<OutboxItem[]>;
}

/** Mail identities: which message belongs to which ticket, the thread, what the mail system accepted. */
export interface MailLedger {
  lookupMessage(messageId: string): Promise<string | undefined>;
  /** Records a message id once; false when it was seen before (a second delivery of the same mail). */
  claimMessage(messageId: string, ticketId: string | undefined, now: Date): Promise<boolean>;
  indexMessage(messageId: string, ticketId: string, now: Date): Promise<void>;
  /** Message ids of a ticket's thread, oldest first, for In-Reply-To and References. */
  thread(ticketId: string): Promise<string[]>;
  /** Appends once; with `sentAt` the message is ours and reached the client (the silence figure). */
  appendThread(ticketId: string, messageId: string, sentAt?: Date): Promise<void>;
  /** When a client message of a ticket last actually went out. */
  lastClientMailSent(ticketId: string): Promise<string | undefined>;
  /** What the mail system reported it accepted for an effect (SES Send events, via ses-events). */
  recordSent(ticketId: string, effectId: string, messageId: string, now: Date): Promise<void>;
  sentMessageId(ticketId: string, effectId: string): Promise<string | undefined>;
}

/** What decides whether aviso may mail some addresses now; see Throttle.mailingState. */
export interface MailingState {
  /** Flagged addresses (lowercase) with the reason. */
  flagged: Map<string, string>;
  /** Mail sent to each address (lowercase) in the current window. */
  sent: Map<string, number>;
  /** Automatic mail sent to anyone in the current window. */
  sentToAll: number;
  /** The ticket's thread, when asked for. */
  thread: string[];
}

/** A flagged address: no automatic mail goes to it until `until`. */
export interface AddressFlagEntry {
  address: string;
  reason: string;
  at: string;
  until: string;
}

/**
 * How long a flag holds. A flag is a guess about an address, and a wrong one silences a client, so
 * every flag expires: an auto-responder flag after 7 days (an out-of-office lasts about a week, and a
 * flag forged with mail "from" a client heals by itself; a real loop is flagged again after three
 * quick mails), a permanent bounce after 30 days (a mailbox that did not exist rarely comes back
 * sooner, and one more try costs one bounce, which flags it again), a complaint after 90 days (mail
 * to someone who called ours spam hurts the sending reputation most).
 */
export const FLAG_LIFETIME_DAYS = { "auto-responder": 7, bounce: 30, complaint: 90 } as const;

/** The lifetime of a flag from its reason (the reasons of app/inbound.ts and app/bounces.ts). */
export function flagLifetimeDays(reason: string): number {
  if (/auto-responder/i.test(reason)) return FLAG_LIFETIME_DAYS["auto-responder"];
  if (/spam|complain/i.test(reason)) return FLAG_LIFETIME_DAYS.complaint;
  return FLAG_LIFETIME_DAYS.bounce;
}

/** Rate counters and flagged addresses: what keeps loops and bounces in check. */
export interface Throttle {
  /** Counts one more event for a name in a fixed window; returns the count so far in that window. */
  countInWindow(name: string, windowSeconds: number, now: Date): Promise<number>;
  peekWindow(name: string, windowSeconds: number, now: Date): Promise<number>;
  /** When aviso last mailed an address, if within the last window. */
  lastMailedAt(address: string, windowSeconds: number, now: Date): Promise<string | undefined>;
  /** Flags an address until `days` from now (by default its kind's lifetime, see flagLifetimeDays). */
  flagAddress(address: string, reason: string, now: Date, days?: number): Promise<void>;
  /** The flag's reason; with `now`, a flag past its expiry is no flag (the table's TTL deletes lazily). */
  isFlagged(address: string, now?: Date): Promise<string | undefined>;
  /** Every flag still in force at `now`, for the lead (GET /flags). */
  flags(now: Date): Promise<AddressFlagEntry[]>;
  /** Lifts a flag; false when there was none. */
  clearFlag(address: string): Promise<boolean>;
  /** In one read: flags and counters of these addresses, the global counter, and a ticket's thread. */
  mailingState(
    addresses: string[],
    windowSeconds: number,
    now: Date,
    threadOf?: string,
  ): Promise<MailingState>;
  /** Counts mail that went out, per address (keeping when it was last mailed) and, if automatic, globally. */
  recordMailSent(addresses: string[], automatic: boolean, windowSeconds: number, now: Date): Promise<void>;
}

export interface QuarantineEntry {
  at: string;
  id: string;
  kind: string;
  reason: string;
  rawRef: string;
  from?: string;
  subject?: string;
  ticketId?: string;
  /** Absent while held; set once the lead released or discarded it (POST /quarantine/{id}/…). */
  status?: "released" | "discarded";
  settledAt?: string;
  /** What became of a released mail (its ticket, or why it was held again). */
  outcome?: string;
}

export interface FeedbackEntry {
  ticketId: string;
  rating: number;
  comment?: string;
  idea?: string;
  at: string;
}

/** Mail held back, with its reason. */
export interface QuarantineRepository {
  quarantine(entry: QuarantineEntry): Promise<void>;
  quarantined(): Promise<QuarantineEntry[]>;
  /**
   * Marks a held entry released or discarded, once: false when it is not there or was settled
   * already (two leads pressing the button at once process the mail once).
   */
  settle(
    entry: { at: string; id: string },
    status: "released" | "discarded",
    now: Date,
    outcome?: string,
  ): Promise<boolean>;
  /** Puts a settled entry back on hold (a release whose processing failed). */
  unsettle(entry: { at: string; id: string }): Promise<void>;
  /** Deletes entries (forgetting a client). */
  remove(entries: { at: string; id: string }[]): Promise<void>;
}

/** Reads (and, for forgetting, deletes) kept raw mail by the reference stored with it. */
export interface RawMailReader {
  get(ref: string): Promise<Buffer>;
  /** False when there was nothing under the reference. */
  remove?(ref: string): Promise<boolean>;
}

/** Clients' ratings, comments and ideas: one feedback per ticket. */
export interface FeedbackRepository {
  /**
   * Records a ticket's feedback as given at `at` (the instant of the ticket's first feedback; `now`
   * when not given). Recording again for the same ticket and instant replaces it (a client who
   * changed their rating): what is kept is the last one recorded.
   */
  recordFeedback(
    ticketId: string,
    feedback: { rating: number; comment?: string; idea?: string },
    now: Date,
    at?: string,
  ): Promise<void>;
  /** One entry per ticket (the latest, should an older store hold more), oldest first. */
  feedback(): Promise<FeedbackEntry[]>;
}

/** What the support lead's page and report read across tickets. */
export interface ReportRepository {
  /**
   * Tickets with the instant their client last actually got mail from us: those not closed, and
   * those closed at or after `closedSince`; without it, every ticket held.
   */
  ticketsWithLastSent(options?: { closedSince?: Date }): Promise<{ ticket: Ticket; lastSentAt?: string }[]>;
  /** Takes the right to send one report once (a retry or a second runtime must not send it twice). */
  claimReport(key: string, now: Date): Promise<boolean>;
  /**
   * Erases what the table holds about a client address (DESIGN §7, forgetting): the tickets it opened
   * with their timelines, outbox and threads, the message index entries and feedback of those
   * tickets, its flag and the mail from it held in quarantine. With `dryRun`, only counts. The raw
   * mail the erased items pointed at is returned for the caller to delete (it is not in the table).
   */
  forgetClient(address: string, options?: { dryRun?: boolean }): Promise<ErasureReport>;
  /**
   * Erases tickets closed before an instant (retention, config closedTicketRetentionDays) and what
   * the TTL left of tickets whose item it already removed, with what hangs on them as forgetClient
   * does (no flags: they belong to addresses, not tickets). `address` is empty in the report.
   */
  expireTickets(closedBefore: Date, options?: { dryRun?: boolean }): Promise<ErasureReport>;
}

/** What forgetting a client removed (or, on a dry run, would remove). */
export interface ErasureReport {
  address: string;
  tickets: string[];
  /** Items per family. */
  removed: {
    tickets: number;
    timeline: number;
    outbox: number;
    threads: number;
    messageIndex: number;
    feedback: number;
    flags: number;
    quarantine: number;
    other: number;
  };
  /** Raw mail references of the erased mail (quarantine entries, timeline entries that name one). */
  rawRefs: string[];
}

/** Every storage port, as the functions that need them receive them. */
export interface Stores {
  tickets: TicketRepository;
  outbox: OutboxRepository;
  mail: MailLedger;
  throttle: Throttle;
  quarantine: QuarantineRepository;
  feedback: FeedbackRepository;
  reports: ReportRepository;
}

/**
 * One document replaced whole, with compare-and-swap: the index of resolved incidents the technicians'
 * new-ticket notice draws on (issue 17). On AWS an S3 object written with If-Match / If-None-Match,
 * locally a JSON file under `.aviso/`. The version is opaque (an ETag, a hash).
 */
export interface IncidentIndexStore {
  /**
   * The stored document and its version; "unchanged" when `knownVersion` is still the stored one
   * (nothing is transferred); undefined when there is none yet.
   */
  load(knownVersion?: string): Promise<{ document: string; version: string } | "unchanged" | undefined>;
  /**
   * Writes the document only if the stored version is still `expectedVersion` (undefined: only if
   * there is none yet). The new version, or false when someone else wrote in between.
   */
  save(document: string, expectedVersion: string | undefined): Promise<string | false>;
}
