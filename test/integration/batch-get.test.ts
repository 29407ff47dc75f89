/** BatchGetItem takes at most 100 keys a request: getMany splits larger reads (a mail to 49+ addresses). */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { getMany } from "../../functions/store/dynamo";
import { tableDefinition } from "../../functions/store/table";
import { credentials, useHarness } from "./harness";

const local = useHarness();

describe("getMany", () => {
  it("reads 250 keys, more than one BatchGetItem request takes", async () => {
    const client = new DynamoDBClient({ endpoint: local().dynamo.endpoint, region: "local", credentials });
    const doc = DynamoDBDocumentClient.from(client);
    const name = `batch-${process.pid}-${Date.now()}`;
    await client.send(new CreateTableCommand(tableDefinition(name)));
    const keys = Array.from({ length: 250 }, (_, i) => ({ PK: `FLAG`, SK: `a${i}@cliente.example` }));
    for (let i = 0; i < keys.length; i += 25)
      await doc.send(
        new BatchWriteCommand({
          RequestItems: { [name]: keys.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    const found = await getMany({ doc, name }, [...keys, { PK: "FLAG", SK: "nobody@cliente.example" }]);
    expect(found.size).toBe(250);
  });
});
