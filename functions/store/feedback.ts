/** Clients' ratings, comments and ideas, in one partition of the table: one item per ticket. */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { FeedbackEntry, FeedbackRepository } from "../app/ports";
import { queryPartition, type Table } from "./dynamo";
import { FeedbackItemSchema, parseItem } from "./items";
import * as keys from "./keys";

export class DynamoFeedback implements FeedbackRepository {
  constructor(private readonly table: Table) {}

  /**
   * Keyed by the instant of the ticket's first feedback and the ticket: a changed rating is put over
   * the same item, so a ticket keeps one (a put replaces the whole item, a dropped comment included).
   */
  async recordFeedback(
    ticketId: string,
    feedback: { rating: number; comment?: string; idea?: string },
    now: Date,
    at = now.toISOString(),
  ) {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.feedback(at, ticketId), ticketId, ...feedback, at },
      }),
    );
  }

  async feedback(): Promise<FeedbackEntry[]> {
    const items = await queryPartition(this.table, keys.feedbackPartition);
    return latestPerTicket(items.map((item) => parseItem(FeedbackItemSchema, item, "feedback entry")));
  }
}

/**
 * One entry per ticket, the latest, oldest first. Items written before a ticket's feedback was one
 * item (one per submission, issue 14) read as the last of them.
 */
export function latestPerTicket(entries: FeedbackEntry[]): FeedbackEntry[] {
  const latest = new Map<string, FeedbackEntry>();
  for (const entry of entries) {
    const kept = latest.get(entry.ticketId);
    if (!kept || kept.at <= entry.at) latest.set(entry.ticketId, entry);
  }
  return [...latest.values()].sort((a, b) => `${a.at}#${a.ticketId}`.localeCompare(`${b.at}#${b.ticketId}`));
}
