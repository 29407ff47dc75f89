/**
 * One contract, two adapters: every storage port behaves the same on DynamoDB Local and in memory,
 * so fast application tests on the memory adapters mean what they say on the table.
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { ConflictError, type Stores } from "../../functions/app/ports";
import { decide, parseEvent, policySettings, type TicketEventInput } from "../../functions/core";
import { dynamoStores } from "../../functions/store";
import { memoryStores } from "../../functions/store/memory";
import { TTL_ATTRIBUTE, tableDefinition } from "../../functions/store/table";
import { DynamoTicketRepository } from "../../functions/store/tickets";
import { credentials, useHarness } from "./harness";

const local = useHarness();
let tables = 0;

async function dynamo(): Promise<Stores> {
  const client = new DynamoDBClient({ endpoint: local().dynamo.endpoint, region: "local", credentials });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  tables += 1;
  const table = `contract-${process.pid}-${tables}`;
  await client.send(new CreateTableCommand(tableDefinition(table)));
  return dynamoStores(doc, table);
}

const settings = policySettings();
const opened = "2026-11-23T09:00:00Z";

function newRequest(ticketId: string, id = "mail-1") {
  const input: TicketEventInput = {
    type: "client-new",
    id,
    ticketId,
    from: { address: "Ana@Cliente.example", name: "Ana" },
    subject: "La impresora no imprime",
    text: "Desde ayer no imprime.",
    locale: "es",
    calendar: { timeZone: "Europe/Madrid" },
  };
  const event = parseEvent(input);
  return { event, decision: decide(undefined, event, opened, settings) };
}

const adapters: [string, () => Promise<Stores>][] = [
  ["memory", async () => memoryStores()],
  ["DynamoDB Local", dynamo],
];

describe.each(adapters)("the storage ports on %s", (_name, make) => {
  it("tickets: codes never repeat; a commit is version-checked; what is read back is what was written", async () => {
    const s = await make();
    const ids = [await s.tickets.nextTicketId(), await s.tickets.nextTicketId()];
    expect(ids).toEqual(["T-1001", "T-1002"]);
    const { event, decision } = newRequest("T-1001");
    await s.tickets.commit(undefined, decision, event, new Date(opened));
    const ticket = await s.tickets.load("T-1001");
    expect(ticket).toEqual(decision.ticket);
    expect(await s.tickets.load("T-9999")).toBeUndefined();
    // A second writer that read nothing (or an older version) loses.
    await expect(s.tickets.commit(undefined, decision, event, new Date(opened))).rejects.toBeInstanceOf(
      ConflictError,
    );
    const diagnosis = parseEvent({
      type: "diagnosis",
      id: "d1",
      ticketId: "T-1001",
      actor: "lucia@aviso.test",
      text: "The driver was replaced by the update.",
    });
    const next = decide(ticket, diagnosis, "2026-11-23T10:00:00Z", settings);
    await s.tickets.commit(ticket, next, diagnosis, new Date("2026-11-23T10:00:00Z"));
    await expect(
      s.tickets.commit(ticket, next, diagnosis, new Date("2026-11-23T10:00:01Z")),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await s.tickets.load("T-1001"))?.diagnosis?.text).toBe("The driver was replaced by the update.");
    const timeline = await s.tickets.timeline("T-1001");
    expect(timeline.map((e) => [e.kind, e.type])).toEqual([
      ["event", "client-new"],
      ["event", "diagnosis"],
    ]);
    await s.tickets.addTimeline("T-1001", {
      at: "2026-11-23T11:00:00.000Z",
      kind: "mail-in",
      type: "x",
      summary: "y",
    });
    expect((await s.tickets.timeline("T-1001")).at(-1)).toMatchObject({ kind: "mail-in", summary: "y" });
  });

  it("outbox: committed effects are pending in order; a claim is taken once, expires after its lease, and is released or completed", async () => {
    const s = await make();
    const { event, decision } = newRequest("T-1001");
    await s.tickets.commit(undefined, decision, event, new Date(opened));
    const ids = decision.effects.map((e) => e.id);
    expect(ids.length).toBeGreaterThan(1);
    const pending = await s.outbox.pending();
    expect(pending.map((i) => i.effect.id)).toEqual(ids);
    expect(pending.every((i) => i.status === "pending" && i.ticketId === "T-1001")).toBe(true);
    expect(await s.outbox.pending(new Date(opened))).toEqual([]);
    const [first = "", second = "", ...rest] = ids;
    const t0 = new Date("2026-11-23T09:00:05Z");
    expect(await s.outbox.claim("T-1001", first, t0)).toBe("fresh");
    expect(await s.outbox.claim("T-1001", first, t0)).toBe(false);
    expect(await s.outbox.claim("T-1001", first, new Date(t0.getTime() + 301_000))).toBe("expired");
    await s.outbox.release("T-1001", first, "SES throttled");
    expect(await s.outbox.item("T-1001", first)).toMatchObject({
      status: "pending",
      lastError: "SES throttled",
      attempts: 1,
    });
    await expect(s.outbox.release("T-1001", first, "again")).rejects.toThrow();
    // All or none: one of them is taken already.
    expect(await s.outbox.claim("T-1001", second, t0)).toBe("fresh");
    expect(await s.outbox.claimAll("T-1001", [first, second], t0)).toBe(false);
    expect((await s.outbox.item("T-1001", first))?.status).toBe("pending");
    expect(await s.outbox.claimAll("T-1001", [first, ...rest], t0)).toBe(true);
    await s.outbox.complete("T-1001", second, { outcome: "sent", messageId: "<m2@ses>" }, t0);
    await s.outbox.completeAll(
      "T-1001",
      [first, ...rest].map((effectId) => ({
        effectId,
        result: { outcome: "timer-set", timer: "eod", at: opened },
      })),
      t0,
    );
    const done = await s.outbox.list("T-1001");
    expect(done.every((i) => i.status === "done")).toBe(true);
    expect(done.find((i) => i.effect.id === second)?.result).toEqual({
      outcome: "sent",
      messageId: "<m2@ses>",
    });
    expect(await s.outbox.pending()).toEqual([]);
  });

  it("mail ledger: a message id is claimed once, whatever its case or brackets; threads append once", async () => {
    const s = await make();
    const now = new Date(opened);
    expect(await s.mail.claimMessage("<Abc@Mail.example>", "T-1001", now)).toBe(true);
    expect(await s.mail.claimMessage("abc@mail.example", "T-1002", now)).toBe(false);
    expect(await s.mail.lookupMessage("ABC@mail.example")).toBe("T-1001");
    expect(await s.mail.lookupMessage("<nobody@x>")).toBeUndefined();
    await s.mail.indexMessage("<ours@ses>", "T-1001", now);
    expect(await s.mail.lookupMessage("<ours@ses>")).toBe("T-1001");
    expect(await s.mail.thread("T-1001")).toEqual([]);
    await s.mail.appendThread("T-1001", "<abc@mail.example>");
    await s.mail.appendThread("T-1001", "<ours@ses>", new Date("2026-11-23T09:01:00Z"));
    await s.mail.appendThread("T-1001", "<ours@ses>", new Date("2026-11-23T10:00:00Z"));
    expect(await s.mail.thread("T-1001")).toEqual(["<abc@mail.example>", "<ours@ses>"]);
    expect(await s.mail.lastClientMailSent("T-1001")).toBe("2026-11-23T09:01:00.000Z");
    expect(await s.mail.sentMessageId("T-1001", "e#1")).toBeUndefined();
    await s.mail.recordSent("T-1001", "e#1", "<ours@ses>", now);
    expect(await s.mail.sentMessageId("T-1001", "e#1")).toBe("<ours@ses>");
  });

  it("throttle: fixed windows count, flags are case-insensitive, and one read tells the mailing state", async () => {
    const s = await make();
    const at = new Date("2026-11-23T08:15:00Z");
    expect(await s.throttle.countInWindow("in#ana@x", 600, at)).toBe(1);
    expect(await s.throttle.countInWindow("in#ana@x", 600, new Date("2026-11-23T08:19:59Z"))).toBe(2);
    expect(await s.throttle.countInWindow("in#ana@x", 600, new Date("2026-11-23T08:20:00Z"))).toBe(1);
    expect(await s.throttle.peekWindow("in#ana@x", 600, at)).toBe(2);
    expect(await s.throttle.peekWindow("in#nobody@x", 600, at)).toBe(0);
    await s.throttle.flagAddress("Bounce@X.example", "hard bounce", at);
    expect(await s.throttle.isFlagged("bounce@x.example")).toBe("hard bounce");
    expect(await s.throttle.isFlagged("other@x.example")).toBeUndefined();
    await s.throttle.recordMailSent(
      ["Ana@X.example", "ana@x.example"],
      true,
      600,
      new Date("2026-11-23T08:19:50Z"),
    );
    await s.mail.appendThread("T-7", "<m@x>");
    const state = await s.throttle.mailingState(
      ["ana@x.example", "BOUNCE@x.example"],
      600,
      new Date("2026-11-23T08:19:59Z"),
      "T-7",
    );
    expect(state.sent.get("ana@x.example")).toBe(1);
    expect(state.sent.get("bounce@x.example")).toBe(0);
    expect(state.flagged.get("bounce@x.example")).toBe("hard bounce");
    expect(state.sentToAll).toBe(1);
    expect(state.thread).toEqual(["<m@x>"]);
    expect(await s.throttle.lastMailedAt("ana@x.example", 600, new Date("2026-11-23T08:22:00Z"))).toBe(
      "2026-11-23T08:19:50.000Z",
    );
    expect(
      await s.throttle.lastMailedAt("ana@x.example", 600, new Date("2026-11-23T08:45:00Z")),
    ).toBeUndefined();
  });

  it("quarantine, feedback and reports keep what they are given; a report is claimed once", async () => {
    const s = await make();
    await s.quarantine.quarantine({
      at: "2026-11-23T09:00:00.000Z",
      id: "abc",
      kind: "bulk",
      reason: "List-Unsubscribe",
      rawRef: "memory://abc",
      from: "news@x",
    });
    expect(await s.quarantine.quarantined()).toEqual([
      {
        at: "2026-11-23T09:00:00.000Z",
        id: "abc",
        kind: "bulk",
        reason: "List-Unsubscribe",
        rawRef: "memory://abc",
        from: "news@x",
      },
    ]);
    await s.feedback.recordFeedback("T-1001", { rating: 2, comment: "lento" }, new Date(opened));
    expect(await s.feedback.feedback()).toEqual([
      { ticketId: "T-1001", rating: 2, comment: "lento", at: "2026-11-23T09:00:00.000Z" },
    ]);
    const { event, decision } = newRequest("T-1001");
    await s.tickets.commit(undefined, decision, event, new Date(opened));
    await s.mail.appendThread("T-1001", "<ours@ses>", new Date("2026-11-23T09:01:00Z"));
    expect(await s.reports.ticketsWithLastSent()).toEqual([
      { ticket: decision.ticket, lastSentAt: "2026-11-23T09:01:00.000Z" },
    ]);
    expect(await s.reports.claimReport("weekly#2026-11-23", new Date(opened))).toBe(true);
    expect(await s.reports.claimReport("weekly#2026-11-23", new Date(opened))).toBe(false);
  });

  it("feedback: one per ticket; recorded again under its first instant, the last one is kept (issue 14)", async () => {
    const s = await make();
    const first = "2026-11-23T09:00:00.000Z";
    await s.feedback.recordFeedback("T-1001", { rating: 2, comment: "lento" }, new Date(opened), first);
    await s.feedback.recordFeedback("T-1001", { rating: 4 }, new Date("2026-11-24T10:00:00Z"), first);
    await s.feedback.recordFeedback(
      "T-1001",
      { rating: 1, idea: "portal" },
      new Date("2026-11-25T10:00:00Z"),
      first,
    );
    await s.feedback.recordFeedback("T-1002", { rating: 5 }, new Date("2026-11-23T10:00:00Z"));
    expect(await s.feedback.feedback()).toEqual([
      { ticketId: "T-1001", rating: 1, idea: "portal", at: first },
      { ticketId: "T-1002", rating: 5, at: "2026-11-23T10:00:00.000Z" },
    ]);
    // Entries of before (one per submission) read as the latest of them.
    await s.feedback.recordFeedback("T-1002", { rating: 3 }, new Date("2026-11-26T10:00:00Z"));
    expect((await s.feedback.feedback()).filter((f) => f.ticketId === "T-1002")).toEqual([
      { ticketId: "T-1002", rating: 3, at: "2026-11-26T10:00:00.000Z" },
    ]);
  });
});

describe.each(adapters)("flags, quarantine and forgetting on %s (issue 14)", (_name, make) => {
  const day = 86_400_000;
  it("flags expire (read-time, whatever the TTL deleted), are listed and cleared", async () => {
    const s = await make();
    const at = new Date("2026-11-23T08:15:00Z");
    const later = (days: number) => new Date(at.getTime() + days * day);
    const responder = "looks like an auto-responder: 3 new requests today";
    await s.throttle.flagAddress("Loop@X.example", responder, at);
    await s.throttle.flagAddress("gone@x.example", "permanent bounce (General)", at);
    await s.throttle.flagAddress("short@x.example", "hard bounce", at, 1);
    expect(await s.throttle.flags(at)).toEqual([
      {
        address: "gone@x.example",
        reason: "permanent bounce (General)",
        at: at.toISOString(),
        until: later(30).toISOString(),
      },
      { address: "loop@x.example", reason: responder, at: at.toISOString(), until: later(7).toISOString() },
      {
        address: "short@x.example",
        reason: "hard bounce",
        at: at.toISOString(),
        until: later(1).toISOString(),
      },
    ]);
    expect(await s.throttle.isFlagged("short@x.example", later(0.5))).toBe("hard bounce");
    expect(await s.throttle.isFlagged("short@x.example", later(2))).toBeUndefined();
    const state = await s.throttle.mailingState(["short@x.example", "loop@x.example"], 600, later(2));
    expect([...state.flagged.keys()]).toEqual(["loop@x.example"]);
    expect((await s.throttle.flags(later(8))).map((f) => f.address)).toEqual(["gone@x.example"]);
    expect(await s.throttle.clearFlag("GONE@x.example")).toBe(true);
    expect(await s.throttle.clearFlag("gone@x.example")).toBe(false);
    expect(await s.throttle.isFlagged("gone@x.example", later(8))).toBeUndefined();
    expect(await s.throttle.flags(at)).toHaveLength(2);
  });

  it("quarantine: an entry is settled once, put back on hold, and removed", async () => {
    const s = await make();
    const entry = {
      at: "2026-11-23T09:00:00.000Z",
      id: "abc",
      kind: "bulk",
      reason: "List-Unsubscribe",
      rawRef: "memory://abc",
    };
    await s.quarantine.quarantine(entry);
    const now = new Date("2026-11-23T10:00:00Z");
    expect(await s.quarantine.settle({ at: entry.at, id: "nope" }, "discarded", now)).toBe(false);
    expect(await s.quarantine.settle(entry, "released", now, "T-1001")).toBe(true);
    expect(await s.quarantine.settle(entry, "discarded", now)).toBe(false);
    expect(await s.quarantine.quarantined()).toEqual([
      { ...entry, status: "released", settledAt: now.toISOString(), outcome: "T-1001" },
    ]);
    await s.quarantine.unsettle(entry);
    expect(await s.quarantine.quarantined()).toEqual([entry]);
    await s.quarantine.remove([entry]);
    expect(await s.quarantine.quarantined()).toEqual([]);
  });

  it("forgetting a client erases its tickets and all that hangs on them, and nothing of anybody else", async () => {
    const s = await make();
    const now = new Date(opened);
    const ana = newRequest("T-1001");
    await s.tickets.commit(undefined, ana.decision, ana.event, now);
    const other = parseEvent({
      ...ana.event,
      id: "mail-2",
      ticketId: "T-1002",
      from: { address: "bea@otra.example" },
    });
    await s.tickets.commit(undefined, decide(undefined, other, opened, settings), other, now);
    await s.tickets.addTimeline("T-1001", {
      at: "2026-11-23T09:00:01.000Z",
      kind: "mail-in",
      type: "reply",
      summary: "reply",
      data: { rawRef: "memory://ana-reply" },
    });
    await s.mail.claimMessage("<ana-1@cliente.example>", "T-1001", now);
    await s.mail.indexMessage("<ours-1@ses>", "T-1001", now);
    await s.mail.appendThread("T-1001", "<ana-1@cliente.example>");
    await s.mail.claimMessage("<bea-1@otra.example>", "T-1002", now);
    await s.feedback.recordFeedback("T-1001", { rating: 5 }, now);
    await s.feedback.recordFeedback("T-1002", { rating: 4 }, now);
    await s.throttle.flagAddress("ana@cliente.example", "hard bounce", now);
    await s.throttle.flagAddress("bea@otra.example", "hard bounce", now);
    const held = { at: opened, kind: "bulk", reason: "x" };
    await s.quarantine.quarantine({ ...held, id: "q1", rawRef: "memory://q1", from: "ANA@cliente.example" });
    await s.quarantine.quarantine({ ...held, id: "q2", rawRef: "memory://q2", from: "bea@otra.example" });

    const dry = await s.reports.forgetClient("Ana@Cliente.example", { dryRun: true });
    expect(dry).toMatchObject({
      address: "ana@cliente.example",
      tickets: ["T-1001"],
      removed: { tickets: 1, threads: 1, messageIndex: 2, feedback: 1, flags: 1, quarantine: 1 },
    });
    expect(dry.removed.timeline).toBe(2);
    expect(dry.removed.outbox).toBe(ana.decision.effects.length);
    expect(dry.rawRefs.sort()).toEqual(["memory://ana-reply", "memory://q1"]);
    expect(await s.tickets.load("T-1001")).toBeDefined();

    expect(await s.reports.forgetClient("ana@cliente.example")).toEqual(dry);
    expect(await s.tickets.load("T-1001")).toBeUndefined();
    expect(await s.tickets.timeline("T-1001")).toEqual([]);
    expect(await s.outbox.list("T-1001")).toEqual([]);
    expect(await s.mail.thread("T-1001")).toEqual([]);
    expect(await s.mail.lookupMessage("<ana-1@cliente.example>")).toBeUndefined();
    expect(await s.mail.lookupMessage("<ours-1@ses>")).toBeUndefined();
    expect(await s.throttle.isFlagged("ana@cliente.example", now)).toBeUndefined();
    // Nobody else's data goes.
    expect((await s.tickets.load("T-1002"))?.client.address).toBe("bea@otra.example");
    expect(await s.mail.lookupMessage("<bea-1@otra.example>")).toBe("T-1002");
    expect((await s.feedback.feedback()).map((f) => f.ticketId)).toEqual(["T-1002"]);
    expect(await s.throttle.isFlagged("bea@otra.example", now)).toBe("hard bounce");
    expect((await s.quarantine.quarantined()).map((q) => q.id)).toEqual(["q2"]);
    expect((await s.reports.forgetClient("ana@cliente.example")).tickets).toEqual([]);
  });
});

describe.each(adapters)("retention on %s (issue 14, forgetting)", (_name, make) => {
  it("reports: the tickets not closed, with those closed since an instant; all of them without one", async () => {
    const s = await make();
    const commitAll = async (
      ticketId: string,
      steps: [TicketEventInput | Record<string, unknown>, string][],
    ) => {
      let ticket = await s.tickets.load(ticketId);
      for (const [input, at] of steps) {
        const next = parseEvent({ ...input, ticketId } as TicketEventInput);
        await s.tickets.commit(ticket, decide(ticket, next, at, settings), next, new Date(at));
        ticket = await s.tickets.load(ticketId);
      }
    };
    for (const [ticketId, mail] of [
      ["T-1001", "mail-1"],
      ["T-1002", "mail-2"],
      ["T-1003", "mail-3"],
    ] as const) {
      const { event, decision } = newRequest(ticketId, mail);
      await s.tickets.commit(undefined, decision, event, new Date(opened));
    }
    const resolve = { type: "resolve", id: "r1", actor: "lucia@aviso.test", fix: "Driver reinstalled." };
    await commitAll("T-1002", [
      [resolve, "2026-11-23T10:00:00Z"],
      [{ type: "confirm", id: "c1" }, "2026-11-23T11:00:00Z"],
    ]);
    await commitAll("T-1003", [[resolve, "2026-11-23T10:00:00Z"]]);
    const ids = (list: { ticket: { id: string } }[]) => list.map(({ ticket }) => ticket.id).sort();
    expect(
      ids(await s.reports.ticketsWithLastSent({ closedSince: new Date("2026-11-23T11:00:01Z") })),
    ).toEqual(["T-1001", "T-1003"]);
    expect(
      ids(await s.reports.ticketsWithLastSent({ closedSince: new Date("2026-11-23T11:00:00Z") })),
    ).toEqual(["T-1001", "T-1002", "T-1003"]);
    expect(ids(await s.reports.ticketsWithLastSent())).toEqual(["T-1001", "T-1002", "T-1003"]);
  });

  it("expireTickets erases tickets closed before the cutoff and partitions left without their ticket item", async () => {
    const s = await make();
    const { event, decision } = newRequest("T-1001");
    await s.tickets.commit(undefined, decision, event, new Date(opened));
    let ticket = await s.tickets.load("T-1001");
    for (const [input, at] of [
      [
        { type: "resolve", id: "r1", actor: "lucia@aviso.test", fix: "Driver reinstalled." },
        "2026-11-23T10:00:00Z",
      ],
      [{ type: "confirm", id: "c1" }, "2026-11-23T11:00:00Z"],
    ] as const) {
      const next = parseEvent({ ...input, ticketId: "T-1001" });
      await s.tickets.commit(ticket, decide(ticket, next, at, settings), next, new Date(at));
      ticket = await s.tickets.load("T-1001");
    }
    const open = newRequest("T-1002", "mail-2");
    await s.tickets.commit(undefined, open.decision, open.event, new Date(opened));
    await s.mail.claimMessage("<closed@x>", "T-1001", new Date(opened));
    await s.mail.claimMessage("<open@x>", "T-1002", new Date(opened));
    // What the table's TTL leaves of a ticket whose item it removed.
    await s.tickets.addTimeline("T-1009", { at: opened, kind: "mail-in", type: "x", summary: "y" });
    await s.throttle.flagAddress("ana@cliente.example", "hard bounce", new Date(opened));

    expect((await s.reports.expireTickets(new Date("2026-11-23T10:59:00Z"))).tickets).toEqual(["T-1009"]);
    const dry = await s.reports.expireTickets(new Date("2026-11-24T00:00:00Z"), { dryRun: true });
    expect(dry).toMatchObject({
      address: "",
      tickets: ["T-1001"],
      removed: { tickets: 1, timeline: 3, messageIndex: 1, flags: 0 },
    });
    expect(await s.reports.expireTickets(new Date("2026-11-24T00:00:00Z"))).toEqual(dry);
    expect(await s.tickets.load("T-1001")).toBeUndefined();
    expect(await s.tickets.timeline("T-1001")).toEqual([]);
    expect(await s.tickets.timeline("T-1009")).toEqual([]);
    expect(await s.mail.lookupMessage("<closed@x>")).toBeUndefined();
    expect(await s.mail.lookupMessage("<open@x>")).toBe("T-1002");
    expect((await s.tickets.load("T-1002"))?.status).toBe("open");
    expect(await s.throttle.isFlagged("ana@cliente.example")).toBe("hard bounce");
  });
});

describe("closed tickets expire (issue 14, forgetting)", () => {
  it("the ticket item carries the TTL once closed: closedAt + closedTicketRetentionDays", async () => {
    const client = new DynamoDBClient({ endpoint: local().dynamo.endpoint, region: "local", credentials });
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    tables += 1;
    const table = `contract-${process.pid}-${tables}`;
    await client.send(new CreateTableCommand(tableDefinition(table)));
    const tickets = new DynamoTicketRepository({ doc, name: table }, 30);
    const { event, decision } = newRequest("T-1001");
    await tickets.commit(undefined, decision, event, new Date(opened));
    const expiresAt = async () =>
      (await doc.send(new GetCommand({ TableName: table, Key: { PK: "TICKET#T-1001", SK: "META" } }))).Item?.[
        TTL_ATTRIBUTE
      ];
    expect(await expiresAt()).toBeUndefined();
    let ticket = await tickets.load("T-1001");
    for (const [input, at] of [
      [
        { type: "resolve", id: "r1", actor: "lucia@aviso.test", fix: "Driver reinstalled." },
        "2026-11-23T10:00:00Z",
      ],
      [{ type: "confirm", id: "c1" }, "2026-11-23T11:00:00Z"],
    ] as const) {
      const next = parseEvent({ ...input, ticketId: "T-1001" });
      await tickets.commit(ticket, decide(ticket, next, at, settings), next, new Date(at));
      ticket = await tickets.load("T-1001");
    }
    expect(ticket?.status).toBe("closed");
    const closedAt = Date.parse(ticket?.closedAt ?? "");
    expect(await expiresAt()).toBe(Math.floor(closedAt / 1000) + 30 * 86_400);
  });
});

describe("items read back are parsed", () => {
  it("a malformed ticket item fails where it is read, naming it", async () => {
    const client = new DynamoDBClient({ endpoint: local().dynamo.endpoint, region: "local", credentials });
    const doc = DynamoDBDocumentClient.from(client);
    tables += 1;
    const table = `contract-${process.pid}-${tables}`;
    await client.send(new CreateTableCommand(tableDefinition(table)));
    await doc.send(
      new PutCommand({ TableName: table, Item: { PK: "TICKET#T-1001", SK: "META", ticket: { id: 7 } } }),
    );
    await expect(dynamoStores(doc, table).tickets.load("T-1001")).rejects.toThrow(
      /stored ticket T-1001 is malformed/,
    );
  });
});
