/**
 * The lead's list and the weekly report read the Active index on DynamoDB Local: a query per shard,
 * never a scan, and only the tickets asked for (not closed; closed since an instant; or all held):
 * the store, and GET /tickets and the weekly report through it.
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
import { handleApiRequest } from "../../functions/app/api";
import { sendWeeklyReport } from "../../functions/app/report";
import { loadConfig } from "../../functions/config";
import { decide, parseEvent, policySettings, type Ticket, type TicketEventInput } from "../../functions/core";
import { DynamoMailLedger, DynamoReports, DynamoTicketRepository, dynamoStores } from "../../functions/store";
import { ACTIVE_INDEX, tableDefinition } from "../../functions/store/table";
import { credentials, useHarness } from "./harness";

const local = useHarness();
const settings = policySettings();
const actor = { address: "lucia@aviso.test", name: "Lucía" };

/** The commands a client sends (the low-level names the document client's commands become), with their input. */
function recorded(client: DynamoDBClient) {
  const sent: { command: string; input: Record<string, unknown> }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  return sent;
}

let tickets: DynamoTicketRepository;
let stores: ReturnType<typeof dynamoStores>;
const config = loadConfig({
  supportAddress: "soporte@aviso.test",
  technicians: [actor],
  supportLead: "lead@aviso.test",
  tokenSecret: "indexes-active-secret-0123456789",
  feedbackUrl: "http://127.0.0.1:3000/feedback",
});
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const appDeps = (now: Date) => ({ ...stores, config, clock: { now: () => new Date(now) }, log: quiet });
let reports: DynamoReports;
let sent: ReturnType<typeof recorded>;
const state = new Map<string, Ticket>();

async function apply(ticketId: string, at: string, input: Record<string, unknown>) {
  const event = parseEvent({ id: `${ticketId}-${input.type}-${at}`, ticketId, ...input } as TicketEventInput);
  const previous = state.get(ticketId);
  const decision = decide(previous, event, at, settings);
  await tickets.commit(previous, decision, event, new Date(at));
  if (decision.ticket) state.set(ticketId, decision.ticket);
}

async function open(ticketId: string, at: string) {
  await apply(ticketId, at, {
    type: "client-new",
    from: { address: `${ticketId.toLowerCase()}@cliente.example`, name: "Ana" },
    subject: `Problema ${ticketId}`,
    text: "No funciona.",
    locale: "es",
    calendar: { timeZone: "Europe/Madrid" },
  });
}
async function close(ticketId: string, resolvedAt: string, closedAt: string) {
  await apply(ticketId, resolvedAt, { type: "resolve", actor, fix: "Arreglado." });
  await apply(ticketId, closedAt, { type: "confirm" });
}

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: local().dynamo.endpoint, region: "local", credentials });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const table = { doc, name: `active-${process.pid}` };
  await client.send(new CreateTableCommand(tableDefinition(table.name)));
  tickets = new DynamoTicketRepository(table);
  stores = dynamoStores(doc, table.name);
  reports = new DynamoReports(table);
  // 40 tickets over all shards: 30 still open, 1 resolved (awaiting confirmation), 9 closed at
  // different instants; one of the open ones has had mail from us.
  for (let n = 1001; n <= 1040; n++) await open(`T-${n}`, "2026-11-02T09:00:00.000Z");
  await apply("T-1031", "2026-11-20T10:00:00.000Z", { type: "resolve", actor, fix: "Probad ahora." });
  for (let n = 1032; n <= 1040; n++)
    await close(`T-${n}`, `2026-11-${n - 1022}T09:00:00.000Z`, `2026-11-${n - 1022}T10:00:00.000Z`);
  await new DynamoMailLedger(table).appendThread("T-1001", "<ours@ses>", new Date("2026-11-03T09:00:00Z"));
  sent = recorded(client);
}, 120_000);

const ids = (list: { ticket: Ticket }[]) => list.map(({ ticket }) => ticket.id).sort();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `T-${from + i}`);

describe("tickets across the table, read from the Active index", () => {
  it("closed since now: the tickets not closed (open or awaiting confirmation), each with its last mail sent", async () => {
    sent.length = 0;
    const list = await reports.ticketsWithLastSent({ closedSince: new Date("2026-11-30T00:00:00Z") });
    expect(ids(list)).toEqual(range(1001, 1031));
    expect(list.find(({ ticket }) => ticket.id === "T-1001")?.lastSentAt).toBe("2026-11-03T09:00:00.000Z");
    expect(list.find(({ ticket }) => ticket.id === "T-1031")?.ticket.status).toBe("resolved");
    expect(list.filter(({ lastSentAt }) => lastSentAt)).toHaveLength(1);
    // What was read back is the ticket as committed.
    expect(list.find(({ ticket }) => ticket.id === "T-1007")?.ticket).toEqual(state.get("T-1007"));
  });

  it("closed since a week's start: adds exactly the tickets closed in that week", async () => {
    // T-1032..T-1040 closed on Nov 10..18 at 10:00.
    const list = await reports.ticketsWithLastSent({ closedSince: new Date("2026-11-14T10:00:00.000Z") });
    expect(ids(list)).toEqual([...range(1001, 1031), ...range(1036, 1040)]);
  });

  it("without a bound: every ticket held, as before", async () => {
    expect(ids(await reports.ticketsWithLastSent())).toEqual(range(1001, 1040));
  });

  it("never scans: one query of the Active index per shard, then reads by key", async () => {
    sent.length = 0;
    await reports.ticketsWithLastSent({ closedSince: new Date("2026-11-14T10:00:00.000Z") });
    const names = sent.map((s) => s.command);
    expect(names).not.toContain(ScanCommand.name);
    const queries = sent.filter((s) => s.command === QueryCommand.name);
    expect(queries).toHaveLength(ACTIVE_INDEX.shards);
    expect(new Set(queries.map((q) => q.input.IndexName))).toEqual(new Set(["Active"]));
    const shards = queries.map((q) => (q.input.ExpressionAttributeValues as Record<string, unknown>)[":p"]);
    expect(new Set(shards).size).toBe(ACTIVE_INDEX.shards);
    expect(new Set(names.filter((n) => n !== QueryCommand.name))).toEqual(
      new Set([BatchGetItemCommand.name]),
    );
  });

  it("GET /tickets lists the tickets not closed, read from the index", async () => {
    sent.length = 0;
    const response = await handleApiRequest(appDeps(new Date("2026-11-30T00:00:00Z")), {
      method: "GET",
      path: "/tickets",
    });
    const body = JSON.parse(response.body) as { tickets: { id: string }[] };
    expect(body.tickets.map((t) => t.id).sort()).toEqual(range(1001, 1031));
    expect(sent.map((s) => s.command)).not.toContain(ScanCommand.name);
  });

  it("the weekly report reads the tickets not closed and those closed since the week began", async () => {
    const now = new Date("2026-11-20T12:00:00.000Z");
    sent.length = 0;
    const result = await sendWeeklyReport({
      ...appDeps(now),
      mailer: { send: async () => ({ messageId: "<report@test>" }) },
    });
    expect(result.sent).toBe(true);
    expect(sent.map((s) => s.command)).not.toContain(ScanCommand.name);
    const queries = sent.filter((s) => s.command === QueryCommand.name && s.input.IndexName === "Active");
    expect(queries).toHaveLength(ACTIVE_INDEX.shards);
    for (const query of queries)
      expect((query.input.ExpressionAttributeValues as Record<string, unknown>)[":s"]).toBe(
        "2026-11-13T12:00:00.000Z",
      );
  });

  it("a reopened ticket is open again in the index", async () => {
    await apply("T-1040", "2026-11-25T09:00:00.000Z", { type: "reopen", actor, text: "Vuelve a fallar." });
    const list = await reports.ticketsWithLastSent({ closedSince: new Date("2026-11-30T00:00:00Z") });
    expect(ids(list)).toContain("T-1040");
    expect(state.get("T-1040")?.status).toBe("open");
  });
});
