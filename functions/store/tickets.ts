/** Tickets and their timelines on the table; a commit also writes the decision's outbox items. */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, type TicketReader, type TicketRepository, type TimelineEntry } from "../app/ports";
import { DEFAULT_CLOSED_TICKET_RETENTION_DAYS } from "../config";
import type { Decision, Ticket, TicketEvent } from "../core";
import { expiresAfterDays, getItem, queryPartition, type Table } from "./dynamo";
import { parseItem, TicketItemSchema, TimelineItemSchema } from "./items";
import * as keys from "./keys";
import { ACTIVE_INDEX, PENDING_INDEX, STILL_OPEN, TTL_ATTRIBUTE } from "./table";

const FIRST_TICKET_NUMBER = 1000;

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>;

/** Reads tickets: all the outbox function needs (its bundle leaves out commits and timelines). */
export class DynamoTicketReader implements TicketReader {
  constructor(protected readonly table: Table) {}

  async load(ticketId: string): Promise<Ticket | undefined> {
    const item = await getItem(this.table, keys.ticket(ticketId), true);
    return item ? parseItem(TicketItemSchema, item, `ticket ${ticketId}`).ticket : undefined;
  }
}

export class DynamoTicketRepository extends DynamoTicketReader implements TicketRepository {
  constructor(
    table: Table,
    /** A closed ticket's item expires this long after it closed (config closedTicketRetentionDays). */
    private readonly closedTicketRetentionDays = DEFAULT_CLOSED_TICKET_RETENTION_DAYS,
  ) {
    super(table);
  }

  async nextTicketId(): Promise<string> {
    const result = await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.counter,
        UpdateExpression: "ADD #value :one",
        ExpressionAttributeNames: { "#value": "value" },
        ExpressionAttributeValues: { ":one": 1 },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return `T-${FIRST_TICKET_NUMBER + Number(result.Attributes?.value ?? 1)}`;
  }

  async commit(
    previous: Ticket | undefined,
    decision: Decision,
    event: TicketEvent,
    now: Date,
  ): Promise<void> {
    const ticket = decision.ticket;
    if (!ticket) return;
    const at = now.toISOString();
    const table = this.table.name;
    const items: TransactItems = [
      {
        Put: {
          TableName: table,
          Item: {
            ...keys.ticket(ticket.id),
            ticket,
            version: ticket.version,
            status: ticket.status,
            clientAddress: ticket.client.address,
            lastClientMessageAt: ticket.lastClientMessageAt,
            updatedAt: at,
            // The Active index's keys: the lead's list and the weekly report query it, not the table.
            [ACTIVE_INDEX.partitionKey]: keys.shardKey(ACTIVE_INDEX, ticket.id),
            [ACTIVE_INDEX.sortKey]: ticket.status === "closed" ? (ticket.closedAt ?? at) : STILL_OPEN,
            // Closed tickets expire (DESIGN §7, forgetting); a reopened one is written without it.
            ...(ticket.status === "closed"
              ? {
                  [TTL_ATTRIBUTE]: expiresAfterDays(
                    new Date(ticket.closedAt ?? at),
                    this.closedTicketRetentionDays,
                  ),
                }
              : {}),
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
          TableName: table,
          Item: { ...keys.timeline(ticket.id, at, event.id), entry: eventEntry(decision, event, at) },
        },
      },
    ];
    for (const effect of decision.effects) {
      items.push({
        Put: {
          TableName: table,
          Item: {
            ...keys.outbox(ticket.id, effect.id),
            ticketId: ticket.id,
            effect,
            status: "pending",
            // Present until done: the key (shard) of the sparse Pending index the sweeper reads.
            [PENDING_INDEX.partitionKey]: keys.shardKey(PENDING_INDEX, ticket.id),
            createdAt: at,
          },
          ConditionExpression: "attribute_not_exists(PK)",
        },
      });
    }
    if (items.length > 100)
      throw new Error(`decision for ${ticket.id} has too many effects (${items.length})`);
    try {
      await this.table.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === "ConditionalCheckFailed") throw new ConflictError(ticket.id);
        // The same effects exist already: this decision was committed by an earlier attempt.
        if (reasons.slice(2).some((reason) => reason.Code === "ConditionalCheckFailed"))
          throw new ConflictError(ticket.id);
      }
      throw error;
    }
  }

  async addTimeline(ticketId: string, entry: TimelineEntry): Promise<void> {
    const suffix = `${entry.kind}-${Math.random().toString(36).slice(2, 8)}`;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.timeline(ticketId, entry.at, suffix), entry },
      }),
    );
  }

  async timeline(ticketId: string): Promise<TimelineEntry[]> {
    const items = await queryPartition(this.table, keys.ticketPartition(ticketId), keys.timelinePrefix);
    return items.map((item) => parseItem(TimelineItemSchema, item, `timeline of ${ticketId}`).entry);
  }
}

export function eventEntry(decision: Decision, event: TicketEvent, at: string): TimelineEntry {
  return {
    at,
    kind: "event",
    type: event.type,
    summary: describeEvent(event),
    data: {
      eventId: event.id,
      outcome: decision.outcome,
      ...(decision.reason ? { reason: decision.reason } : {}),
      // Where the mail the event came from is kept, so forgetting its sender erases it too.
      ...decision.timelineData,
    },
  };
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
