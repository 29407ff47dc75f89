/*
 * Issue 15, "Handlers": each handler fed AWS's published sample events (test/data/aws-events, sources
 * in SOURCE.md), on the in-memory world. Only aviso's own parts are added to a copy of a sample: the
 * raw mail the receipt names, the message tags aviso sends with, an outbox item as the stream image.
 */
import { readFileSync } from "node:fs";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { marshall } from "@aws-sdk/util-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { EventBridgeTimerScheduler } from "../../functions/adapters/scheduler";
import { sesMessageIdHeader } from "../../functions/adapters/ses";
import { makeInboundEmailHandler } from "../../functions/handlers/inbound-email";
import { makeOutboxHandler, type StreamRecord } from "../../functions/handlers/outbox";
import { makeSesEventsHandler } from "../../functions/handlers/ses-events";
import { makeTimersHandler } from "../../functions/handlers/timers";
import { effectTag } from "../../functions/mail/compose";
import * as keys from "../../functions/store/keys";
import { memoryWorld } from "../support/memory-world";

const sample = <T = Record<string, unknown>>(file: string): T =>
  JSON.parse(readFileSync(new URL(`../data/aws-events/${file}`, import.meta.url), "utf8")) as T;

type SesReceipt = {
  Records: { ses: { mail: { messageId: string; commonHeaders: Record<string, unknown> } } }[];
};

/** The raw mail SES keeps in S3 for the sample receipt, addressed to the world's support address. */
function rawMail(headers: { subject?: boolean; date?: boolean } = {}) {
  return Buffer.from(
    [
      "From: Jane Doe <janedoe@example.com>",
      "To: soporte@aviso.test",
      ...(headers.date === false ? [] : ["Date: Wed, 7 Oct 2015 12:34:56 -0700"]),
      "Message-ID: <0123456789example.com>",
      ...(headers.subject === false ? [] : ["Subject: The printer does not print"]),
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=UTF-8",
      "",
      "Since yesterday the printer on the second floor prints nothing.",
      "",
    ].join("\r\n"),
  );
}

function inboundWorld(raw = rawMail()) {
  const w = memoryWorld();
  const asked: string[] = [];
  const handler = makeInboundEmailHandler(async () => ({
    ...w.deps,
    rawSource: {
      get: async (messageId: string) => {
        asked.push(messageId);
        return { raw, ref: `s3://raw/inbound/${messageId}` };
      },
    },
  }));
  return { w, asked, handler };
}

/** Every pending effect as the filtered stream delivers it: Powertools' INSERT record, our image. */
function streamEventOf(items: object[]) {
  const [insert] = sample<{ Records: StreamRecord[] }>("dynamodb-stream.json").Records;
  return {
    Records: items.map((item, i) => ({
      ...structuredClone(insert),
      dynamodb: {
        ...structuredClone(insert?.dynamodb),
        NewImage: marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>,
        SequenceNumber: String(1000 + i),
      },
    })),
  };
}

/** The pending effects as the table holds them (with their keys), through the stream handler. */
async function drainThroughStream(w: ReturnType<typeof memoryWorld>) {
  const outbox = makeOutboxHandler(async () => w.deps);
  const items = (await w.deps.outbox.pending()).map((item) => ({
    ...keys.outbox(item.ticketId, item.effect.id),
    ...item,
  }));
  return outbox(streamEventOf(items));
}

describe("inbound-email, with AWS's SES receipt sample", () => {
  it("reads the raw mail the receipt names and opens a ticket", async () => {
    const { w, asked, handler } = inboundWorld();
    const { results } = await handler(sample("ses-receipt.json"));
    expect(asked).toEqual(["o3vrnil0e2ic28tr"]);
    expect(results).toEqual([expect.objectContaining({ outcome: "applied", ticketId: "T-1001" })]);
    expect(await w.deps.tickets.load("T-1001")).toMatchObject({ status: expect.any(String) });
  });

  it("takes a mail without Subject and Date (SES leaves them out of commonHeaders)", async () => {
    const { handler, asked } = inboundWorld(rawMail({ subject: false, date: false }));
    const event = sample<SesReceipt>("ses-receipt.json");
    const common = event.Records[0]?.ses.mail.commonHeaders ?? {};
    delete common.subject;
    delete common.date;
    const { results } = await handler(event);
    expect(asked).toEqual(["o3vrnil0e2ic28tr"]);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ticketId: "T-1001" });
  });
});

describe("outbox, with Powertools' DynamoDB stream sample", () => {
  it("passes over records that are not outbox inserts (the sample's MODIFY, an item of another shape)", async () => {
    const w = memoryWorld();
    const outbox = makeOutboxHandler(async () => w.deps);
    expect(await outbox(sample("dynamodb-stream.json"))).toEqual({ batchItemFailures: [] });
    expect(w.sent).toHaveLength(0);
  });

  it("performs an outbox insert delivered in the sample's record: the acknowledgement goes out", async () => {
    const { w, handler } = inboundWorld();
    await handler(sample("ses-receipt.json"));
    expect(await drainThroughStream(w)).toEqual({ batchItemFailures: [] });
    expect(w.sent.length).toBeGreaterThan(0);
    expect(await w.deps.outbox.pending()).toEqual([]);
  });
});

describe("ses-events, with SES's event publishing samples through EventBridge", () => {
  const tagged = (file: string, tags: Record<string, string[]>) => {
    const event = sample<{ detail: { mail: { tags: Record<string, string[]> } } }>(file);
    Object.assign(event.detail.mail.tags, tags);
    return event;
  };

  it("Send: records the SES message id against the outbox effect its tag names", async () => {
    const w = memoryWorld();
    const handler = makeSesEventsHandler(async () => ({ ...w.deps, region: "eu-west-1" }));
    const event = tagged("ses-event-send.json", { effect: [effectTag("T-1001", "ev-1#0")] });
    expect(await handler(event)).toMatchObject({ sent: { ticketId: "T-1001", effectId: "ev-1#0" } });
    // The envelope's region (us-east-1), not the function's, names SES's Message-ID domain.
    expect(await w.deps.mail.sentMessageId("T-1001", "ev-1#0")).toBe(
      sesMessageIdHeader("EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000", "us-east-1"),
    );
  });

  it("Delivery: nothing is flagged", async () => {
    const w = memoryWorld();
    const handler = makeSesEventsHandler(async () => w.deps);
    expect(await handler(sample("ses-event-delivery.json"))).toEqual({ flagged: [] });
    expect(await w.deps.throttle.isFlagged("recipient@example.com")).toBeUndefined();
  });

  it("Bounce (permanent): the address is flagged and the ticket's technicians are told", async () => {
    const { w, handler: inbound } = inboundWorld();
    await inbound(sample("ses-receipt.json"));
    const handler = makeSesEventsHandler(async () => w.deps);
    const event = tagged("ses-event-bounce.json", { ticket: ["T-1001"] });
    expect(await handler(event)).toEqual({ flagged: ["recipient@example.com"] });
    expect(await w.deps.throttle.isFlagged("recipient@example.com")).toMatch(/permanent bounce/);
    const timeline = await w.deps.tickets.timeline("T-1001");
    expect(timeline.map((e) => e.type)).toContain("delivery-failed");
  });

  it("Complaint: the address is flagged as having marked our mail as spam", async () => {
    const w = memoryWorld();
    const handler = makeSesEventsHandler(async () => w.deps);
    expect(await handler(sample("ses-event-complaint.json"))).toEqual({ flagged: ["recipient@example.com"] });
    expect(await w.deps.throttle.isFlagged("recipient@example.com")).toMatch(/spam/);
  });
});

describe("timers, with what EventBridge Scheduler delivers", () => {
  it("fires the timer whose Input the scheduler adapter wrote into CreateSchedule", async () => {
    const { w, handler } = inboundWorld();
    await handler(sample("ses-receipt.json"));
    await drainThroughStream(w);
    const [armed] = [...w.timers.entries()];
    expect(armed).toBeDefined();
    const [key, at] = armed as [string, string];
    const name = key.slice("T-1001-".length) as "eod";

    const mock = mockClient(SchedulerClient);
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: "arn:aws:scheduler:::schedule/x" });
    const adapter = new EventBridgeTimerScheduler(
      async () => new SchedulerClient({ region: "eu-west-1" }),
      {
        groupName: "aviso-timers",
        targetArn: "arn:aws:lambda:::function:timers",
        roleArn: "arn:aws:iam:::role/r",
      },
      async () => "Europe/Madrid",
    );
    await adapter.set("T-1001", name, at);
    const input = mock.commandCalls(CreateScheduleCommand)[0]?.args[0].input.Target?.Input;
    mock.restore();

    w.advance(Date.parse(at) - w.deps.clock.now().getTime());
    const timers = makeTimersHandler(async () => w.deps);
    expect(await timers(JSON.parse(input ?? "null"))).toEqual({ outcome: "applied" });
    // Scheduler may deliver again (at-least-once): the same firing is not applied twice.
    expect(await timers(JSON.parse(input ?? "null"))).not.toEqual({ outcome: "applied" });
  });

  it("the documented Input shape parses; a timer of a ticket that does not exist changes nothing", async () => {
    const w = memoryWorld();
    const timers = makeTimersHandler(async () => w.deps);
    const result = await timers(sample("scheduler-timer-input.json"));
    expect(result.outcome).not.toBe("applied");
    await expect(timers({ ticketId: "T-1001", name: "eod" })).rejects.toThrow();
  });
});
