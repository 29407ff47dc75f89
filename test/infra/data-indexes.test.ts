/**
 * The table's indexes as AWS will create them: the partition key of each is the attribute the store
 * writes a shard into (never one constant), and each projects only what its readers use.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { shardKey } from "../../functions/store/keys";
import { ACTIVE_INDEX, PENDING_INDEX, tableDefinition } from "../../functions/store/table";
import { type Resources, synthAws } from "./aws-synth";

let table: Resources[string]["Properties"];

beforeAll(async () => {
  const { ofType } = await synthAws();
  const tables = ofType("AWS::DynamoDB::Table");
  expect(tables).toHaveLength(1);
  table = (tables[0] as [string, Resources[string]])[1].Properties;
}, 180_000);

type Gsi = {
  IndexName: string;
  KeySchema: { AttributeName: string; KeyType: string }[];
  Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
};
const gsi = (name: string) =>
  (table.GlobalSecondaryIndexes as Gsi[]).find((index) => index.IndexName === name) as Gsi;

describe("the table's indexes in the template", () => {
  it("Pending: keyed by the outbox item's shard and creation instant, keys only", () => {
    expect(gsi("Pending")).toEqual({
      IndexName: "Pending",
      KeySchema: [
        { AttributeName: "pending", KeyType: "HASH" },
        { AttributeName: "createdAt", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "KEYS_ONLY" },
    });
  });

  it("Active: keyed by the ticket's shard and 'open' or its closing instant, projecting the ticket only", () => {
    expect(gsi("Active")).toEqual({
      IndexName: "Active",
      KeySchema: [
        { AttributeName: "activeShard", KeyType: "HASH" },
        { AttributeName: "activeUntil", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["ticket"] },
    });
  });

  it("no index projects everything, and each key attribute is declared a string", () => {
    const indexes = table.GlobalSecondaryIndexes as Gsi[];
    expect(indexes.map((i) => i.IndexName).sort()).toEqual(["Active", "Pending"]);
    expect(indexes.filter((i) => i.Projection.ProjectionType === "ALL")).toEqual([]);
    const declared = table.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
    for (const name of ["pending", "createdAt", "activeShard", "activeUntil"])
      expect(declared).toContainEqual({ AttributeName: name, AttributeType: "S" });
  });

  it("the partition keys written are 16 shards, so 1,000 consecutive tickets spread over all of them", () => {
    for (const index of [PENDING_INDEX, ACTIVE_INDEX]) {
      const counts = new Map<string, number>();
      for (let n = 1001; n <= 2000; n++) {
        const key = shardKey(index, `T-${n}`);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      expect(counts.size).toBe(16);
      // Even enough: no shard takes more than twice its share.
      expect(Math.max(...counts.values())).toBeLessThan((2 * 1000) / 16);
    }
  });

  it("the local runtime's table (DynamoDB Local) is made from the same definition as the stack's", () => {
    const local = tableDefinition("aviso");
    const template = table.GlobalSecondaryIndexes as Gsi[];
    const byName = (list: Gsi[]) => [...list].sort((a, b) => a.IndexName.localeCompare(b.IndexName));
    expect(byName(template)).toEqual(byName(local.GlobalSecondaryIndexes as Gsi[]));
    expect(
      [...(table.AttributeDefinitions as unknown[])].sort((a, b) =>
        JSON.stringify(a).localeCompare(JSON.stringify(b)),
      ),
    ).toEqual(
      [...(local.AttributeDefinitions as unknown[])].sort((a, b) =>
        JSON.stringify(a).localeCompare(JSON.stringify(b)),
      ),
    );
  });
});
