/** What aviso keeps beside tickets: held mail, clients' feedback, and the reads of the lead's reports. */
import { PutCommand, paginateScan } from "@aws-sdk/lib-dynamodb";
import type {
  FeedbackEntry,
  FeedbackRepository,
  QuarantineEntry,
  QuarantineRepository,
  ReportRepository,
} from "../app/ports";
import type { Ticket } from "../core";
import { putIfAbsent, queryPartition, type Table } from "./dynamo";
import {
  FeedbackItemSchema,
  parseItem,
  QuarantineItemSchema,
  ThreadItemSchema,
  TicketItemSchema,
} from "./items";
import * as keys from "./keys";

export class DynamoQuarantine implements QuarantineRepository {
  constructor(private readonly table: Table) {}

  async quarantine(entry: QuarantineEntry): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.quarantine(entry.at, entry.id), ...entry },
      }),
    );
  }

  async quarantined(): Promise<QuarantineEntry[]> {
    const items = await queryPartition(this.table, keys.quarantinePartition);
    return items.map((item) => parseItem(QuarantineItemSchema, item, "quarantine entry"));
  }
}

export class DynamoFeedback implements FeedbackRepository {
  constructor(private readonly table: Table) {}

  async recordFeedback(
    ticketId: string,
    feedback: { rating: number; comment?: string; idea?: string },
    now: Date,
  ) {
    const at = now.toISOString();
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.feedback(at, ticketId), ticketId, ...feedback, at },
      }),
    );
  }

  async feedback(): Promise<FeedbackEntry[]> {
    const items = await queryPartition(this.table, keys.feedbackPartition);
    return items.map((item) => parseItem(FeedbackItemSchema, item, "feedback entry"));
  }
}

export class DynamoReports implements ReportRepository {
  constructor(private readonly table: Table) {}

  /** A scan of tickets and threads (small installations and the local runtime). */
  async ticketsWithLastSent(): Promise<{ ticket: Ticket; lastSentAt?: string }[]> {
    const ticketKey = keys.ticket("");
    const threadKey = keys.thread("");
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan(
      { client: this.table.doc },
      {
        TableName: this.table.name,
        FilterExpression: "(SK = :meta OR SK = :thread) AND begins_with(PK, :ticket)",
        ExpressionAttributeValues: {
          ":meta": ticketKey.SK,
          ":thread": threadKey.SK,
          ":ticket": ticketKey.PK,
        },
      },
    ))
      items.push(...(page.Items ?? []));
    const sent = new Map<string, string>();
    for (const item of items) {
      if (item.SK !== threadKey.SK) continue;
      const lastSentAt = parseItem(ThreadItemSchema, item, "thread").lastSentAt;
      if (lastSentAt) sent.set(String(item.PK), lastSentAt);
    }
    return items
      .filter((item) => item.SK === ticketKey.SK)
      .map((item) => {
        const lastSentAt = sent.get(String(item.PK));
        const { ticket } = parseItem(TicketItemSchema, item, `ticket ${String(item.PK)}`);
        return { ticket, ...(lastSentAt ? { lastSentAt } : {}) };
      });
  }

  claimReport(reportKey: string, now: Date): Promise<boolean> {
    return putIfAbsent(this.table, { ...keys.report(reportKey), at: now.toISOString() });
  }
}
