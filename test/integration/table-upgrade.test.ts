/**
 * A persisted local table made by an earlier aviso (one constant Pending key projecting everything, no
 * Active index) is brought to today's indexes when the runtime starts, so the sweep and the lead's
 * list find what they query.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { tableDefinition } from "../../functions/store/table";
import { upgradeIndexes } from "../../infra/local/table-upgrade";
import { credentials, useHarness } from "./harness";

const local = useHarness();

describe("upgrading a persisted local table", () => {
  it("replaces a changed index, creates a missing one, and then has nothing left to do", async () => {
    const client = new DynamoDBClient({ endpoint: local().dynamo.endpoint, region: "local", credentials });
    const table = `upgrade-${Date.now()}`;
    // The table of before issue 15: Pending projects ALL, and there is no Active index.
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "PK", AttributeType: "S" },
          { AttributeName: "SK", AttributeType: "S" },
          { AttributeName: "pending", AttributeType: "S" },
          { AttributeName: "createdAt", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "PK", KeyType: "HASH" },
          { AttributeName: "SK", KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: "Pending",
            KeySchema: [
              { AttributeName: "pending", KeyType: "HASH" },
              { AttributeName: "createdAt", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
      }),
    );

    expect(await upgradeIndexes(client, table)).toEqual(["replaced index Pending", "created index Active"]);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    const described = Object.fromEntries(
      (Table?.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i.Projection?.ProjectionType]),
    );
    const wanted = Object.fromEntries(
      (tableDefinition(table).GlobalSecondaryIndexes ?? []).map((i) => [
        i.IndexName,
        i.Projection?.ProjectionType,
      ]),
    );
    expect(described).toEqual(wanted);
    expect(await upgradeIndexes(client, table)).toEqual([]);
  });
});
