/** Message ids on the table: the index that threads mail to tickets, each ticket's thread, the sent ledger. */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { MailLedger } from "../app/ports";
import { expiresAfterDays, getItem, putIfAbsent, type Table } from "./dynamo";
import { MessageItemSchema, parseItem, SentItemSchema, ThreadItemSchema } from "./items";
import * as keys from "./keys";
import { DONE_OUTBOX_TTL_DAYS, TTL_ATTRIBUTE } from "./table";

export class DynamoMailLedger implements MailLedger {
  constructor(private readonly table: Table) {}

  async lookupMessage(messageId: string): Promise<string | undefined> {
    const item = await getItem(this.table, keys.message(messageId));
    return item ? parseItem(MessageItemSchema, item, "message index entry").ticketId : undefined;
  }

  claimMessage(messageId: string, ticketId: string | undefined, now: Date): Promise<boolean> {
    return putIfAbsent(this.table, {
      ...keys.message(messageId),
      ...(ticketId ? { ticketId } : {}),
      receivedAt: now.toISOString(),
    });
  }

  async indexMessage(messageId: string, ticketId: string, now: Date): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.message(messageId),
        UpdateExpression: "SET ticketId = :ticket, indexedAt = :at",
        ExpressionAttributeValues: { ":ticket": ticketId, ":at": now.toISOString() },
      }),
    );
  }

  async thread(ticketId: string): Promise<string[]> {
    return (await this.threadItem(ticketId)).ids;
  }

  async lastClientMailSent(ticketId: string): Promise<string | undefined> {
    return (await this.threadItem(ticketId)).lastSentAt;
  }

  async appendThread(ticketId: string, messageId: string, sentAt?: Date): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.thread(ticketId),
          UpdateExpression: `SET ids = list_append(if_not_exists(ids, :empty), :id)${sentAt ? ", lastSentAt = :at" : ""}`,
          ConditionExpression: "attribute_not_exists(ids) OR NOT contains(ids, :one)",
          ExpressionAttributeValues: {
            ":empty": [],
            ":id": [messageId],
            ":one": messageId,
            ...(sentAt ? { ":at": sentAt.toISOString() } : {}),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async recordSent(ticketId: string, effectId: string, messageId: string, now: Date): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.sent(ticketId, effectId),
          messageId,
          at: now.toISOString(),
          [TTL_ATTRIBUTE]: expiresAfterDays(now, DONE_OUTBOX_TTL_DAYS),
        },
      }),
    );
  }

  async sentMessageId(ticketId: string, effectId: string): Promise<string | undefined> {
    const item = await getItem(this.table, keys.sent(ticketId, effectId), true);
    return item ? parseItem(SentItemSchema, item, "sent ledger entry").messageId : undefined;
  }

  private async threadItem(ticketId: string) {
    const item = await getItem(this.table, keys.thread(ticketId));
    return item
      ? parseItem(ThreadItemSchema, item, `thread of ${ticketId}`)
      : { ids: [] as string[], lastSentAt: undefined };
  }
}
