/** Mail held back with its reason, in one partition of the table. */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { QuarantineEntry, QuarantineRepository } from "../app/ports";
import { queryPartition, type Table } from "./dynamo";
import { parseItem, QuarantineItemSchema } from "./items";
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
