import type { CreateTableCommandInput, GlobalSecondaryIndex } from "@aws-sdk/client-dynamodb";

/** One global secondary index: its key attributes (strings), its shards and what it projects. */
export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Partition key values are `<prefix><n>`, n < shards (keys.shardOf): no partition takes every write. */
  readonly shardPrefix: string;
  readonly shards: number;
  /** Non-key attributes copied into the index; none (KEYS_ONLY) when empty. */
  readonly include: readonly string[];
}

/**
 * A sparse index of the outbox effects not yet done: an effect carries `pending` (its shard) from its
 * insert until it is marked done, so the sweeper finds what a crash or an exhausted stream retry left
 * without a scan. Keys only: the sweeper reads each item again, consistently, before it acts.
 */
export const PENDING_INDEX: IndexDefinition = {
  name: "Pending",
  partitionKey: "pending",
  sortKey: "createdAt",
  shardPrefix: "PENDING#",
  shards: 16,
  include: [],
};

/**
 * The tickets the lead's list and the weekly report read, without a scan of the table: a ticket item
 * carries `activeShard`, and `activeUntil` is "open" while it is not closed, its closing instant once
 * closed (ISO instants sort before "open"). So `activeUntil = "open"` is the open tickets and
 * `activeUntil >= <instant>` adds those closed since. Closed tickets leave the index with their item
 * (retention TTL). Projects the ticket; the thread's lastSentAt is read by key.
 */
export const ACTIVE_INDEX: IndexDefinition = {
  name: "Active",
  partitionKey: "activeShard",
  sortKey: "activeUntil",
  shardPrefix: "ACTIVE#",
  shards: 16,
  include: ["ticket"],
};
export const STILL_OPEN = "open";

export const INDEXES: readonly IndexDefinition[] = [PENDING_INDEX, ACTIVE_INDEX];

/** The one table of DESIGN §2; the stack and the local runtime both create it from this. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "PK", AttributeType: "S" },
      { AttributeName: "SK", AttributeType: "S" },
      ...[...new Set(INDEXES.flatMap((i) => [i.partitionKey, i.sortKey]))].map((name) => ({
        AttributeName: name,
        AttributeType: "S" as const,
      })),
    ],
    KeySchema: [
      { AttributeName: "PK", KeyType: "HASH" },
      { AttributeName: "SK", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: INDEXES.map(
      (index): GlobalSecondaryIndex => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: "HASH" },
          { AttributeName: index.sortKey, KeyType: "RANGE" },
        ],
        Projection:
          index.include.length > 0
            ? { ProjectionType: "INCLUDE", NonKeyAttributes: [...index.include] }
            : { ProjectionType: "KEYS_ONLY" },
      }),
    ),
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
  };
}

export const TTL_ATTRIBUTE = "expiresAt";

/** Done outbox items and sent-ledger entries stay readable (the lead's page, the API) this long. */
export const DONE_OUTBOX_TTL_DAYS = 30;
