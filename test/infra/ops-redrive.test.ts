/*
 * `npm run aviso -- redrive <queue>` (issue 15, "Operations"): each message of a failed-work queue is
 * unwrapped to the event and function it names (AWS's published record shapes, test/data/aws-events),
 * replayed, and deleted only once its function succeeded; a second run replays nothing done.
 */
import { readFileSync } from "node:fs";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  type Message,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { queueUrlOf, redrive, replayOf } from "../../tools/redrive";

const sample = (file: string) =>
  JSON.parse(readFileSync(new URL(`../data/aws-events/${file}`, import.meta.url), "utf8")) as Record<
    string,
    unknown
  >;

const QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/Aviso-TimersFailures38742FD8-AbC";
const TIMERS = "arn:aws:lambda:eu-west-1:123456789012:function:Aviso-timers";
const OUTBOX = "arn:aws:lambda:eu-west-1:123456789012:function:Aviso-OutboxFunction-xyz";

/** An on-failure invocation record (Lambda's published example) wrapping `payload` for `functionArn`. */
const onFailureRecord = (functionArn: string, payload: unknown) => {
  const record = sample("lambda-on-failure-record.json");
  return {
    ...record,
    requestContext: { ...(record.requestContext as object), functionArn: `${functionArn}:$LATEST` },
    requestPayload: payload,
  };
};

const timerInput = sample("scheduler-timer-input.json");

/** A queue as SQS keeps it: received messages are hidden until deleted or made visible again. */
function fakeQueue(bodies: { body: unknown; attributes?: Message["MessageAttributes"] }[]) {
  const messages = bodies.map((m, i) => ({
    MessageId: `m${i + 1}`,
    Body: JSON.stringify(m.body),
    ...(m.attributes ? { MessageAttributes: m.attributes } : {}),
    visible: true,
    receipts: 0,
  }));
  const sqs = mockClient(SQSClient);
  sqs.on(ListDeadLetterSourceQueuesCommand).resolves({ queueUrls: [] });
  sqs.on(ReceiveMessageCommand).callsFake((input: { MaxNumberOfMessages?: number }) => {
    const batch = messages.filter((m) => m.visible).slice(0, input.MaxNumberOfMessages ?? 1);
    for (const m of batch) {
      m.visible = false;
      m.receipts += 1;
    }
    return {
      Messages: batch.map(({ visible: _, receipts, ...m }) => ({
        ...m,
        ReceiptHandle: `${m.MessageId}#${receipts}`,
      })),
    };
  });
  const byReceipt = (handle?: string) => messages.find((m) => handle === `${m.MessageId}#${m.receipts}`);
  sqs.on(DeleteMessageCommand).callsFake((input: { ReceiptHandle?: string }) => {
    const m = byReceipt(input.ReceiptHandle);
    if (m) messages.splice(messages.indexOf(m), 1);
    return {};
  });
  sqs.on(ChangeMessageVisibilityCommand).callsFake((input: { ReceiptHandle?: string }) => {
    const m = byReceipt(input.ReceiptHandle);
    if (m) m.visible = true;
    return {};
  });
  /** The messages still in the queue; those hidden by a failed replay come back (their timeout ends). */
  const left = () => {
    for (const m of messages) m.visible = true;
    return messages.map((m) => m.MessageId);
  };
  return { sqs, left };
}

/** Lambda, recording what each function was invoked with; `failing` functions return an error. */
function fakeLambda(failing = new Set<string>()) {
  const invoked: { functionName: string; payload: unknown }[] = [];
  const lambda = mockClient(LambdaClient);
  lambda.on(InvokeCommand).callsFake((input: { FunctionName: string; Payload: Uint8Array }) => {
    invoked.push({
      functionName: input.FunctionName,
      payload: JSON.parse(Buffer.from(input.Payload).toString("utf8")),
    });
    return failing.has(input.FunctionName.replace(/:\$LATEST$/, ""))
      ? {
          StatusCode: 200,
          FunctionError: "Unhandled",
          Payload: Buffer.from('{"errorMessage":"still broken"}'),
        }
      : { StatusCode: 200, Payload: Buffer.from("{}") };
  });
  return { lambda, invoked };
}

const clients = () => ({
  sqs: new SQSClient({ region: "eu-west-1" }),
  lambda: new LambdaClient({ region: "eu-west-1" }),
});

afterEach(() => {
  mockClient(SQSClient).restore();
  mockClient(LambdaClient).restore();
});

describe("replayOf: what a failed-work message asks to be replayed", () => {
  it("an on-failure invocation record (Lambda's published example): its requestPayload, to its function", () => {
    const record = sample("lambda-on-failure-record.json");
    expect(replayOf({ Body: JSON.stringify(record) })).toEqual({
      kind: "invoke",
      functionName: "arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST",
      payload: record.requestPayload,
    });
  });

  it("a Scheduler or EventBridge dead letter: the body, to its TARGET_ARN", () => {
    expect(
      replayOf({
        Body: JSON.stringify(timerInput),
        MessageAttributes: { TARGET_ARN: { DataType: "String", StringValue: TIMERS } },
      }),
    ).toEqual({ kind: "invoke", functionName: TIMERS, payload: timerInput });
  });

  it("the inbound dead letter (AWS's SES receipt sample): the event, to the receipt action's function", () => {
    const receipt = sample("ses-receipt.json");
    expect(replayOf({ Body: JSON.stringify(receipt) })).toEqual({
      kind: "invoke",
      functionName: "arn:aws:lambda:us-west-2:012345678912:function:Example",
      payload: receipt,
    });
  });

  it("the outbox stream's failure record (no payload): its function's sweep; anything else is left alone", () => {
    const record: Record<string, unknown> = {
      ...sample("lambda-on-failure-record.json"),
      requestPayload: undefined,
      DDBStreamBatchInfo: {
        shardId: "shardId-1",
        startSequenceNumber: "1",
        endSequenceNumber: "2",
        batchSize: 2,
      },
    };
    delete (record as { requestPayload?: unknown }).requestPayload;
    (record.requestContext as { functionArn: string }).functionArn = OUTBOX;
    expect(replayOf({ Body: JSON.stringify(record) })).toEqual({ kind: "sweep", functionName: OUTBOX });
    expect(replayOf({ Body: "not json" })).toMatchObject({ kind: "unknown" });
    expect(replayOf({ Body: JSON.stringify({ some: "event" }) })).toMatchObject({ kind: "unknown" });
  });
});

describe("redrive", () => {
  it("replays each message to its function and deletes it after success; a second run finds nothing", async () => {
    const { left } = fakeQueue([
      { body: onFailureRecord(TIMERS, timerInput) },
      { body: onFailureRecord(TIMERS, { ...timerInput, name: "update" }) },
    ]);
    const { invoked } = fakeLambda();
    const first = await redrive(clients(), QUEUE);
    expect(first).toMatchObject({ replayed: 2, failed: [], skipped: [] });
    expect(invoked).toEqual([
      { functionName: `${TIMERS}:$LATEST`, payload: timerInput },
      { functionName: `${TIMERS}:$LATEST`, payload: { ...timerInput, name: "update" } },
    ]);
    expect(left()).toEqual([]);
    expect(await redrive(clients(), QUEUE)).toMatchObject({ replayed: 0 });
    expect(invoked).toHaveLength(2);
  });

  it("keeps a message whose function still fails; once fixed, a redrive replays only that one", async () => {
    const { left } = fakeQueue([
      { body: onFailureRecord(TIMERS, timerInput) },
      {
        body: { version: "0", "detail-type": "Email Bounced", source: "aws.ses", detail: {} },
        attributes: { TARGET_ARN: { DataType: "String", StringValue: OUTBOX } },
      },
    ]);
    const broken = fakeLambda(new Set([TIMERS]));
    const first = await redrive(clients(), QUEUE);
    expect(first.replayed).toBe(1);
    expect(first.failed).toEqual([
      { messageId: "m1", functionName: `${TIMERS}:$LATEST`, error: expect.stringContaining("still broken") },
    ]);
    expect(left()).toEqual(["m1"]);
    expect(broken.invoked.map((i) => i.functionName)).toEqual([`${TIMERS}:$LATEST`, OUTBOX]);

    mockClient(LambdaClient).restore();
    const fixed = fakeLambda();
    expect(await redrive(clients(), QUEUE)).toMatchObject({ replayed: 1, failed: [] });
    expect(fixed.invoked).toEqual([{ functionName: `${TIMERS}:$LATEST`, payload: timerInput }]);
    expect(left()).toEqual([]);
  });

  it("runs the outbox sweep once for all its stream failure records, and leaves what it cannot read", async () => {
    const streamRecord = {
      ...sample("lambda-on-failure-record.json"),
      requestContext: {
        functionArn: OUTBOX,
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: 11,
      },
      DDBStreamBatchInfo: { shardId: "s", startSequenceNumber: "1", endSequenceNumber: "9", batchSize: 9 },
    };
    delete (streamRecord as { requestPayload?: unknown }).requestPayload;
    const { left } = fakeQueue([{ body: streamRecord }, { body: streamRecord }, { body: { some: "event" } }]);
    const { invoked } = fakeLambda();
    const result = await redrive(clients(), QUEUE);
    expect(result).toMatchObject({ replayed: 2, swept: [OUTBOX], skipped: [{ messageId: "m3" }] });
    expect(invoked).toEqual([
      { functionName: OUTBOX, payload: expect.objectContaining({ "detail-type": "Scheduled Event" }) },
    ]);
    expect(left()).toEqual(["m3"]);
  });

  it("a dry run invokes and deletes nothing, and leaves every message visible", async () => {
    const { sqs, left } = fakeQueue([{ body: onFailureRecord(TIMERS, timerInput) }]);
    const { invoked } = fakeLambda();
    expect(await redrive(clients(), QUEUE, { dryRun: true })).toMatchObject({ replayed: 1, dryRun: true });
    expect(invoked).toEqual([]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(left()).toEqual(["m1"]);
  });

  it("moves a queue that is another queue's dead-letter queue back to it with StartMessageMoveTask", async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(ListDeadLetterSourceQueuesCommand).resolves({ queueUrls: ["https://sqs/source"] });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: "arn:aws:sqs:eu-west-1:1:dlq" } });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: "task-1" });
    fakeLambda();
    expect(await redrive(clients(), QUEUE)).toMatchObject({ moveTask: "task-1", replayed: 0 });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: "arn:aws:sqs:eu-west-1:1:dlq",
    });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it("finds a queue by URL, by name, or by the name its alarm gives (the stack's prefix)", async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(GetQueueUrlCommand, { QueueName: "exact" }).resolves({ QueueUrl: "https://sqs/exact" });
    sqs
      .on(GetQueueUrlCommand, { QueueName: "TimersFailures" })
      .rejects(new QueueDoesNotExist({ message: "no", $metadata: {} }));
    sqs.on(ListQueuesCommand, { QueueNamePrefix: "Aviso-TimersFailures" }).resolves({ QueueUrls: [QUEUE] });
    const client = new SQSClient({ region: "eu-west-1" });
    expect(await queueUrlOf(client, "https://sqs/x", "Aviso")).toBe("https://sqs/x");
    expect(await queueUrlOf(client, "exact", "Aviso")).toBe("https://sqs/exact");
    expect(await queueUrlOf(client, "TimersFailures", "Aviso")).toBe(QUEUE);
  });
});
