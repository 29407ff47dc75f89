/**
 * A persisted local table (`npm start -- --persist`) made by an earlier aviso keeps its old indexes:
 * CreateTable only says it exists. This brings its global secondary indexes to the definition in
 * functions/store/table.ts, one index change at a time (as DynamoDB allows), so the sweep and the
 * lead's list read indexes that exist. On AWS, CloudFormation does the same from the template.
 */
import {
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type GlobalSecondaryIndexDescription,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { tableDefinition } from "../../functions/store/table";

/** What an index is, for comparison: its keys and what it projects. */
function shape(index: GlobalSecondaryIndex | GlobalSecondaryIndexDescription): string {
  const projection = index.Projection ?? {};
  return JSON.stringify([
    (index.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`),
    projection.ProjectionType ?? "ALL",
    [...(projection.NonKeyAttributes ?? [])].sort(),
  ]);
}

async function untilActive(
  client: DynamoDBClient,
  table: string,
): Promise<GlobalSecondaryIndexDescription[]> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    if (Table?.TableStatus === "ACTIVE" && indexes.every((i) => i.IndexStatus === "ACTIVE")) return indexes;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the local table ${table} did not become active`);
}

/** Creates the missing indexes and replaces the ones whose keys or projection changed; returns what it did. */
export async function upgradeIndexes(client: DynamoDBClient, table: string): Promise<string[]> {
  const wanted = tableDefinition(table);
  const done: string[] = [];
  let existing = await untilActive(client, table);
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    const present = existing.find((i) => i.IndexName === index.IndexName);
    if (present && shape(present) === shape(index)) continue;
    if (present) {
      await client.send(
        new UpdateTableCommand({
          TableName: table,
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: index.IndexName } }],
        }),
      );
      await untilActive(client, table);
    }
    await client.send(
      new UpdateTableCommand({
        TableName: table,
        AttributeDefinitions: wanted.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    existing = await untilActive(client, table);
    done.push(`${present ? "replaced" : "created"} index ${index.IndexName}`);
  }
  return done;
}
