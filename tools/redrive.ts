/**
 * Replays a queue of failed work after a fix (issue 15, "Operations"): `npm run aviso -- redrive <queue>`.
 *
 * aviso's queues hold four kinds of message (README, "Operating aviso"), and each names its function:
 *   - an on-failure destination's invocation record: `requestPayload` (the original event) goes back to
 *     `requestContext.functionArn`;
 *   - the outbox stream's on-failure record (`DDBStreamBatchInfo`, no payload): the function runs its
 *     sweep once, which performs every effect still pending;
 *   - a Scheduler or EventBridge dead letter: the body is the event, the TARGET_ARN attribute its function;
 *   - the inbound function's dead letter (an SES receipt event): `receipt.action.functionArn`.
 * Each message is deleted only after its function returned without error, so a redrive stopped half
 * way, or run twice, replays nothing twice that was done (and the handlers are idempotent anyway:
 * event ids, claimed effects, claimed mail). A queue that is some queue's dead-letter queue is moved
 * back to its source with SQS StartMessageMoveTask instead (none of aviso's is, today).
 */
import { parseArgs } from "node:util";
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
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
  type SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";

const USAGE = `usage:
  npm run --silent aviso -- redrive <queue> [--dry-run] [--max N] [--stack NAME] [--region REGION]
  npm run --silent aviso -- redrive --list [--stack NAME] [--region REGION]

<queue>: a queue URL, its name, or the name the alarm gives (TimersFailures, MailInDeadLetters, …),
found among the stack's queues (default stack: Aviso). Prints one JSON object: what was replayed.`;

/** The sweep event the outbox function takes (its five-minute rule's): it performs what is pending. */
const SWEEP = { "detail-type": "Scheduled Event", source: "aws.events", detail: {} };

export type Replay =
  | { kind: "invoke"; functionName: string; payload: unknown }
  | { kind: "sweep"; functionName: string }
  | { kind: "unknown"; reason: string };

/** What a message of a failed-work queue asks to be replayed: pure, from its body and attributes. */
export function replayOf(message: Pick<Message, "Body" | "MessageAttributes">): Replay {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(message.Body ?? "") as Record<string, unknown>;
  } catch {
    return { kind: "unknown", reason: "the body is not JSON" };
  }
  const context = body?.requestContext as { functionArn?: unknown } | undefined;
  const recordOf = typeof context?.functionArn === "string" ? context.functionArn : undefined;
  if (recordOf && "requestPayload" in body)
    return { kind: "invoke", functionName: recordOf, payload: body.requestPayload };
  if (recordOf && "DDBStreamBatchInfo" in body) return { kind: "sweep", functionName: recordOf };
  const target = message.MessageAttributes?.TARGET_ARN?.StringValue;
  if (target) return { kind: "invoke", functionName: target, payload: body };
  const records = body?.Records as
    | { ses?: { receipt?: { action?: { functionArn?: unknown } } } }[]
    | undefined;
  const sesFunction = records?.[0]?.ses?.receipt?.action?.functionArn;
  if (typeof sesFunction === "string") return { kind: "invoke", functionName: sesFunction, payload: body };
  return {
    kind: "unknown",
    reason: "the message names no function (no invocation record, TARGET_ARN or SES action)",
  };
}

export interface RedriveResult {
  queueUrl: string;
  dryRun: boolean;
  /** A dead-letter queue of another queue: moved back there by SQS. */
  moveTask?: string;
  replayed: number;
  /** Functions whose sweep ran for stream failure records. */
  swept: string[];
  failed: { messageId?: string; functionName: string; error: string }[];
  skipped: { messageId?: string; reason: string }[];
}

/** Replays every message of the queue (at most `max`), deleting each once its function succeeded. */
export async function redrive(
  clients: { sqs: SQSClient; lambda: LambdaClient },
  queueUrl: string,
  options: { dryRun?: boolean; max?: number } = {},
): Promise<RedriveResult> {
  const { sqs, lambda } = clients;
  const dryRun = options.dryRun === true;
  const result: RedriveResult = { queueUrl, dryRun, replayed: 0, swept: [], failed: [], skipped: [] };
  const sources = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: queueUrl }));
  if (sources.queueUrls?.length) {
    const arn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes?.QueueArn;
    if (!dryRun) {
      const task = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn }));
      result.moveTask = task.TaskHandle ?? "started";
    } else result.moveTask = `would move back to ${sources.queueUrls.join(", ")}`;
    return result;
  }

  const invoke = async (functionName: string, payload: unknown) => {
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "RequestResponse",
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    if (response.FunctionError)
      throw new Error(
        `${response.FunctionError}: ${response.Payload ? Buffer.from(response.Payload).toString("utf8").slice(0, 500) : ""}`,
      );
  };
  const swept = new Map<string, Promise<void>>();
  const seen: Message[] = [];
  const max = options.max ?? Number.POSITIVE_INFINITY;
  while (seen.length < max) {
    const { Messages: batch = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.length),
        WaitTimeSeconds: 1,
        // Long enough for the function to finish; a message not deleted shows again after it.
        VisibilityTimeout: 900,
        MessageAttributeNames: ["All"],
      }),
    );
    if (batch.length === 0) break;
    for (const message of batch) {
      seen.push(message);
      const replay = replayOf(message);
      if (replay.kind === "unknown") {
        result.skipped.push({
          ...(message.MessageId ? { messageId: message.MessageId } : {}),
          reason: replay.reason,
        });
        continue;
      }
      if (dryRun) {
        result.replayed += 1;
        continue;
      }
      try {
        if (replay.kind === "sweep") {
          // One sweep performs every pending effect: once per function and run.
          if (!swept.has(replay.functionName))
            swept.set(replay.functionName, invoke(replay.functionName, SWEEP));
          await swept.get(replay.functionName);
        } else await invoke(replay.functionName, replay.payload);
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        result.replayed += 1;
      } catch (error) {
        result.failed.push({
          ...(message.MessageId ? { messageId: message.MessageId } : {}),
          functionName: replay.functionName,
          error: String(error),
        });
      }
    }
  }
  result.swept = [...swept.keys()];
  // A dry run and skipped messages leave the queue as it was: visible again now.
  const untouched = dryRun
    ? seen
    : seen.filter((m) => result.skipped.some((s) => s.messageId === m.MessageId));
  for (const message of untouched)
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
  return result;
}

/** A queue URL from a URL, an exact name, or the stack's queue whose name starts `<stack>-<name>`. */
export async function queueUrlOf(sqs: SQSClient, queue: string, stack: string): Promise<string> {
  if (/^https?:\/\//.test(queue)) return queue;
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
    if (QueueUrl) return QueueUrl;
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
  }
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${stack}-${queue}` }));
  if (QueueUrls.length === 1 && QueueUrls[0]) return QueueUrls[0];
  throw new Error(
    QueueUrls.length
      ? `"${queue}" names ${QueueUrls.length} queues: ${QueueUrls.join(", ")}`
      : `no queue "${queue}" (nor ${stack}-${queue}…): npm run aviso -- redrive --list shows the stack's`,
  );
}

const LOCAL = `aviso redrive: no AWS region is set, so there is no deployed stack to redrive. The local runtime
(npm start) has no queues: an effect that fails stays pending in the outbox and its sweep retries it
every 30 seconds, and a timer whose firing failed is fired by the hourly reconciler. Set AWS_REGION
(and credentials, e.g. AWS_PROFILE) to redrive the deployed stack's queues.`;

export async function redriveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "dry-run": { type: "boolean", default: false },
      list: { type: "boolean", default: false },
      max: { type: "string" },
      stack: { type: "string", default: "Aviso" },
      region: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.list && positionals.length !== 1) {
    console.error(`aviso redrive: give one queue\n${USAGE}`);
    return 2;
  }
  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    console.error(LOCAL);
    return 2;
  }
  const [{ SQSClient }, { LambdaClient }] = await Promise.all([
    import("@aws-sdk/client-sqs"),
    import("@aws-sdk/client-lambda"),
  ]);
  const sqs = new SQSClient({ region });
  if (values.list) {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${values.stack}-` }));
    const queues = [];
    for (const url of QueueUrls) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }),
      );
      queues.push({ queue: url, messages: Number(Attributes.ApproximateNumberOfMessages ?? 0) });
    }
    console.log(JSON.stringify({ stack: values.stack, queues }, null, 2));
    return 0;
  }
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
    console.error(`aviso redrive: --max takes a positive whole number\n${USAGE}`);
    return 2;
  }
  const queueUrl = await queueUrlOf(sqs, positionals[0] as string, values.stack);
  const result = await redrive({ sqs, lambda: new LambdaClient({ region }) }, queueUrl, {
    dryRun: values["dry-run"],
    ...(max ? { max } : {}),
  });
  console.log(JSON.stringify(result, null, 2));
  return result.failed.length ? 1 : 0;
}
