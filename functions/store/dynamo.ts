/** What every DynamoDB adapter of the table shares: the client, paging, batches, guarded writes. */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  type QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as keys from "./keys";
import { type ItemKey, keyString, windowOf } from "./keys";
import { type IndexDefinition, PENDING_INDEX, TTL_ATTRIBUTE } from "./table";

export interface Table {
  doc: DynamoDBDocumentClient;
  name: string;
}

export async function getItem(table: Table, key: ItemKey, consistent = false) {
  const result = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: key, ...(consistent ? { ConsistentRead: true } : {}) }),
  );
  return result.Item;
}

/** Puts an item only if none exists under its key; false when one did (a duplicate). */
export async function putIfAbsent(table: Table, item: ItemKey & Record<string, unknown>): Promise<boolean> {
  try {
    await table.doc.send(
      new PutCommand({ TableName: table.name, Item: item, ConditionExpression: "attribute_not_exists(PK)" }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Every item a query matches, page after page. */
export async function queryAll(
  table: Table,
  input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateQuery({ client: table.doc }, { ...input, TableName: table.name }))
    items.push(...(page.Items ?? []));
  return items;
}

/** Every item of one partition whose sort key starts with a prefix (or all of it). */
export function queryPartition(table: Table, partition: string, sortPrefix?: string) {
  return queryAll(table, {
    KeyConditionExpression: sortPrefix ? "PK = :pk AND begins_with(SK, :prefix)" : "PK = :pk",
    ExpressionAttributeValues: { ":pk": partition, ...(sortPrefix ? { ":prefix": sortPrefix } : {}) },
  });
}

/** What a query of a sharded index asks of the sort key in every shard. */
export type SortCondition = { equals: string } | { atLeast: string } | { below: string } | undefined;

/**
 * Every item of a sharded index whose sort key meets a condition: one query per shard, side by side,
 * merged in sort key order. What comes back is what the index projects (keys at least).
 */
export async function queryShards(
  table: Table,
  index: IndexDefinition,
  sort?: SortCondition,
): Promise<Record<string, unknown>[]> {
  const operator = !sort ? undefined : "equals" in sort ? "=" : "atLeast" in sort ? ">=" : "<";
  const value = !sort
    ? undefined
    : "equals" in sort
      ? sort.equals
      : "atLeast" in sort
        ? sort.atLeast
        : sort.below;
  const shards = await Promise.all(
    Array.from({ length: index.shards }, (_, n) =>
      queryAll(table, {
        IndexName: index.name,
        KeyConditionExpression: operator ? `#p = :p AND #s ${operator} :s` : "#p = :p",
        ExpressionAttributeNames: { "#p": index.partitionKey, ...(operator ? { "#s": index.sortKey } : {}) },
        ExpressionAttributeValues: { ":p": `${index.shardPrefix}${n}`, ...(operator ? { ":s": value } : {}) },
      }),
    ),
  );
  const sortKey = (item: Record<string, unknown>) => String(item[index.sortKey] ?? "");
  // By code unit, as DynamoDB orders string keys (localeCompare would follow a locale's collation).
  return shards.flat().sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/** Items by key, any number, read consistently 100 at a time; missing ones are left out of the map. */
export async function getAll(
  table: Table,
  wantedKeys: ItemKey[],
): Promise<Map<string, Record<string, unknown>>> {
  const distinct = [...new Map(wantedKeys.map((key) => [keyString(key), key])).values()];
  const found = new Map<string, Record<string, unknown>>();
  for (let start = 0; start < distinct.length; start += 100)
    for (const [key, item] of await getMany(table, distinct.slice(start, start + 100))) found.set(key, item);
  return found;
}

/**
 * The outbox items not yet done (created before an instant, when given), read again by key after the
 * sharded, keys-only Pending index named them: what comes back is their current state, oldest first.
 */
export async function pendingOutboxItems(
  table: Table,
  createdBefore?: Date,
): Promise<Record<string, unknown>[]> {
  const named = await queryShards(
    table,
    PENDING_INDEX,
    createdBefore ? { below: createdBefore.toISOString() } : undefined,
  );
  const current = await getAll(
    table,
    named.map((item) => ({ PK: String(item.PK), SK: String(item.SK) })),
  );
  return named.flatMap((item) => {
    const now = current.get(keyString({ PK: String(item.PK), SK: String(item.SK) }));
    return now ? [now] : [];
  });
}

/** Items by key (at most 100, distinct), in as few BatchGetItem calls as DynamoDB allows. */
/** BatchGetItem takes at most 100 keys a request (DynamoDB's documented limit). */
const BATCH_GET_KEYS = 100;

export async function getMany(
  table: Table,
  wantedKeys: ItemKey[],
): Promise<Map<string, Record<string, unknown>>> {
  if (wantedKeys.length > BATCH_GET_KEYS) {
    const batches: ItemKey[][] = [];
    for (let i = 0; i < wantedKeys.length; i += BATCH_GET_KEYS)
      batches.push(wantedKeys.slice(i, i + BATCH_GET_KEYS));
    const found = await Promise.all(batches.map((batch) => getMany(table, batch)));
    return new Map(found.flatMap((map) => [...map]));
  }
  const found = new Map<string, Record<string, unknown>>();
  let wanted: Record<string, unknown>[] = wantedKeys.map((key) => ({ ...key }));
  for (let attempt = 0; wanted.length > 0; attempt++) {
    if (attempt >= 8) throw new Error(`DynamoDB left ${wanted.length} keys unread after 8 attempts`);
    // Keys DynamoDB left unprocessed (throttling) are asked again after a growing pause.
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    const result = await table.doc.send(
      new BatchGetCommand({ RequestItems: { [table.name]: { Keys: wanted, ConsistentRead: true } } }),
    );
    for (const item of result.Responses?.[table.name] ?? []) found.set(keyString(item as ItemKey), item);
    wanted = result.UnprocessedKeys?.[table.name]?.Keys ?? [];
  }
  return found;
}

/**
 * Counts one more in the fixed window of a name; the counter expires after the next window. With
 * `lastAt`, the counter also keeps the instant of its latest count. Returns the count so far.
 */
export async function countInWindow(
  table: Table,
  name: string,
  windowSeconds: number,
  now: Date,
  options: { lastAt?: boolean } = {},
): Promise<number> {
  const result = await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: keys.rate(name, windowSeconds, now),
      UpdateExpression: `ADD #count :one SET #ttl = :ttl${options.lastAt ? ", lastAt = :now" : ""}`,
      ExpressionAttributeNames: { "#count": "count", "#ttl": TTL_ATTRIBUTE },
      ExpressionAttributeValues: {
        ":one": 1,
        ":ttl": (windowOf(now, windowSeconds) + 2) * windowSeconds,
        ...(options.lastAt ? { ":now": now.toISOString() } : {}),
      },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  return Number(result.Attributes?.count ?? 1);
}

/** The epoch second `days` after an instant: a TTL value. */
export function expiresAfterDays(now: Date, days: number): number {
  return Math.floor(now.getTime() / 1000) + days * 86_400;
}
