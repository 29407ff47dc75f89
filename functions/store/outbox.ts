/** The outbox items of the table: claimed, completed or handed back, each with a guarded write. */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { EffectResult } from "../app/effect-result";
import { OUTBOX_LEASE_SECONDS, type OutboxItem, type OutboxRepository } from "../app/ports";
import { expiresAfterDays, getItem, pendingOutboxItems, queryPartition, type Table } from "./dynamo";
import { OutboxItemSchema, parseItem } from "./items";
import * as keys from "./keys";
import { DONE_OUTBOX_TTL_DAYS, PENDING_INDEX, TTL_ATTRIBUTE } from "./table";

const parseOutboxItem = (item: unknown) => parseItem(OutboxItemSchema, item, "outbox item");

export class DynamoOutbox implements OutboxRepository {
  constructor(private readonly table: Table) {}

  async list(ticketId: string): Promise<OutboxItem[]> {
    const items = await queryPartition(this.table, keys.ticketPartition(ticketId), keys.outboxPrefix);
    return items.map(parseOutboxItem);
  }

  async item(ticketId: string, effectId: string): Promise<OutboxItem | undefined> {
    const item = await getItem(this.table, keys.outbox(ticketId, effectId), true);
    return item ? parseOutboxItem(item) : undefined;
  }

  async claim(
    ticketId: string,
    effectId: string,
    now: Date,
    leaseSeconds = OUTBOX_LEASE_SECONDS,
  ): Promise<false | "fresh" | "expired"> {
    try {
      const result = await this.table.doc.send(
        new UpdateCommand({
          ...this.claimUpdate(ticketId, effectId, now, new Date(now.getTime() - leaseSeconds * 1000)),
          ReturnValues: "UPDATED_OLD",
        }),
      );
      return result.Attributes?.status === "sending" ? "expired" : "fresh";
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async claimAll(ticketId: string, effectIds: string[], now: Date): Promise<boolean> {
    if (effectIds.length === 0) return true;
    if (effectIds.length > 100) return false;
    try {
      await this.table.doc.send(
        new TransactWriteCommand({
          TransactItems: effectIds.map((effectId) => ({ Update: this.claimUpdate(ticketId, effectId, now) })),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  async complete(ticketId: string, effectId: string, result: EffectResult, now: Date): Promise<void> {
    await this.table.doc.send(new UpdateCommand(this.completion(ticketId, effectId, result, now)));
  }

  async completeAll(ticketId: string, results: { effectId: string; result: EffectResult }[], now: Date) {
    if (results.length === 0) return;
    if (results.length > 1 && results.length <= 100) {
      try {
        await this.table.doc.send(
          new TransactWriteCommand({
            TransactItems: results.map(({ effectId, result }) => ({
              Update: this.completion(ticketId, effectId, result, now),
            })),
          }),
        );
        return;
      } catch (error) {
        // A transaction meeting another writer on one item is cancelled whole: mark them one by one.
        if (!(error instanceof TransactionCanceledException)) throw error;
      }
    }
    for (const { effectId, result } of results) await this.complete(ticketId, effectId, result, now);
  }

  async release(ticketId: string, effectId: string, error: string): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.outbox(ticketId, effectId),
        UpdateExpression: "SET #status = :pending, lastError = :error ADD attempts :one",
        ConditionExpression: "#status = :sending",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":pending": "pending",
          ":sending": "sending",
          ":error": error.slice(0, 1000),
          ":one": 1,
        },
      }),
    );
  }

  async pending(createdBefore?: Date): Promise<OutboxItem[]> {
    return sortPending((await pendingOutboxItems(this.table, createdBefore)).map(parseOutboxItem));
  }

  /** pending → sending; with `expiredBefore`, also a sending claim made before it (its lease ran out). */
  private claimUpdate(ticketId: string, effectId: string, now: Date, expiredBefore?: Date) {
    return {
      TableName: this.table.name,
      Key: keys.outbox(ticketId, effectId),
      UpdateExpression: "SET #status = :sending, claimedAt = :now",
      ConditionExpression: expiredBefore
        ? "#status = :pending OR (#status = :sending AND claimedAt < :expired)"
        : "#status = :pending",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":sending": "sending",
        ":pending": "pending",
        ":now": now.toISOString(),
        ...(expiredBefore ? { ":expired": expiredBefore.toISOString() } : {}),
      },
    };
  }

  private completion(ticketId: string, effectId: string, result: EffectResult, now: Date) {
    return {
      TableName: this.table.name,
      Key: keys.outbox(ticketId, effectId),
      UpdateExpression: `SET #status = :done, doneAt = :at, #result = :result, #ttl = :ttl REMOVE ${PENDING_INDEX.partitionKey}`,
      ExpressionAttributeNames: { "#status": "status", "#result": "result", "#ttl": TTL_ATTRIBUTE },
      ExpressionAttributeValues: {
        ":done": "done",
        ":at": now.toISOString(),
        ":result": result,
        ":ttl": expiresAfterDays(now, DONE_OUTBOX_TTL_DAYS),
      },
    };
  }
}

/** Not done, oldest first; effects of one decision share createdAt and their ids end in #<position>. */
export function sortPending(items: OutboxItem[]): OutboxItem[] {
  const position = (item: OutboxItem) => Number(item.effect.id.split("#").at(-1)) || 0;
  return items
    .filter((item) => item.status !== "done")
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || position(a) - position(b));
}
