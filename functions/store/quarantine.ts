/** Mail held back with its reason, in one partition of the table. */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { QuarantineEntry, QuarantineRepository } from "../app/ports";
import { queryPartition, type Table } from "./dynamo";
import { parseItem, QuarantineItemSchema } from "./items";
import type { ItemKey } from "./keys";
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

  async settle(
    entry: { at: string; id: string },
    status: "released" | "discarded",
    now: Date,
    outcome?: string,
  ): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.quarantine(entry.at, entry.id),
          UpdateExpression: `SET #status = :status, settledAt = :now${outcome ? ", outcome = :outcome" : ""}`,
          ConditionExpression: "attribute_exists(PK) AND attribute_not_exists(#status)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":status": status,
            ":now": now.toISOString(),
            ...(outcome ? { ":outcome": outcome } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async unsettle(entry: { at: string; id: string }): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.quarantine(entry.at, entry.id),
        UpdateExpression: "REMOVE #status, settledAt, outcome",
        ConditionExpression: "attribute_exists(PK)",
        ExpressionAttributeNames: { "#status": "status" },
      }),
    );
  }

  remove(entries: { at: string; id: string }[]): Promise<void> {
    return deleteItems(
      this.table,
      entries.map((entry) => keys.quarantine(entry.at, entry.id)),
    );
  }
}

/** Deletes items by key, 25 to a BatchWriteItem, asking again for what DynamoDB left unprocessed. */
export async function deleteItems(table: Table, itemKeys: ItemKey[]): Promise<void> {
  for (let i = 0; i < itemKeys.length; i += 25) {
    let requests: Record<string, unknown>[] = itemKeys
      .slice(i, i + 25)
      .map((key) => ({ DeleteRequest: { Key: { PK: key.PK, SK: key.SK } } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt >= 8) throw new Error(`DynamoDB left ${requests.length} deletes undone after 8 attempts`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const result = await table.doc.send(
        new BatchWriteCommand({ RequestItems: { [table.name]: requests } }),
      );
      requests = (result.UnprocessedItems?.[table.name] ?? []) as Record<string, unknown>[];
    }
  }
}
