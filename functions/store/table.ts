import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

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

/** Done outbox items and sent-ledger entries stay readable (the lead's page, the API) this long. */
export const DONE_OUTBOX_TTL_DAYS = 30;
