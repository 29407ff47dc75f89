/**
 * The outbox sweep reads the Pending index on DynamoDB Local: sixteen shards (no partition takes every
 * insert), keys only in the index, each item read again by key so the sweep acts on its current state.
 */
import {
  BatchGetItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  QueryCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { decide, parseEvent, policySettings, type TicketEventInput } from "../../functions/core";
import { DynamoOutbox, DynamoTicketRepository } from "../../functions/store";
import { queryAll, type Table } from "../../functions/store/dynamo";
import { PENDING_INDEX, tableDefinition } from "../../functions/store/table";
import { credentials, useHarness } from "./harness";

const local = useHarness();
const settings = policySettings();
let table: Table;
let outbox: DynamoOutbox;
const commands: { command: string; input: Record<string, unknown> }[] = [];

/** 40 tickets opened a minute apart, each decision with its effects (mail, notice, timers). */
beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: local().dynamo.endpoint, region: "local", credentials });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  table = { doc, name: `pending-${process.pid}` };
  await client.send(new CreateTableCommand(tableDefinition(table.name)));
  const tickets = new DynamoTicketRepository(table);
  outbox = new DynamoOutbox(table);
  for (let n = 0; n < 40; n++) {
    const ticketId = `T-${1001 + n}`;
    const at = new Date(Date.parse("2026-11-23T08:00:00Z") + n * 60_000).toISOString();
    const input: TicketEventInput = {
      type: "client-new",
      id: `mail-${ticketId}`,
      ticketId,
      from: { address: `c${n}@cliente.example`, name: "Ana" },
      subject: "No imprime",
      text: "Desde ayer.",
      locale: "es",
      calendar: { timeZone: "Europe/Madrid" },
    };
    const event = parseEvent(input);
    await tickets.commit(undefined, decide(undefined, event, at, settings), event, new Date(at));
  }
}, 120_000);

describe("the Pending index", () => {
  it("spreads the effects over all sixteen shards and holds their keys only", async () => {
    const perShard = await Promise.all(
      Array.from({ length: PENDING_INDEX.shards }, (_, n) =>
        queryAll(table, {
          IndexName: PENDING_INDEX.name,
          KeyConditionExpression: "#p = :p",
          ExpressionAttributeNames: { "#p": PENDING_INDEX.partitionKey },
          ExpressionAttributeValues: { ":p": `PENDING#${n}` },
        }),
      ),
    );
    expect(perShard.filter((items) => items.length > 0)).toHaveLength(16);
    const all = perShard.flat();
    expect(all.length).toBeGreaterThan(100); // more than one BatchGetItem's worth
    for (const item of all) expect(Object.keys(item).sort()).toEqual(["PK", "SK", "createdAt", "pending"]);
    // One ticket's effects share one shard.
    const shardsOf = new Map<string, Set<unknown>>();
    for (const item of all) {
      const set = shardsOf.get(String(item.PK)) ?? new Set();
      set.add(item.pending);
      shardsOf.set(String(item.PK), set);
    }
    expect([...shardsOf.values()].every((set) => set.size === 1)).toBe(true);
  });

  it("the sweep gets every pending effect, whole and oldest first, without a scan", async () => {
    const perTicket = (await outbox.list("T-1001")).length;
    commands.length = 0;
    const pending = await outbox.pending();
    expect(pending).toHaveLength(40 * perTicket);
    expect(pending[0]?.ticketId).toBe("T-1001");
    expect(pending.at(-1)?.ticketId).toBe("T-1040");
    expect(pending.every((item) => item.status === "pending" && item.effect.kind)).toBe(true);
    const names = commands.map((c) => c.command);
    expect(names).not.toContain(ScanCommand.name);
    const queries = commands.filter((c) => c.command === QueryCommand.name);
    expect(queries).toHaveLength(PENDING_INDEX.shards);
    expect(new Set(queries.map((q) => q.input.IndexName))).toEqual(new Set(["Pending"]));
    expect(new Set(names.filter((n) => n !== QueryCommand.name))).toEqual(
      new Set([BatchGetItemCommand.name]),
    );
  });

  it("created before an instant: only the older effects; done ones leave the index", async () => {
    const older = await outbox.pending(new Date("2026-11-23T08:10:00Z"));
    expect(new Set(older.map((item) => item.ticketId)).size).toBe(10);
    for (const item of older.filter((i) => i.ticketId === "T-1001"))
      await outbox.complete(item.ticketId, item.effect.id, { outcome: "feedback-recorded" }, new Date());
    const after = await outbox.pending(new Date("2026-11-23T08:10:00Z"));
    expect(new Set(after.map((item) => item.ticketId)).size).toBe(9);
    expect(after.some((item) => item.ticketId === "T-1001")).toBe(false);
  });

  it("an effect claimed since the index named it comes back as it is now (sending), not as indexed", async () => {
    const [first] = await outbox.pending(new Date("2026-11-23T08:10:00Z"));
    if (!first) throw new Error("nothing pending");
    expect(await outbox.claim(first.ticketId, first.effect.id, new Date())).toBe("fresh");
    const again = await outbox.pending(new Date("2026-11-23T08:10:00Z"));
    expect(again.find((item) => item.effect.id === first.effect.id)?.status).toBe("sending");
  });
});
