/**
 * Every storage port in memory, with the table's semantics (version checks, claims and leases,
 * once-only writes, fixed windows). For fast tests of the application layer; the contract suite
 * (test/integration/store-contract.test.ts) runs the same cases here and on DynamoDB Local.
 */
import type { EffectResult } from "../app/effect-result";
import {
  type AddressFlagEntry,
  ConflictError,
  type ErasureReport,
  type FeedbackEntry,
  type FeedbackRepository,
  flagLifetimeDays,
  type MailingState,
  type MailLedger,
  OUTBOX_LEASE_SECONDS,
  type OutboxItem,
  type OutboxRepository,
  type QuarantineEntry,
  type QuarantineRepository,
  type ReportRepository,
  type Throttle,
  type TicketRepository,
  type TimelineEntry,
} from "../app/ports";
import type { Decision, Ticket, TicketEvent } from "../core";
import { latestPerTicket } from "./feedback";
import { normalizeMessageId, windowOf } from "./keys";
import { sortPending } from "./outbox";
import { eventEntry } from "./tickets";

const copy = <T>(value: T): T => structuredClone(value);

/** The shared state of one in-memory "table". */
export class MemoryTable {
  counter = 0;
  tickets = new Map<string, Ticket>();
  timelines = new Map<string, TimelineEntry[]>();
  outbox = new Map<string, OutboxItem>();
  messages = new Map<string, string | undefined>();
  threads = new Map<string, { ids: string[]; lastSentAt?: string }>();
  sent = new Map<string, string>();
  counters = new Map<string, { count: number; lastAt?: string }>();
  flags = new Map<string, { reason: string; at: string; until: string }>();
  quarantine: QuarantineEntry[] = [];
  feedback: FeedbackEntry[] = [];
  reports = new Set<string>();
}

const outboxKey = (ticketId: string, effectId: string) => `${ticketId}\u0000${effectId}`;
const windowKey = (name: string, windowSeconds: number, now: Date) =>
  `${name.toLowerCase()}#${windowSeconds}#${windowOf(now, windowSeconds)}`;

export class MemoryTickets implements TicketRepository {
  constructor(private readonly t: MemoryTable) {}

  async nextTicketId() {
    this.t.counter += 1;
    return `T-${1000 + this.t.counter}`;
  }

  async load(ticketId: string) {
    const ticket = this.t.tickets.get(ticketId);
    return ticket ? copy(ticket) : undefined;
  }

  async commit(previous: Ticket | undefined, decision: Decision, event: TicketEvent, now: Date) {
    const ticket = decision.ticket;
    if (!ticket) return;
    const stored = this.t.tickets.get(ticket.id);
    if (previous ? stored?.version !== previous.version : stored) throw new ConflictError(ticket.id);
    if (decision.effects.some((effect) => this.t.outbox.has(outboxKey(ticket.id, effect.id))))
      throw new ConflictError(ticket.id);
    const at = now.toISOString();
    this.t.tickets.set(ticket.id, copy(ticket));
    this.append(ticket.id, eventEntry(decision, event, at));
    for (const effect of decision.effects)
      this.t.outbox.set(outboxKey(ticket.id, effect.id), {
        ticketId: ticket.id,
        effect: copy(effect),
        status: "pending",
        createdAt: at,
      });
  }

  async addTimeline(ticketId: string, entry: TimelineEntry) {
    this.append(ticketId, copy(entry));
  }

  async timeline(ticketId: string) {
    return copy(this.t.timelines.get(ticketId) ?? []).sort((a, b) => a.at.localeCompare(b.at));
  }

  private append(ticketId: string, entry: TimelineEntry) {
    this.t.timelines.set(ticketId, [...(this.t.timelines.get(ticketId) ?? []), entry]);
  }
}

export class MemoryOutbox implements OutboxRepository {
  constructor(private readonly t: MemoryTable) {}

  async list(ticketId: string) {
    return copy([...this.t.outbox.values()].filter((item) => item.ticketId === ticketId)).sort((a, b) =>
      a.effect.id.localeCompare(b.effect.id),
    );
  }

  async item(ticketId: string, effectId: string) {
    const item = this.t.outbox.get(outboxKey(ticketId, effectId));
    return item ? copy(item) : undefined;
  }

  async claim(ticketId: string, effectId: string, now: Date, leaseSeconds = OUTBOX_LEASE_SECONDS) {
    const item = this.t.outbox.get(outboxKey(ticketId, effectId));
    if (!item) return false;
    const expired = new Date(now.getTime() - leaseSeconds * 1000).toISOString();
    if (item.status === "pending" || (item.status === "sending" && (item.claimedAt ?? "") < expired)) {
      const was = item.status;
      item.status = "sending";
      item.claimedAt = now.toISOString();
      return was === "sending" ? "expired" : "fresh";
    }
    return false;
  }

  async claimAll(ticketId: string, effectIds: string[], now: Date) {
    if (effectIds.length > 100) return false;
    const items = effectIds.map((id) => this.t.outbox.get(outboxKey(ticketId, id)));
    if (items.some((item) => item?.status !== "pending")) return false;
    for (const item of items)
      if (item) Object.assign(item, { status: "sending", claimedAt: now.toISOString() });
    return true;
  }

  async complete(ticketId: string, effectId: string, result: EffectResult, now: Date) {
    const key = outboxKey(ticketId, effectId);
    const item = this.t.outbox.get(key);
    // Like an update, completing creates the item when it is not there.
    const base = item ?? ({ ticketId, createdAt: now.toISOString() } as OutboxItem);
    this.t.outbox.set(key, { ...base, status: "done", doneAt: now.toISOString(), result: copy(result) });
  }

  async completeAll(ticketId: string, results: { effectId: string; result: EffectResult }[], now: Date) {
    for (const { effectId, result } of results) await this.complete(ticketId, effectId, result, now);
  }

  async release(ticketId: string, effectId: string, error: string) {
    const item = this.t.outbox.get(outboxKey(ticketId, effectId));
    if (item?.status !== "sending") throw new Error("conditional request failed: the effect is not claimed");
    item.status = "pending";
    item.lastError = error.slice(0, 1000);
    item.attempts = (item.attempts ?? 0) + 1;
  }

  async pending(createdBefore?: Date) {
    const before = createdBefore?.toISOString();
    return sortPending(copy([...this.t.outbox.values()].filter((i) => !before || i.createdAt < before)));
  }
}

export class MemoryMailLedger implements MailLedger {
  constructor(private readonly t: MemoryTable) {}

  async lookupMessage(messageId: string) {
    return this.t.messages.get(normalizeMessageId(messageId));
  }

  async claimMessage(messageId: string, ticketId: string | undefined, _now: Date) {
    const key = normalizeMessageId(messageId);
    if (this.t.messages.has(key)) return false;
    this.t.messages.set(key, ticketId);
    return true;
  }

  async indexMessage(messageId: string, ticketId: string, _now: Date) {
    this.t.messages.set(normalizeMessageId(messageId), ticketId);
  }

  async thread(ticketId: string) {
    return [...(this.t.threads.get(ticketId)?.ids ?? [])];
  }

  async appendThread(ticketId: string, messageId: string, sentAt?: Date) {
    const thread = this.t.threads.get(ticketId) ?? { ids: [] };
    if (thread.ids.includes(messageId)) return;
    thread.ids.push(messageId);
    if (sentAt) thread.lastSentAt = sentAt.toISOString();
    this.t.threads.set(ticketId, thread);
  }

  async lastClientMailSent(ticketId: string) {
    return this.t.threads.get(ticketId)?.lastSentAt;
  }

  async recordSent(ticketId: string, effectId: string, messageId: string, _now: Date) {
    this.t.sent.set(outboxKey(ticketId, effectId), messageId);
  }

  async sentMessageId(ticketId: string, effectId: string) {
    return this.t.sent.get(outboxKey(ticketId, effectId));
  }
}

export class MemoryThrottle implements Throttle {
  constructor(private readonly t: MemoryTable) {}

  async countInWindow(name: string, windowSeconds: number, now: Date) {
    return this.count(windowKey(name, windowSeconds, now));
  }

  async peekWindow(name: string, windowSeconds: number, now: Date) {
    return this.t.counters.get(windowKey(name, windowSeconds, now))?.count ?? 0;
  }

  async lastMailedAt(address: string, windowSeconds: number, now: Date) {
    const previous = new Date(now.getTime() - windowSeconds * 1000);
    return [now, previous]
      .map((at) => this.t.counters.get(windowKey(`out#${address}`, windowSeconds, at))?.lastAt)
      .filter((at): at is string => typeof at === "string")
      .sort()
      .at(-1);
  }

  async flagAddress(address: string, reason: string, now: Date, days = flagLifetimeDays(reason)) {
    const until = new Date(now.getTime() + days * 86_400_000).toISOString();
    this.t.flags.set(address.toLowerCase(), { reason, at: now.toISOString(), until });
  }

  async isFlagged(address: string, now?: Date) {
    const flag = this.t.flags.get(address.toLowerCase());
    return flag && (!now || flag.until > now.toISOString()) ? flag.reason : undefined;
  }

  async flags(now: Date): Promise<AddressFlagEntry[]> {
    return [...this.t.flags]
      .filter(([, flag]) => flag.until > now.toISOString())
      .map(([address, flag]) => ({ address, ...flag }))
      .sort((a, b) => a.address.localeCompare(b.address));
  }

  async clearFlag(address: string) {
    return this.t.flags.delete(address.toLowerCase());
  }

  async mailingState(addresses: string[], windowSeconds: number, now: Date, threadOf?: string) {
    const unique = [...new Set(addresses.map((a) => a.toLowerCase()))];
    const state: MailingState = {
      flagged: new Map(),
      sent: new Map(),
      sentToAll: await this.peekWindow("out#*", windowSeconds, now),
      thread: threadOf ? [...(this.t.threads.get(threadOf)?.ids ?? [])] : [],
    };
    for (const address of unique) {
      const flag = await this.isFlagged(address, now);
      if (flag) state.flagged.set(address, flag);
      state.sent.set(address, await this.peekWindow(`out#${address}`, windowSeconds, now));
    }
    return state;
  }

  async recordMailSent(addresses: string[], automatic: boolean, windowSeconds: number, now: Date) {
    for (const address of new Set(addresses.map((a) => a.toLowerCase())))
      this.count(windowKey(`out#${address}`, windowSeconds, now), now.toISOString());
    if (automatic) this.count(windowKey("out#*", windowSeconds, now));
  }

  private count(key: string, lastAt?: string) {
    const counter = this.t.counters.get(key) ?? { count: 0 };
    counter.count += 1;
    if (lastAt) counter.lastAt = lastAt;
    this.t.counters.set(key, counter);
    return counter.count;
  }
}

export class MemoryQuarantine implements QuarantineRepository {
  constructor(private readonly t: MemoryTable) {}
  async quarantine(entry: QuarantineEntry) {
    this.t.quarantine.push(copy(entry));
  }
  async quarantined() {
    return copy(this.t.quarantine).sort((a, b) => `${a.at}#${a.id}`.localeCompare(`${b.at}#${b.id}`));
  }
  async settle(
    key: { at: string; id: string },
    status: "released" | "discarded",
    now: Date,
    outcome?: string,
  ) {
    const entry = this.t.quarantine.find((e) => e.at === key.at && e.id === key.id);
    if (!entry || entry.status) return false;
    Object.assign(entry, { status, settledAt: now.toISOString(), ...(outcome ? { outcome } : {}) });
    return true;
  }
  async unsettle(key: { at: string; id: string }) {
    const entry = this.t.quarantine.find((e) => e.at === key.at && e.id === key.id);
    if (entry) {
      delete entry.status;
      delete entry.settledAt;
      delete entry.outcome;
    }
  }
  async remove(keys: { at: string; id: string }[]) {
    this.t.quarantine = this.t.quarantine.filter((e) => !keys.some((k) => k.at === e.at && k.id === e.id));
  }
}

export class MemoryFeedback implements FeedbackRepository {
  constructor(private readonly t: MemoryTable) {}
  async recordFeedback(
    ticketId: string,
    feedback: { rating: number; comment?: string; idea?: string },
    now: Date,
    at = now.toISOString(),
  ) {
    const others = this.t.feedback.filter((f) => f.ticketId !== ticketId || f.at !== at);
    this.t.feedback = [...others, { ticketId, ...copy(feedback), at }];
  }
  async feedback() {
    return latestPerTicket(copy(this.t.feedback));
  }
}

export class MemoryReports implements ReportRepository {
  constructor(private readonly t: MemoryTable) {}
  async ticketsWithLastSent(options: { closedSince?: Date } = {}) {
    const since = options.closedSince?.toISOString();
    const listed = (ticket: Ticket) =>
      !since || ticket.status !== "closed" || (ticket.closedAt ?? "") >= since;
    return [...this.t.tickets.values()].filter(listed).map((ticket) => {
      const lastSentAt = this.t.threads.get(ticket.id)?.lastSentAt;
      return { ticket: copy(ticket), ...(lastSentAt ? { lastSentAt } : {}) };
    });
  }
  async claimReport(reportKey: string, _now: Date) {
    if (this.t.reports.has(reportKey)) return false;
    this.t.reports.add(reportKey);
    return true;
  }
  async forgetClient(address: string, options: { dryRun?: boolean } = {}): Promise<ErasureReport> {
    const who = address.trim().toLowerCase();
    const tickets = [...this.t.tickets.values()]
      .filter((ticket) => ticket.client.address.toLowerCase() === who)
      .map((ticket) => ticket.id);
    return this.erase(tickets, who, options);
  }
  async expireTickets(closedBefore: Date, options: { dryRun?: boolean } = {}): Promise<ErasureReport> {
    const t = this.t;
    const cutoff = closedBefore.toISOString();
    const expired = [...t.tickets.values()]
      .filter((ticket) => ticket.status === "closed" && (ticket.closedAt ?? cutoff) < cutoff)
      .map((ticket) => ticket.id);
    const partitions = [
      ...t.timelines.keys(),
      ...t.threads.keys(),
      ...[...t.outbox.values()].map((item) => item.ticketId),
    ];
    const orphans = partitions.filter((id) => !t.tickets.has(id));
    return this.erase([...expired, ...orphans], undefined, options);
  }
  private erase(ticketIds: string[], who: string | undefined, options: { dryRun?: boolean }): ErasureReport {
    const t = this.t;
    const tickets = [...new Set(ticketIds)].sort();
    const mine = (ticketId: string | undefined) => ticketId !== undefined && tickets.includes(ticketId);
    const timeline = tickets.flatMap((id) => t.timelines.get(id) ?? []);
    const outbox = [...t.outbox].filter(([, item]) => mine(item.ticketId));
    const sent = [...t.sent.keys()].filter((key) => mine(key.split("\u0000")[0]));
    const messages = [...t.messages].filter(([, ticketId]) => mine(ticketId));
    const feedback = t.feedback.filter((f) => mine(f.ticketId));
    const held = t.quarantine.filter(
      (q) => (who !== undefined && q.from?.toLowerCase() === who) || mine(q.ticketId),
    );
    const report: ErasureReport = {
      address: who ?? "",
      tickets,
      removed: {
        tickets: tickets.filter((id) => t.tickets.has(id)).length,
        timeline: timeline.length,
        outbox: outbox.length,
        threads: tickets.filter((id) => t.threads.has(id)).length,
        messageIndex: messages.length,
        feedback: feedback.length,
        flags: who !== undefined && t.flags.has(who) ? 1 : 0,
        quarantine: held.length,
        other: sent.length,
      },
      rawRefs: [
        ...new Set([
          ...held.map((q) => q.rawRef),
          ...timeline.map((e) => e.data?.rawRef).filter((ref): ref is string => typeof ref === "string"),
        ]),
      ].sort(),
    };
    if (options.dryRun) return report;
    for (const id of tickets) {
      t.tickets.delete(id);
      t.timelines.delete(id);
      t.threads.delete(id);
    }
    for (const [key] of outbox) t.outbox.delete(key);
    for (const key of sent) t.sent.delete(key);
    for (const [key] of messages) t.messages.delete(key);
    t.feedback = t.feedback.filter((f) => !mine(f.ticketId));
    t.quarantine = t.quarantine.filter((q) => !held.includes(q));
    if (who !== undefined) t.flags.delete(who);
    return report;
  }
}

/** Every port over one in-memory table. */
export function memoryStores(table = new MemoryTable()) {
  return {
    table,
    tickets: new MemoryTickets(table),
    outbox: new MemoryOutbox(table),
    mail: new MemoryMailLedger(table),
    throttle: new MemoryThrottle(table),
    quarantine: new MemoryQuarantine(table),
    feedback: new MemoryFeedback(table),
    reports: new MemoryReports(table),
  };
}
