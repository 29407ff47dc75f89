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

/** Rate counters and flagged addresses: what keeps loops and bounces in check. */
export interface Throttle {
  /** Counts one more event for a name in a fixed window; returns the count so far in that window. */
  countInWindow(name: string, windowSeconds: number, now: Date): Promise<number>;
  peekWindow(name: string, windowSeconds: number, now: Date): Promise<number>;
  /** When aviso last mailed an address, if within the last window. */
  lastMailedAt(address: string, windowSeconds: number, now: Date): Promise<string | undefined>;
  flagAddress(address: string, reason: string, now: Date): Promise<void>;
  isFlagged(address: string): Promise<string | undefined>;
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
}

/** Clients' ratings, comments and ideas. */
export interface FeedbackRepository {
  recordFeedback(
    ticketId: string,
    feedback: { rating: number; comment?: string; idea?: string },
    now: Date,
  ): Promise<void>;
  feedback(): Promise<FeedbackEntry[]>;
}

/** What the support lead's page and report read across tickets. */
export interface ReportRepository {
  /** Every ticket with the instant its client last actually got mail from us. */
  ticketsWithLastSent(): Promise<{ ticket: Ticket; lastSentAt?: string }[]>;
  /** Takes the right to send one report once (a retry or a second runtime must not send it twice). */
  claimReport(key: string, now: Date): Promise<boolean>;
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
