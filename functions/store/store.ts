import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Decision, Effect, Ticket, TicketEvent } from "../core";

/**
 * A sparse index of the outbox effects not yet done: an effect carries `pending` from its insert until
 * it is marked done, so the sweeper finds what a crash or an exhausted stream retry left without a scan.
 */
export const PENDING_INDEX = { name: "Pending", partitionKey: "pending", sortKey: "createdAt" } as const;

/** The one table of DESIGN §2; the stack and the local runtime both create it from this. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "PK", AttributeType: "S" },
      { AttributeName: "SK", AttributeType: "S" },
      { AttributeName: PENDING_INDEX.partitionKey, AttributeType: "S" },
      { AttributeName: PENDING_INDEX.sortKey, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "PK", KeyType: "HASH" },
      { AttributeName: "SK", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: PENDING_INDEX.name,
        KeySchema: [
          { AttributeName: PENDING_INDEX.partitionKey, KeyType: "HASH" },
          { AttributeName: PENDING_INDEX.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
  };
}

export const TTL_ATTRIBUTE = "expiresAt";
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
};

export function normalizeMessageId(messageId: string): string {
  const trimmed = messageId.trim();
  return (trimmed.startsWith("<") ? trimmed : `<${trimmed}>`).toLowerCase();
}

/** The single-table repository: tickets, timeline, outbox, message index, counters. */
export class Store {
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

  /** Every item a query matches, page after page. */
  private async queryAll(input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Every item a scan matches, page after page. */
  private async scanAll(input: Omit<ScanCommandInput, "TableName" | "ExclusiveStartKey">) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
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
          TableName: this.table,
          Key: { PK: `TICKET#${ticketId}`, SK: `OUT#${effectId}` },
          UpdateExpression: "SET #status = :sending, claimedAt = :now",
          ConditionExpression: "#status = :pending OR (#status = :sending AND claimedAt < :expired)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":sending": "sending",
            ":pending": "pending",
            ":now": now.toISOString(),
            ":expired": new Date(now.getTime() - leaseSeconds * 1000).toISOString(),
          },
          ReturnValues: "UPDATED_OLD",
        }),
      );
      return result.Attributes?.status === "sending" ? "expired" : "fresh";
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async completeOutboxItem(ticketId: string, effectId: string, result: string, now: Date): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
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
      }),
    );
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

  async appendThread(ticketId: string, messageId: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.thread(ticketId),
        UpdateExpression: "SET ids = list_append(if_not_exists(ids, :empty), :id)",
        ExpressionAttributeValues: { ":empty": [], ":id": [messageId] },
      }),
    );
  }

  /** Counts one more event for a key in a fixed window; returns the count so far in that window. */
  async countInWindow(name: string, windowSeconds: number, now: Date): Promise<number> {
    const window = Math.floor(now.getTime() / 1000 / windowSeconds);
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { PK: `RATE#${name.toLowerCase()}#${windowSeconds}#${window}`, SK: "RATE" },
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
    const window = Math.floor(now.getTime() / 1000 / windowSeconds);
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { PK: `RATE#${name.toLowerCase()}#${windowSeconds}#${window}`, SK: "RATE" },
      }),
    );
    return Number(result.Item?.count ?? 0);
  }

  async quarantine(entry: QuarantineEntry): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { PK: "QUARANTINE", SK: `${entry.at}#${entry.id}`, ...entry },
      }),
    );
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

  /** Flags an address that bounced or complained: no more automatic mail to it. */
  async flagAddress(address: string, reason: string, now: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { PK: `FLAG#${address.toLowerCase()}`, SK: "FLAG", reason, at: now.toISOString() },
      }),
    );
  }

  /** When aviso last mailed an address (to spot mail that answers ours within minutes). */
  async recordMailedAt(address: string, now: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          PK: `ADDR#${address.toLowerCase()}`,
          SK: "LAST-MAILED",
          at: now.toISOString(),
          [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + 2 * 86_400,
        },
      }),
    );
  }

  async lastMailedAt(address: string): Promise<string | undefined> {
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { PK: `ADDR#${address.toLowerCase()}`, SK: "LAST-MAILED" },
      }),
    );
    return result.Item?.at as string | undefined;
  }

  async isFlagged(address: string): Promise<string | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { PK: `FLAG#${address.toLowerCase()}`, SK: "FLAG" } }),
    );
    return result.Item?.reason as string | undefined;
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
  async recordClientMailSent(ticketId: string, now: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { PK: `TICKET#${ticketId}`, SK: "LAST-SENT" },
          UpdateExpression: "SET #at = :at",
          ConditionExpression: "attribute_not_exists(#at) OR #at < :at",
          ExpressionAttributeNames: { "#at": "at" },
          ExpressionAttributeValues: { ":at": now.toISOString() },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async lastClientMailSent(ticketId: string): Promise<string | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { PK: `TICKET#${ticketId}`, SK: "LAST-SENT" } }),
    );
    return result.Item?.at as string | undefined;
  }

  /** Every ticket with the instant its client last actually got mail from us. */
  async listTicketsWithLastSent(): Promise<{ ticket: Ticket; lastSentAt?: string }[]> {
    const items = await this.scanAll({
      FilterExpression: "(SK = :meta OR SK = :sent) AND begins_with(PK, :ticket)",
      ExpressionAttributeValues: { ":meta": "META", ":sent": "LAST-SENT", ":ticket": "TICKET#" },
    });
    const sent = new Map(
      items.filter((i) => i.SK === "LAST-SENT").map((i) => [i.PK as string, i.at as string]),
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
