import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Decision, Effect, Ticket, TicketEvent } from "../core";

export { PENDING_INDEX, TTL_ATTRIBUTE, tableDefinition } from "./table";

import { PENDING_INDEX, TTL_ATTRIBUTE } from "./table";

const DONE_OUTBOX_TTL_DAYS = 30;
/** How long a claimed effect is left to its performer: longer than the outbox Lambda's timeout. */
export const OUTBOX_LEASE_SECONDS = 300;
const FIRST_TICKET_NUMBER = 1000;

export class ConflictError extends Error {
  constructor(ticketId: string) {
    super(`ticket ${ticketId} changed while this event was decided`);
    this.name = "ConflictError";
  }
}

export interface OutboxItem {
  PK: string;
  SK: string;
  ticketId: string;
  effect: Effect;
  status: "pending" | "sending" | "done";
  /** Present until done: the key of the sparse Pending index. */
  pending?: "outbox";
  claimedAt?: string;
  createdAt: string;
  doneAt?: string;
  result?: string;
}

export interface TimelineEntry {
  at: string;
  kind: "event" | "effect" | "mail-in" | "quarantine";
  type: string;
  summary: string;
  data?: Record<string, unknown>;
}

export interface FeedbackEntry {
  ticketId: string;
  rating: number;
  comment?: string;
  idea?: string;
  at: string;
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

const key = {
  ticket: (id: string) => ({ PK: `TICKET#${id}`, SK: "META" }),
  message: (messageId: string) => ({ PK: `MSG#${normalizeMessageId(messageId)}`, SK: "MSG" }),
  thread: (id: string) => ({ PK: `TICKET#${id}`, SK: "THREAD" }),
  counter: { PK: "COUNTER", SK: "TICKET" },
  flag: (address: string) => ({ PK: `FLAG#${address.toLowerCase()}`, SK: "FLAG" }),
  /** A fixed-window counter: one item per name and window. */
  rate: (name: string, windowSeconds: number, now: Date) => ({
    PK: `RATE#${name.toLowerCase()}#${windowSeconds}#${Math.floor(now.getTime() / 1000 / windowSeconds)}`,
    SK: "RATE",
  }),
};

/** What decides whether aviso may mail some addresses now; see Store.mailingState. */
export interface MailingState {
  /** Flagged addresses (lowercase) with the reason. */
  flagged: Map<string, string>;
  /** Mail sent to each address (lowercase) in the current window. */
  sent: Map<string, number>;
  /** Automatic mail sent to anyone in the current window. */
  sentToAll: number;
  /** The ticket's thread, when asked for (see Store.thread). */
  thread: string[];
}

function itemKey(item: { PK: string; SK: string }): string {
  return `${item.PK}\u0000${item.SK}`;
}

export function normalizeMessageId(messageId: string): string {
  const trimmed = messageId.trim();
  return (trimmed.startsWith("<") ? trimmed : `<${trimmed}>`).toLowerCase();
}

/**
 * What the inbound function needs of the table: tickets and their commits, the message index, the
 * thread, counters, flags and quarantine. (A class of its own so the inbound bundle carries no more.)
 */
export class TicketStore {
  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async nextTicketId(): Promise<string> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.counter,
        UpdateExpression: "ADD #value :one",
        ExpressionAttributeNames: { "#value": "value" },
        ExpressionAttributeValues: { ":one": 1 },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return `T-${FIRST_TICKET_NUMBER + Number(result.Attributes?.value ?? 1)}`;
  }

  async loadTicket(ticketId: string): Promise<Ticket | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: key.ticket(ticketId), ConsistentRead: true }),
    );
    return result.Item?.ticket as Ticket | undefined;
  }

  /**
   * Writes the new ticket, its effects (outbox) and the timeline in one transaction, on condition
   * that nobody wrote the ticket since it was read. Outbox items are only ever created once.
   */
  async commit(
    previous: Ticket | undefined,
    decision: Decision,
    event: TicketEvent,
    now: Date,
  ): Promise<void> {
    const ticket = decision.ticket;
    if (!ticket) return;
    const at = now.toISOString();
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]> = [
      {
        Put: {
          TableName: this.table,
          Item: {
            ...key.ticket(ticket.id),
            ticket,
            version: ticket.version,
            status: ticket.status,
            clientAddress: ticket.client.address,
            lastClientMessageAt: ticket.lastClientMessageAt,
            updatedAt: at,
          },
          ...(previous
            ? {
                ConditionExpression: "#version = :previous",
                ExpressionAttributeNames: { "#version": "version" },
                ExpressionAttributeValues: { ":previous": previous.version },
              }
            : { ConditionExpression: "attribute_not_exists(PK)" }),
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: {
            PK: `TICKET#${ticket.id}`,
            SK: `EV#${at}#${event.id}`,
            entry: {
              at,
              kind: "event",
              type: event.type,
              summary: describeEvent(event),
              data: {
                eventId: event.id,
                outcome: decision.outcome,
                ...(decision.reason ? { reason: decision.reason } : {}),
              },
            } satisfies TimelineEntry,
          },
        },
      },
    ];
    for (const effect of decision.effects) {
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            PK: `TICKET#${ticket.id}`,
            SK: `OUT#${effect.id}`,
            ticketId: ticket.id,
            effect,
            status: "pending",
            pending: "outbox",
            createdAt: at,
          } satisfies OutboxItem,
          ConditionExpression: "attribute_not_exists(PK)",
        },
      });
    }
    if (items.length > 100)
      throw new Error(`decision for ${ticket.id} has too many effects (${items.length})`);
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === "ConditionalCheckFailed") throw new ConflictError(ticket.id);
        if (reasons.slice(2).some((reason) => reason.Code === "ConditionalCheckFailed")) {
          // The same effects exist already: this decision was committed by an earlier attempt.
          throw new ConflictError(ticket.id);
        }
      }
      throw error;
    }
  }

  /** Every item a query matches, page after page. */
  protected async queryAll(input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">) {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateQuery({ client: this.doc }, { ...input, TableName: this.table }))
      items.push(...(page.Items ?? []));
    return items;
  }

  async lookupMessage(messageId: string): Promise<string | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: key.message(messageId) }),
    );
    return result.Item?.ticketId as string | undefined;
  }

  /** Records a message id once; false when it was seen before (a second delivery of the same mail). */
  async claimMessage(messageId: string, ticketId: string | undefined, now: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...key.message(messageId),
            ...(ticketId ? { ticketId } : {}),
            receivedAt: now.toISOString(),
          },
          ConditionExpression: "attribute_not_exists(PK)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async indexMessage(messageId: string, ticketId: string, now: Date): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.message(messageId),
        UpdateExpression: "SET ticketId = :ticket, indexedAt = :at",
        ExpressionAttributeValues: { ":ticket": ticketId, ":at": now.toISOString() },
      }),
    );
  }

  /** Message ids of a ticket's thread, oldest first, for In-Reply-To and References. */
  async thread(ticketId: string): Promise<string[]> {
    const result = await this.doc.send(new GetCommand({ TableName: this.table, Key: key.thread(ticketId) }));
    return (result.Item?.ids as string[] | undefined) ?? [];
  }

  /**
   * Adds a message id to the end of a ticket's thread, once: a second call changes nothing. With
   * `sentAt`, the message is one of ours that reached the client: the thread also keeps when the last
   * one did (the lead's silence figure).
   */
  async appendThread(ticketId: string, messageId: string, sentAt?: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.thread(ticketId),
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

  /** Counts one more event for a key in a fixed window; returns the count so far in that window. */
  async countInWindow(name: string, windowSeconds: number, now: Date): Promise<number> {
    const window = Math.floor(now.getTime() / 1000 / windowSeconds);
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.rate(name, windowSeconds, now),
        UpdateExpression: "ADD #count :one SET #ttl = :ttl",
        ExpressionAttributeNames: { "#count": "count", "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ":one": 1, ":ttl": (window + 2) * windowSeconds },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Number(result.Attributes?.count ?? 1);
  }

  /** The count so far in the current window of a key, without counting anything. */
  async peekWindow(name: string, windowSeconds: number, now: Date): Promise<number> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: key.rate(name, windowSeconds, now) }),
    );
    return Number(result.Item?.count ?? 0);
  }

  /** Items by key (at most 100, distinct), in as few BatchGetItem calls as DynamoDB allows. */
  protected async getMany(keys: { PK: string; SK: string }[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    let wanted: Record<string, unknown>[] = keys;
    for (let attempt = 0; wanted.length > 0; attempt++) {
      if (attempt >= 8) throw new Error(`DynamoDB left ${wanted.length} keys unread after 8 attempts`);
      // Keys DynamoDB left unprocessed (throttling) are asked again after a growing pause.
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const result = await this.doc.send(
        new BatchGetCommand({ RequestItems: { [this.table]: { Keys: wanted, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[this.table] ?? [])
        found.set(itemKey(item as { PK: string; SK: string }), item);
      wanted = result.UnprocessedKeys?.[this.table]?.Keys ?? [];
    }
    return found;
  }

  async quarantine(entry: QuarantineEntry): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { PK: "QUARANTINE", SK: `${entry.at}#${entry.id}`, ...entry },
      }),
    );
  }

  /** Flags an address that bounced or complained: no more automatic mail to it. */
  async flagAddress(address: string, reason: string, now: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...key.flag(address), reason, at: now.toISOString() },
      }),
    );
  }

  /**
   * When aviso last mailed an address, if within the last window (to spot mail that answers ours
   * within minutes): the latest of the current and previous windows of its `out#` counter.
   */
  async lastMailedAt(address: string, windowSeconds: number, now: Date): Promise<string | undefined> {
    const name = `out#${address.toLowerCase()}`;
    const previous = new Date(now.getTime() - windowSeconds * 1000);
    const items = await this.getMany([
      key.rate(name, windowSeconds, now),
      key.rate(name, windowSeconds, previous),
    ]);
    const times = [...items.values()]
      .map((item) => item.lastAt)
      .filter((at): at is string => typeof at === "string");
    return times.sort().at(-1);
  }

  async isFlagged(address: string): Promise<string | undefined> {
    const result = await this.doc.send(new GetCommand({ TableName: this.table, Key: key.flag(address) }));
    return result.Item?.reason as string | undefined;
  }
}

/** The single-table repository: all of TicketStore, and the outbox, feedback, reports and listings. */
export class Store extends TicketStore {
  async addTimeline(ticketId: string, entry: TimelineEntry): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          PK: `TICKET#${ticketId}`,
          SK: `EV#${entry.at}#${entry.kind}-${Math.random().toString(36).slice(2, 8)}`,
          entry,
        },
      }),
    );
  }

  async timeline(ticketId: string): Promise<TimelineEntry[]> {
    const items = await this.queryAll({
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :ev)",
      ExpressionAttributeValues: { ":pk": `TICKET#${ticketId}`, ":ev": "EV#" },
    });
    return items.map((item) => item.entry as TimelineEntry);
  }

  /** Every item a scan matches, page after page. */
  private async scanAll(input: Omit<ScanCommandInput, "TableName" | "ExclusiveStartKey">) {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: this.doc }, { ...input, TableName: this.table }))
      items.push(...(page.Items ?? []));
    return items;
  }

  async outbox(ticketId: string): Promise<OutboxItem[]> {
    return (await this.queryAll({
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :out)",
      ExpressionAttributeValues: { ":pk": `TICKET#${ticketId}`, ":out": "OUT#" },
    })) as unknown as OutboxItem[];
  }

  /** A ticket's effects not yet done. */
  async openOutbox(ticketId: string): Promise<OutboxItem[]> {
    return (await this.queryAll({
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :out)",
      FilterExpression: "#status <> :done",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":pk": `TICKET#${ticketId}`, ":out": "OUT#", ":done": "done" },
    })) as unknown as OutboxItem[];
  }

  /**
   * Takes an effect for performing: pending → sending. False when another delivery holds it or it is
   * done. A claim older than the lease (a crash mid-way) can be taken again: a retry, not a loss.
   */
  async claimOutboxItem(
    ticketId: string,
    effectId: string,
    now: Date,
    leaseSeconds = OUTBOX_LEASE_SECONDS,
  ): Promise<false | "fresh" | "expired"> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          ...this.claim(ticketId, effectId, now, new Date(now.getTime() - leaseSeconds * 1000)),
          ReturnValues: "UPDATED_OLD",
        }),
      );
      return result.Attributes?.status === "sending" ? "expired" : "fresh";
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** pending → sending; with `expiredBefore`, also a sending claim made before it (its lease ran out). */
  private claim(ticketId: string, effectId: string, now: Date, expiredBefore?: Date) {
    return {
      TableName: this.table,
      Key: { PK: `TICKET#${ticketId}`, SK: `OUT#${effectId}` },
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

  async completeOutboxItem(ticketId: string, effectId: string, result: string, now: Date): Promise<void> {
    await this.doc.send(new UpdateCommand(this.completion(ticketId, effectId, result, now)));
  }

  private completion(ticketId: string, effectId: string, result: string, now: Date) {
    return {
      TableName: this.table,
      Key: { PK: `TICKET#${ticketId}`, SK: `OUT#${effectId}` },
      UpdateExpression: "SET #status = :done, doneAt = :at, #result = :result, #ttl = :ttl REMOVE pending",
      ExpressionAttributeNames: { "#status": "status", "#result": "result", "#ttl": TTL_ATTRIBUTE },
      ExpressionAttributeValues: {
        ":done": "done",
        ":at": now.toISOString(),
        ":result": result,
        ":ttl": Math.floor(now.getTime() / 1000) + DONE_OUTBOX_TTL_DAYS * 86_400,
      },
    };
  }

  /**
   * Claims several pending effects of one ticket in one transaction: all of them, or none when one of
   * them is not pending any more (another delivery holds it, a claim ran out, it is done). On false
   * the caller claims one by one, which tells these cases apart.
   */
  async claimOutboxItems(ticketId: string, effectIds: string[], now: Date): Promise<boolean> {
    if (effectIds.length === 0) return true;
    if (effectIds.length > 100) return false;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: effectIds.map((effectId) => ({
            Update: this.claim(ticketId, effectId, now),
          })),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  /** Marks several performed effects of one ticket done, in one transaction when it can. */
  async completeOutboxItems(
    ticketId: string,
    results: { effectId: string; result: string }[],
    now: Date,
  ): Promise<void> {
    if (results.length === 1 || results.length > 100) {
      for (const { effectId, result } of results)
        await this.completeOutboxItem(ticketId, effectId, result, now);
      return;
    }
    if (results.length === 0) return;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: results.map(({ effectId, result }) => ({
            Update: this.completion(ticketId, effectId, result, now),
          })),
        }),
      );
    } catch (error) {
      // A transaction meeting another writer on one item is cancelled whole: mark them one by one.
      if (!(error instanceof TransactionCanceledException)) throw error;
      for (const { effectId, result } of results)
        await this.completeOutboxItem(ticketId, effectId, result, now);
    }
  }

  /** Hands a claimed effect back after a failure, so the next delivery retries it. */
  async releaseOutboxItem(ticketId: string, effectId: string, error: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { PK: `TICKET#${ticketId}`, SK: `OUT#${effectId}` },
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

  /**
   * Effects not yet done, oldest first, from the sparse Pending index (for the sweeper that retries
   * what a crash left); `createdBefore` keeps the ones the stream is still handling out.
   */
  async pendingOutbox(createdBefore?: Date): Promise<OutboxItem[]> {
    const items = await this.queryAll({
      IndexName: PENDING_INDEX.name,
      KeyConditionExpression: createdBefore ? "#p = :p AND #c < :before" : "#p = :p",
      ExpressionAttributeNames: {
        "#p": PENDING_INDEX.partitionKey,
        ...(createdBefore ? { "#c": PENDING_INDEX.sortKey } : {}),
      },
      ExpressionAttributeValues: {
        ":p": "outbox",
        ...(createdBefore ? { ":before": createdBefore.toISOString() } : {}),
      },
    });
    // Effects of one decision share createdAt; their ids end in #<position>.
    const position = (item: OutboxItem) => Number(item.effect.id.split("#").at(-1)) || 0;
    return (items as unknown as OutboxItem[])
      .filter((item) => item.status !== "done")
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || position(a) - position(b));
  }

  /** What the mail system reported it accepted for an effect (SES Send events, via ses-events). */
  async recordSent(ticketId: string, effectId: string, messageId: string, now: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          PK: `TICKET#${ticketId}`,
          SK: `SENT#${effectId}`,
          messageId,
          at: now.toISOString(),
          [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + DONE_OUTBOX_TTL_DAYS * 86_400,
        },
      }),
    );
  }

  async sentMessageId(ticketId: string, effectId: string): Promise<string | undefined> {
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { PK: `TICKET#${ticketId}`, SK: `SENT#${effectId}` },
        ConsistentRead: true,
      }),
    );
    return result.Item?.messageId as string | undefined;
  }

  async outboxItem(ticketId: string, effectId: string): Promise<OutboxItem | undefined> {
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { PK: `TICKET#${ticketId}`, SK: `OUT#${effectId}` },
        ConsistentRead: true,
      }),
    );
    return result.Item as OutboxItem | undefined;
  }

  /**
   * In one read, for automatic mail to these addresses: which are flagged, how much each was sent in
   * the current window of `out#<address>` counters, and how much automatic mail went to anyone.
   */
  async mailingState(
    addresses: string[],
    windowSeconds: number,
    now: Date,
    threadOf?: string,
  ): Promise<MailingState> {
    const unique = [...new Set(addresses.map((a) => a.toLowerCase()))];
    const keys = [
      ...unique.map((a) => key.flag(a)),
      ...unique.map((a) => key.rate(`out#${a}`, windowSeconds, now)),
      key.rate("out#*", windowSeconds, now),
      ...(threadOf ? [key.thread(threadOf)] : []),
    ];
    const items = await this.getMany(keys);
    const state: MailingState = { flagged: new Map(), sent: new Map(), sentToAll: 0, thread: [] };
    if (threadOf)
      state.thread = (items.get(itemKey(key.thread(threadOf)))?.ids as string[] | undefined) ?? [];
    for (const address of unique) {
      const flag = items.get(itemKey(key.flag(address)));
      if (flag) state.flagged.set(address, String(flag.reason));
      const sent = items.get(itemKey(key.rate(`out#${address}`, windowSeconds, now)));
      state.sent.set(address, Number(sent?.count ?? 0));
    }
    state.sentToAll = Number(items.get(itemKey(key.rate("out#*", windowSeconds, now)))?.count ?? 0);
    return state;
  }

  async quarantined(): Promise<QuarantineEntry[]> {
    return (await this.queryAll({
      KeyConditionExpression: "PK = :pk",
      ExpressionAttributeValues: { ":pk": "QUARANTINE" },
    })) as unknown as QuarantineEntry[];
  }

  async recordFeedback(
    ticketId: string,
    feedback: { rating: number; comment?: string; idea?: string },
    now: Date,
  ) {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          PK: "FEEDBACK",
          SK: `${now.toISOString()}#${ticketId}`,
          ticketId,
          ...feedback,
          at: now.toISOString(),
        },
      }),
    );
  }

  async feedback(): Promise<FeedbackEntry[]> {
    return (await this.queryAll({
      KeyConditionExpression: "PK = :pk",
      ExpressionAttributeValues: { ":pk": "FEEDBACK" },
    })) as unknown as FeedbackEntry[];
  }

  /**
   * Counts mail that went out: one more for each address in the current window of its `out#<address>`
   * counter, which also keeps when the address was last mailed, and one more in the global `out#*`
   * counter when the mail was automatic.
   */
  async recordMailSent(addresses: string[], automatic: boolean, windowSeconds: number, now: Date) {
    const window = Math.floor(now.getTime() / 1000 / windowSeconds);
    const count = (name: string, lastAt: boolean) =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.rate(name, windowSeconds, now),
          UpdateExpression: `ADD #count :one SET #ttl = :ttl${lastAt ? ", lastAt = :now" : ""}`,
          ExpressionAttributeNames: { "#count": "count", "#ttl": TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ":one": 1,
            ":ttl": (window + 2) * windowSeconds,
            ...(lastAt ? { ":now": now.toISOString() } : {}),
          },
        }),
      );
    await Promise.all([
      ...[...new Set(addresses.map((a) => a.toLowerCase()))].map((a) => count(`out#${a}`, true)),
      ...(automatic ? [count("out#*", false)] : []),
    ]);
  }

  /** Every ticket (small installations and the local runtime; the stack adds no index for this yet). */
  /** Takes the right to send one report (a Scheduler retry or a second runtime must not send it twice). */
  async claimReport(key: string, now: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { PK: "REPORT", SK: key, at: now.toISOString() },
          ConditionExpression: "attribute_not_exists(PK)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** When a client message of a ticket last actually went out (not suppressed, not failed). */
  async lastClientMailSent(ticketId: string): Promise<string | undefined> {
    const result = await this.doc.send(new GetCommand({ TableName: this.table, Key: key.thread(ticketId) }));
    return result.Item?.lastSentAt as string | undefined;
  }

  /** Every ticket with the instant its client last actually got mail from us. */
  async listTicketsWithLastSent(): Promise<{ ticket: Ticket; lastSentAt?: string }[]> {
    const items = await this.scanAll({
      FilterExpression: "(SK = :meta OR SK = :thread) AND begins_with(PK, :ticket)",
      ExpressionAttributeValues: { ":meta": "META", ":thread": "THREAD", ":ticket": "TICKET#" },
    });
    const sent = new Map(
      items
        .filter((i) => i.SK === "THREAD" && typeof i.lastSentAt === "string")
        .map((i) => [i.PK as string, i.lastSentAt as string]),
    );
    return items
      .filter((i) => i.SK === "META")
      .map((i) => {
        const lastSentAt = sent.get(i.PK as string);
        return { ticket: i.ticket as Ticket, ...(lastSentAt ? { lastSentAt } : {}) };
      });
  }

  async listTickets(): Promise<Ticket[]> {
    const items = await this.scanAll({
      FilterExpression: "SK = :meta AND begins_with(PK, :ticket)",
      ExpressionAttributeValues: { ":meta": "META", ":ticket": "TICKET#" },
    });
    return items.map((item) => item.ticket as Ticket);
  }
}

function describeEvent(event: TicketEvent): string {
  switch (event.type) {
    case "client-new":
      return `new request from ${event.from.address}: ${event.subject}`;
    case "client-reply":
      return `client replied (${event.intent})`;
    case "timer":
      return `timer ${event.name} fired`;
    case "escalate":
      return `escalated to ${event.escalatedTo}`;
    case "feedback":
      return `feedback ${event.rating}/5`;
    default:
      return "actor" in event && event.actor ? `${event.type} by ${event.actor.address}` : event.type;
  }
}
