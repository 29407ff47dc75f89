/** What the support lead's page and weekly report read across tickets, and the once-only report claim. */
import { paginateScan } from "@aws-sdk/lib-dynamodb";
import type { ErasureReport, ReportRepository } from "../app/ports";
import type { Ticket } from "../core";
import { getAll, getItem, putIfAbsent, queryPartition, queryShards, type Table } from "./dynamo";
import { parseItem, ThreadItemSchema, TicketItemSchema, TimelineItemSchema } from "./items";
import * as keys from "./keys";
import { type ItemKey, keyString } from "./keys";
import { deleteItems } from "./quarantine";
import { ACTIVE_INDEX } from "./table";

export class DynamoReports implements ReportRepository {
  constructor(private readonly table: Table) {}

  /**
   * Tickets with the instant their client last got mail from us, from the Active index (a query per
   * shard, never a scan): with `closedSince`, the tickets not closed and those closed since then (the
   * lead's list asks for now, the weekly report for its week's start); without, every ticket held.
   */
  async ticketsWithLastSent(
    options: { closedSince?: Date } = {},
  ): Promise<{ ticket: Ticket; lastSentAt?: string }[]> {
    const indexed = await queryShards(
      this.table,
      ACTIVE_INDEX,
      options.closedSince ? { atLeast: options.closedSince.toISOString() } : undefined,
    );
    const tickets = indexed.map(
      (item) => parseItem(TicketItemSchema, item, `ticket ${String(item.PK)}`).ticket,
    );
    const threads = await getAll(
      this.table,
      tickets.map((ticket) => keys.thread(ticket.id)),
    );
    return tickets.map((ticket) => {
      const thread = threads.get(keyString(keys.thread(ticket.id)));
      const lastSentAt = thread ? parseItem(ThreadItemSchema, thread, "thread").lastSentAt : undefined;
      return { ticket, ...(lastSentAt ? { lastSentAt } : {}) };
    });
  }

  claimReport(reportKey: string, now: Date): Promise<boolean> {
    return putIfAbsent(this.table, { ...keys.report(reportKey), at: now.toISOString() });
  }

  /**
   * One scan of the table's keys and the few attributes that name a client or a ticket, then a query
   * of each of the client's ticket partitions; a rare request (a client asks to be forgotten).
   */
  async forgetClient(address: string, options: { dryRun?: boolean } = {}): Promise<ErasureReport> {
    const who = address.trim().toLowerCase();
    const index = await this.scanIndex();
    const ticketKey = keys.ticket("");
    const tickets = index
      .filter(
        (item) =>
          item.SK === ticketKey.SK &&
          String(item.PK).startsWith(ticketKey.PK) &&
          String(item.clientAddress ?? "").toLowerCase() === who,
      )
      .map((item) => String(item.PK).slice(ticketKey.PK.length));
    return this.erase(index, tickets, who, options);
  }

  /**
   * Closed tickets past their retention, and ticket partitions whose ticket item the table's TTL
   * already removed (the rest of a partition carries no TTL of its own).
   */
  async expireTickets(closedBefore: Date, options: { dryRun?: boolean } = {}): Promise<ErasureReport> {
    const index = await this.scanIndex();
    const ticketKey = keys.ticket("");
    const cutoff = closedBefore.toISOString();
    const withTicket = new Set<string>();
    const partitions = new Set<string>();
    const expired: string[] = [];
    for (const item of index) {
      const pk = String(item.PK);
      if (!pk.startsWith(ticketKey.PK)) continue;
      partitions.add(pk);
      if (item.SK !== ticketKey.SK) continue;
      withTicket.add(pk);
      const closedAt = (item.ticket as { closedAt?: unknown } | undefined)?.closedAt;
      if (item.status === "closed" && typeof closedAt === "string" && closedAt < cutoff) expired.push(pk);
    }
    const orphans = [...partitions].filter((pk) => !withTicket.has(pk));
    const tickets = [...expired, ...orphans].map((pk) => pk.slice(ticketKey.PK.length));
    return this.erase(index, tickets, undefined, options);
  }

  /** Keys and the attributes that tie an item to a client or a ticket, of every item of the table. */
  private async scanIndex(): Promise<Record<string, unknown>[]> {
    const index: Record<string, unknown>[] = [];
    for await (const page of paginateScan(
      { client: this.table.doc },
      {
        TableName: this.table.name,
        ProjectionExpression: "PK, SK, ticketId, clientAddress, #from, rawRef, #status, ticket.closedAt",
        ExpressionAttributeNames: { "#from": "from", "#status": "status" },
      },
    ))
      index.push(...(page.Items ?? []));
    return index;
  }

  /**
   * Deletes these tickets' partitions and the items elsewhere that name them (message index,
   * feedback, quarantine); with an address, also its flag and the mail from it held in quarantine.
   */
  private async erase(
    index: Record<string, unknown>[],
    ticketIds: string[],
    who: string | undefined,
    options: { dryRun?: boolean },
  ): Promise<ErasureReport> {
    const tickets = [...new Set(ticketIds)].sort();
    const partitions = new Set(tickets.map((id) => keys.ticketPartition(id)));
    const mine = (ticketId: unknown) => typeof ticketId === "string" && tickets.includes(ticketId);
    const report: ErasureReport = {
      address: who ?? "",
      tickets,
      removed: {
        tickets: 0,
        timeline: 0,
        outbox: 0,
        threads: 0,
        messageIndex: 0,
        feedback: 0,
        flags: 0,
        quarantine: 0,
        other: 0,
      },
      rawRefs: [],
    };
    const doomed: ItemKey[] = [];
    const rawRefs = new Set<string>();
    const messagePrefix = keys.message("x").PK.slice(0, 4);
    for (const item of index) {
      const key = { PK: String(item.PK), SK: String(item.SK) };
      if (partitions.has(key.PK)) continue;
      if (key.PK === keys.quarantinePartition) {
        const fromThem = who !== undefined && String(item.from ?? "").toLowerCase() === who;
        if (!fromThem && !mine(item.ticketId)) continue;
        report.removed.quarantine += 1;
        if (typeof item.rawRef === "string") rawRefs.add(item.rawRef);
      } else if (!mine(item.ticketId)) continue;
      else if (key.PK.startsWith(messagePrefix)) report.removed.messageIndex += 1;
      else if (key.PK === keys.feedbackPartition) report.removed.feedback += 1;
      else report.removed.other += 1;
      doomed.push(key);
    }
    if (who !== undefined) {
      const flag = keys.flag(who);
      if (await getItem(this.table, flag, true)) {
        report.removed.flags = 1;
        doomed.push(flag);
      }
    }
    const ticketKey = keys.ticket("");
    for (const partition of partitions) {
      for (const item of await queryPartition(this.table, partition)) {
        const sk = String(item.SK);
        if (sk === ticketKey.SK) report.removed.tickets += 1;
        else if (sk === keys.thread("").SK) report.removed.threads += 1;
        else if (sk.startsWith(keys.outboxPrefix)) report.removed.outbox += 1;
        else if (sk.startsWith(keys.timelinePrefix)) {
          report.removed.timeline += 1;
          const rawRef = parseItem(TimelineItemSchema, item, `timeline of ${partition}`).entry.data?.rawRef;
          if (typeof rawRef === "string") rawRefs.add(rawRef);
        } else report.removed.other += 1;
        doomed.push({ PK: partition, SK: sk });
      }
    }
    report.rawRefs = [...rawRefs].sort();
    if (!options.dryRun) await deleteItems(this.table, doomed);
    return report;
  }
}
