/** Clients' ratings, comments and ideas, in one partition of the table. */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { FeedbackEntry, FeedbackRepository } from "../app/ports";
import { queryPartition, type Table } from "./dynamo";
import { FeedbackItemSchema, parseItem } from "./items";
import * as keys from "./keys";

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
