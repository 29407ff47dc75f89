/**
 * What deploys is what is tested (issue 15): the five functions' bundles are taken from the synthesized
 * cloud assembly (literal account and region, esbuild as for a deploy, aviso-config.json beside each
 * index.mjs), given the environment the template gives each function (references resolved to local
 * names), and invoked for a whole incident against local emulators: inbound mail → outbox → a timer →
 * SES events → ticket events (the API), each with the event AWS would hand it.
 *
 * Emulators (the SDK in the bundles is pointed at them only through AWS_ENDPOINT_URL_<SERVICE> and
 * dummy credentials, as a Lambda runtime would configure it, never through code):
 * - DynamoDB: DynamoDB Local, its table created from the template's table properties; the stream
 *   trigger is played by reading DynamoDB Local's stream and applying the template's FilterCriteria and
 *   BatchSize.
 * - SESv2: aws-ses-v2-local, behind a recording pass-through (SES Local keeps no message tags or
 *   configuration set; the SES events the test then publishes are built from what was actually sent).
 * - S3, Secrets Manager, EventBridge Scheduler: no local emulator is in the project (and none is kept
 *   offline), so a few lines each answer the one or two operations aviso calls (GetObject;
 *   GetSecretValue; Create/Update/DeleteSchedule), in those services' wire protocols, and check that the
 *   names asked for are the ones the template wired (bucket, secret ARN, schedule group, target, role).
 * Not emulated: the Lambda runtime's own SDK (the bundles leave @aws-sdk/* out; here they resolve to
 * the project's version), IAM (the template's grants are checked by the infra tests), X-Ray.
 */
import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../../infra/app";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../infra/local/dynamodb-local";
import { freePort } from "../../infra/local/ports";
import { type SesLocal, startSesLocal, storedMail } from "../../infra/local/ses-local";
import { buildTemplates } from "../../tools/build-templates";
import { ACCOUNT, REGION, type Resources } from "./aws-synth";

const aviso = {
  domain: "support.example.com",
  supportAddress: "help@support.example.com",
  technicians: [{ address: "tech@example.com", name: "Lucía Técnica" }],
  supportLead: "lead@example.com",
  technicianTimeZone: "Europe/Madrid",
  defaultLocale: "es",
  activateReceiptRuleSet: true,
  alarmEmail: "ops@example.com",
};
const credentials = { accessKeyId: "bundletest", secretAccessKey: "bundletest" };
const TOKEN_SECRET = "deployed-bundle-test-secret-0123456789";

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
type Fn = { id: string; asset: string; environment: Record<string, string> };

let resources: Resources;
let functions: Record<"inbound" | "outbox" | "timers" | "sesEvents" | "ticketEvents", Fn>;
let dynamo: DynamoDbLocal;
let ses: SesLocal;
const servers: Server[] = [];
const sent: { request: Record<string, unknown>; messageId: string }[] = [];
const schedules = new Map<string, Record<string, unknown>>();
const rawObjects = new Map<string, Buffer>();
const secretsAsked: string[] = [];
let tableName: string;
let doc: DynamoDBDocumentClient;
const savedEnv = { ...process.env };

// ---------------------------------------------------------------------------------------------------
// The template: references to local names, functions to their assets and environments.

const localNames: Record<string, (id: string) => string> = {
  "AWS::DynamoDB::Table": (id) => `aviso-bundle-${process.pid}-${id}`,
  "AWS::S3::Bucket": (id) => `aviso-raw-${id.toLowerCase()}`,
  "AWS::SecretsManager::Secret": (id) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-AbCdEf`,
  "AWS::SES::ConfigurationSet": (id) => `aviso-${id.toLowerCase()}`,
  "AWS::Scheduler::ScheduleGroup": (id) => `aviso-${id.toLowerCase()}`,
};
const arnOf: Record<string, (id: string) => string> = {
  "AWS::Lambda::Function": (id) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`,
  "AWS::IAM::Role": (id) => `arn:aws:iam::${ACCOUNT}:role/${id}`,
  "AWS::SQS::Queue": (id) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`,
  "AWS::DynamoDB::Table": (id) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${localName(id)}`,
};
const pseudo: Record<string, string> = {
  "AWS::Region": REGION,
  "AWS::AccountId": ACCOUNT,
  "AWS::Partition": "aws",
  "AWS::URLSuffix": "amazonaws.com",
};

function localName(id: string): string {
  const resource = resources[id];
  if (!resource) throw new Error(`the template has no resource ${id}`);
  const name = localNames[resource.Type];
  // Whatever else a function's environment names (the lead's sign-in), a name of its own.
  return name ? name(id) : `local-${id.toLowerCase()}`;
}

/** A template value with its Ref, Fn::GetAtt and Fn::Join resolved as CloudFormation would, locally. */
function resolve(value: unknown): string {
  if (typeof value === "string") return value;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === "string") return pseudo[v.Ref] ?? localName(v.Ref);
  if (Array.isArray(v["Fn::GetAtt"])) {
    const [id, attribute] = v["Fn::GetAtt"] as [string, string];
    const type = resources[id]?.Type ?? "";
    if (attribute === "Arn" && arnOf[type]) return (arnOf[type] as (id: string) => string)(id);
    if (attribute === "ApiEndpoint") return `https://${id.toLowerCase()}.execute-api.${REGION}.amazonaws.com`;
    throw new Error(`no local value for Fn::GetAtt ${id}.${attribute} (${type})`);
  }
  if (Array.isArray(v["Fn::Join"])) {
    const [separator, parts] = v["Fn::Join"] as [string, unknown[]];
    return parts.map(resolve).join(separator);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** A template structure with every reference in it resolved. */
function resolveDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveDeep);
  if (!value || typeof value !== "object") return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && ["Ref", "Fn::GetAtt", "Fn::Join"].includes(keys[0] as string))
    return resolve(value);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v)]));
}

function functionOf(id: string, outdir: string): Fn {
  const resource = resources[id];
  if (resource?.Type !== "AWS::Lambda::Function") throw new Error(`${id} is not a function`);
  const code = resource.Properties.Code as { S3Key: string };
  const variables = (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  return {
    id,
    asset: join(outdir, `asset.${code.S3Key.replace(/\.zip$/, "")}`, "index.mjs"),
    environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, resolve(v)])),
  };
}

/** The table as CloudFormation would create it from the template's properties. */
function tableFromTemplate(): CreateTableCommandInput {
  const [id, table] = Object.entries(resources).find(([, r]) => r.Type === "AWS::DynamoDB::Table") as [
    string,
    Resources[string],
  ];
  const p = table.Properties as Record<string, never> & { StreamSpecification: { StreamViewType: never } };
  return {
    TableName: localName(id),
    BillingMode: p.BillingMode,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
    StreamSpecification: {
      StreamEnabled: true,
      StreamViewType: p.StreamSpecification.StreamViewType,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Invoking a bundle as Lambda would: its environment, the runtime's variables, its handler.

const loaded = new Map<string, Handler>();

async function invoke(fn: Fn, event: unknown): Promise<unknown> {
  const runtime = {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: fn.id,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...endpoints,
  };
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, runtime, fn.environment);
  delete process.env.AVISO_CONFIG; // the bundle's aviso-config.json is what a deployed function reads
  let handler = loaded.get(fn.asset);
  if (!handler) {
    const module = (await import(pathToFileURL(fn.asset).href)) as { handler: Handler };
    handler = module.handler;
    loaded.set(fn.asset, handler);
  }
  const context = {
    functionName: fn.id,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn.id}`,
    memoryLimitInMB: "512",
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${fn.id}`,
    logStreamName: "bundle-test",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
  };
  return handler(event, context);
}

// ---------------------------------------------------------------------------------------------------
// The stand-ins for S3, Secrets Manager and Scheduler, and the recording pass-through to SES Local.

let endpoints: Record<string, string> = {};

async function listen(handle: (request: IncomingMessage, body: Buffer, response: ServerResponse) => void) {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        handle(request, Buffer.concat(chunks), response);
      } catch (error) {
        response.writeHead(500).end(String(error));
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${port}`;
}

const awsError = (response: ServerResponse, status: number, type: string, message: string) =>
  response
    .writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type })
    .end(JSON.stringify({ __type: type, message, Message: message }));

async function startStandIns(environment: Record<string, string>) {
  // S3 (REST, path style for an IP endpoint): GetObject of the raw-mail bucket only.
  const s3 = await listen((request, _body, response) => {
    const [bucket, ...key] = decodeURIComponent((request.url ?? "").split("?")[0] ?? "")
      .slice(1)
      .split("/");
    const object = bucket === environment.RAW_BUCKET ? rawObjects.get(key.join("/")) : undefined;
    if (request.method !== "GET" || !object)
      return response
        .writeHead(404, { "content-type": "application/xml" })
        .end("<Error><Code>NoSuchKey</Code><Message>not found</Message></Error>");
    response
      .writeHead(200, { "content-type": "message/rfc822", "content-length": object.length })
      .end(object);
  });
  // Secrets Manager (JSON 1.1): GetSecretValue of the secret the template names.
  const secrets = await listen((request, body, response) => {
    const target = String(request.headers["x-amz-target"]);
    const { SecretId } = JSON.parse(body.toString() || "{}") as { SecretId?: string };
    secretsAsked.push(SecretId ?? "");
    if (target !== "secretsmanager.GetSecretValue" || SecretId !== environment.TOKEN_SECRET_ARN)
      return awsError(response, 400, "ResourceNotFoundException", `no secret ${SecretId} (${target})`);
    response
      .writeHead(200, { "content-type": "application/x-amz-json-1.1" })
      .end(JSON.stringify({ ARN: SecretId, Name: "token", SecretString: TOKEN_SECRET, VersionId: "v1" }));
  });
  // EventBridge Scheduler (REST JSON): schedules of the template's group, kept to be fired by hand.
  const scheduler = await listen((request, body, response) => {
    const url = new URL(request.url ?? "/", "http://x");
    const name = decodeURIComponent(url.pathname.replace(/^\/schedules\//, ""));
    const input = body.length ? (JSON.parse(body.toString()) as Record<string, unknown>) : {};
    const group = (input.GroupName as string | undefined) ?? url.searchParams.get("groupName") ?? "default";
    if (group !== environment.SCHEDULE_GROUP)
      return awsError(response, 404, "ResourceNotFoundException", `no schedule group ${group}`);
    const exists = schedules.has(name);
    if (request.method === "DELETE") {
      if (!exists) return awsError(response, 404, "ResourceNotFoundException", `no schedule ${name}`);
      schedules.delete(name);
      return response.writeHead(200, { "content-type": "application/json" }).end("{}");
    }
    if (request.method === "POST" && exists)
      return awsError(response, 409, "ConflictException", `schedule ${name} exists`);
    if (request.method === "PUT" && !exists)
      return awsError(response, 404, "ResourceNotFoundException", `no schedule ${name}`);
    if (request.method !== "POST" && request.method !== "PUT")
      return awsError(response, 400, "ValidationException", `${request.method} not emulated`);
    schedules.set(name, input);
    response
      .writeHead(200, { "content-type": "application/json" })
      .end(
        JSON.stringify({ ScheduleArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${group}/${name}` }),
      );
  });
  // SESv2: every request passed on to SES Local; SendEmail's input and answer recorded.
  const sesv2 = await listen((request, body, response) => {
    void fetch(`${ses.endpoint}${request.url}`, {
      method: request.method ?? "GET",
      headers: Object.fromEntries(
        Object.entries(request.headers)
          .filter(([name]) => !["host", "connection", "content-length"].includes(name))
          .map(([name, value]) => [name, String(value)]),
      ),
      ...(body.length ? { body: new Uint8Array(body) } : {}),
    }).then(async (answer) => {
      const text = await answer.text();
      if (request.url?.includes("/outbound-emails") && answer.ok)
        sent.push({
          request: JSON.parse(body.toString()) as Record<string, unknown>,
          messageId: (JSON.parse(text) as { MessageId: string }).MessageId,
        });
      response.writeHead(answer.status, { "content-type": "application/json" }).end(text);
    });
  });
  endpoints = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SESV2: sesv2,
    AWS_ENDPOINT_URL_S3: s3,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets,
    AWS_ENDPOINT_URL_SCHEDULER: scheduler,
  };
}

// ---------------------------------------------------------------------------------------------------
// The stream trigger: DynamoDB Local's stream, as the event source mapping would hand it over.

let streams: DynamoDBStreamsClient;
const iterators = new Map<string, string | undefined>();
let streamArn = "";

/** Lambda's filter and EventBridge's patterns, for what aviso's use: lists of values or {prefix}, nested objects. */
function matchesFilter(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.some((rule) =>
      values.some((v) =>
        rule && typeof rule === "object" && "prefix" in rule
          ? typeof v === "string" && v.startsWith(String((rule as { prefix: string }).prefix))
          : rule === v,
      ),
    );
  }
  if (!value || typeof value !== "object") return false;
  return Object.entries(pattern as Record<string, unknown>).every(([key, inner]) =>
    matchesFilter(inner, (value as Record<string, unknown>)[key]),
  );
}

/** The records written since the last call, as Lambda's DynamoDB event records. */
async function newStreamRecords() {
  const records: Record<string, unknown>[] = [];
  const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  for (const shard of described.StreamDescription?.Shards ?? []) {
    const shardId = shard.ShardId as string;
    if (iterators.has(shardId) && iterators.get(shardId) === undefined) continue;
    let iterator = iterators.get(shardId);
    iterator ??= (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    for (let pages = 0; iterator && pages < 50; pages++) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      iterator = page.NextShardIterator;
      records.push(...(page.Records ?? []).map(lambdaRecord));
      if ((page.Records ?? []).length === 0) break;
    }
    iterators.set(shardId, iterator);
  }
  return records;
}

function lambdaRecord(record: _Record): Record<string, unknown> {
  const d = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: REGION,
    dynamodb: {
      ...(d.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) }
        : {}),
      Keys: d.Keys,
      ...(d.NewImage ? { NewImage: d.NewImage } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
    eventSourceARN: streamArn,
  };
}

/** Hands the outbox function every filtered stream record, in the mapping's batches, until none come. */
async function settleOutbox(): Promise<number> {
  const mapping = Object.values(resources).find(
    (r) => r.Type === "AWS::Lambda::EventSourceMapping",
  ) as Resources[string];
  const patterns = (mapping.Properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map(
    (f) => JSON.parse(f.Pattern) as unknown,
  );
  const batchSize = Number(mapping.Properties.BatchSize);
  let handed = 0;
  for (let round = 0; round < 20; round++) {
    const records = (await newStreamRecords()).filter((r) => patterns.some((p) => matchesFilter(p, r)));
    if (records.length === 0) return handed;
    for (let start = 0; start < records.length; start += batchSize) {
      const result = (await invoke(functions.outbox, {
        Records: records.slice(start, start + batchSize),
      })) as {
        batchItemFailures?: unknown[];
      };
      expect(result?.batchItemFailures ?? []).toEqual([]);
    }
    handed += records.length;
  }
  throw new Error("the outbox never settled");
}

// ---------------------------------------------------------------------------------------------------

/** A published sample event (test/data/aws-events), a fresh copy to adapt. */
function sample<T>(name: string): T {
  return JSON.parse(readFileSync(join(import.meta.dirname, "../data/aws-events", name), "utf8")) as T;
}

beforeAll(async () => {
  const outdir = mkdtempSync(join(tmpdir(), "aviso-bundle-"));
  // The bundles leave @aws-sdk/* to the runtime; here the project's SDK stands in for Lambda's.
  symlinkSync(join(import.meta.dirname, "../../node_modules"), join(outdir, "node_modules"), "dir");
  process.env.CDK_OUTDIR = outdir;
  const started = Date.now();
  await buildTemplates();
  const { app, stack } = buildApp({ aviso, stackName: "AvisoBundle" }, { account: ACCOUNT, region: REGION });
  const assembly = app.synth();
  delete process.env.CDK_OUTDIR;
  console.info(`synth with bundling: ${Date.now() - started} ms`);
  resources = (assembly.getStackByName(stack.stackName).template as { Resources: Resources }).Resources;
  const fn = (f: lambda.Function) =>
    functionOf(stack.getLogicalId(f.node.defaultChild as lambda.CfnFunction), assembly.directory);
  functions = {
    inbound: fn(stack.functions.inboundEmail),
    outbox: fn(stack.functions.outbox),
    timers: fn(stack.functions.timers),
    sesEvents: fn(stack.functions.sesEvents),
    ticketEvents: fn(stack.functions.ticketEvents),
  };
  [dynamo, ses] = await Promise.all([
    startDynamoDbLocal({ port: await freePort() }),
    startSesLocal({ port: await freePort() }),
  ]);
  await startStandIns(functions.outbox.environment);
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials });
  doc = DynamoDBDocumentClient.from(client);
  const table = tableFromTemplate();
  tableName = table.TableName as string;
  await client.send(new CreateTableCommand(table));
  streams = new DynamoDBStreamsClient({ endpoint: dynamo.endpoint, region: REGION, credentials });
  const { DescribeTableCommand } = await import("@aws-sdk/client-dynamodb");
  streamArn =
    (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.LatestStreamArn ?? "";
}, 240_000);

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await Promise.all([
    dynamo?.stop(),
    ses?.stop(),
    ...servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  ]);
});

describe("the deployed bundles, on the emulators, for a whole incident", () => {
  it("wires each function's environment to the template's own resources", () => {
    for (const fn of Object.values(functions)) {
      expect(fn.environment.TABLE_NAME).toBe(tableName);
      expect(fn.environment.TOKEN_SECRET_ARN).toMatch(/^arn:aws:secretsmanager:/);
      expect(fn.environment.AVISO_CONFIG).toBeUndefined();
      expect(readFileSync(join(fn.asset, "../aviso-config.json"), "utf8")).toContain(aviso.supportAddress);
    }
  });

  it("inbound mail → outbox → timer → SES events → ticket events", async () => {
    const client = "ana.cliente@example.org";
    const sesMessageId = `bundle${Date.now()}`;
    const raw = [
      `From: Ana Cliente <${client}>`,
      `To: ${aviso.supportAddress}`,
      "Subject: La impresora no imprime",
      `Message-ID: <${sesMessageId}@example.org>`,
      "Date: Tue, 01 Dec 2026 09:00:00 +0100",
      "Content-Type: text/plain; charset=UTF-8",
      "",
      "Desde ayer la impresora de la segunda planta no imprime. ¿Podéis mirarlo?",
      "",
    ].join("\r\n");
    rawObjects.set(`${functions.inbound.environment.RAW_PREFIX}${sesMessageId}`, Buffer.from(raw));

    // 1. SES's receipt rule kept the mail in S3 and invokes the inbound function.
    const receipt = sample<{ Records: { ses: { mail: Record<string, unknown> } }[] }>("ses-receipt.json");
    const record = receipt.Records[0] as { ses: { mail: Record<string, unknown> } };
    record.ses.mail.messageId = sesMessageId;
    const inbound = (await invoke(functions.inbound, receipt)) as {
      results: { outcome: string; ticketId?: string }[];
    };
    expect(inbound.results).toHaveLength(1);
    expect(inbound.results[0]).toMatchObject({ outcome: "applied" });
    const ticketId = inbound.results[0]?.ticketId as string;
    expect(ticketId).toMatch(/^T-\d+$/);
    expect(secretsAsked).toContain(functions.inbound.environment.TOKEN_SECRET_ARN);

    // 2. The stream hands the outbox its inserts: the client's acknowledgement and the technicians' notice
    //    leave through SES, and the ticket's timers are set in the template's schedule group.
    expect(await settleOutbox()).toBeGreaterThan(0);
    const toClient = sent.filter((s) => JSON.stringify(s.request.Destination).includes(client));
    expect(toClient).toHaveLength(1);
    expect(toClient[0]?.request.ConfigurationSetName).toBe(functions.outbox.environment.CONFIGURATION_SET);
    expect(JSON.stringify(toClient[0]?.request.FromEmailAddress)).toContain(aviso.supportAddress);
    expect(sent.some((s) => JSON.stringify(s.request.Destination).includes("tech@example.com"))).toBe(true);
    expect([...schedules.keys()].sort()).toEqual(
      ["eod", "reminder", "update"].map((name) => `${ticketId}-${name}`),
    );
    for (const schedule of schedules.values()) {
      const target = schedule.Target as { Arn: string; RoleArn: string; Input: string };
      expect(target.Arn).toBe(functions.outbox.environment.TIMERS_FUNCTION_ARN);
      expect(target.RoleArn).toBe(functions.outbox.environment.SCHEDULER_ROLE_ARN);
    }

    // 3. The Scheduler fires the update timer: the timers function gets the target's Input, unchanged,
    //    and the client gets the promised update.
    const update = schedules.get(`${ticketId}-update`) as { Target: { Input: string } };
    const fired = (await invoke(functions.timers, JSON.parse(update.Target.Input))) as { outcome: string };
    expect(fired.outcome).toBe("applied");
    await settleOutbox();
    expect(sent.filter((s) => JSON.stringify(s.request.Destination).includes(client))).toHaveLength(2);

    // 4. SES publishes the acknowledgement's Send event and a permanent bounce of the client's address.
    const acknowledgement = toClient[0] as (typeof sent)[number];
    const tags = Object.fromEntries(
      (acknowledgement.request.EmailTags as { Name: string; Value: string }[]).map((t) => [
        t.Name,
        [t.Value],
      ]),
    );
    const sesEvent = (name: string, detailMore: Record<string, unknown> = {}) => {
      const event = sample<Record<string, unknown> & { detail: Record<string, unknown> }>(name);
      event.region = REGION;
      event.account = ACCOUNT;
      const mail = event.detail.mail as Record<string, unknown>;
      mail.messageId = acknowledgement.messageId;
      mail.tags = {
        ...(mail.tags as Record<string, string[]>),
        "ses:configuration-set": [functions.outbox.environment.CONFIGURATION_SET],
        ...tags,
      };
      Object.assign(event.detail, detailMore);
      // The template's rule would pass it to the function.
      expect(rulePasses(event)).toBe(true);
      return event;
    };
    const sendResult = (await invoke(functions.sesEvents, sesEvent("ses-event-send.json"))) as {
      sent?: { ticketId: string };
    };
    expect(sendResult.sent?.ticketId).toBe(ticketId);
    const bounce = sesEvent("ses-event-bounce.json");
    (
      (bounce.detail.bounce as { bouncedRecipients: { emailAddress: string }[] }).bouncedRecipients[0] as {
        emailAddress: string;
      }
    ).emailAddress = client;
    const bounced = (await invoke(functions.sesEvents, bounce)) as { flagged: string[] };
    expect(bounced.flagged).toEqual([client]);
    const flag = await doc.send(new GetCommand({ TableName: tableName, Key: { PK: "FLAG", SK: client } }));
    expect(flag.Item?.reason).toMatch(/permanent bounce/);
    const toTechnicians = () => sent.filter((s) => JSON.stringify(s.request.Destination).includes("tech@"));
    const beforeBounce = toTechnicians().length;
    await settleOutbox();
    expect(toTechnicians().length).toBe(beforeBounce + 1); // the technicians hear of the bounce

    // 5. A technician's diagnosis through the HTTP API (IAM-signed), then the lead's list.
    const apiEvent = (method: string, path: string, body?: unknown) => {
      const event = sample<Record<string, unknown> & { requestContext: { http: Record<string, unknown> } }>(
        "apigw-http-iam-auth.json",
      );
      event.routeKey = `${method} ${path}`;
      event.rawPath = path;
      event.requestContext.http.method = method;
      event.requestContext.http.path = path;
      if (body !== undefined) {
        event.body = JSON.stringify(body);
        event.isBase64Encoded = false;
      } else delete event.body;
      return event;
    };
    // Made ten minutes ago, and the stream's delivery of its effects lost: the outbox's five-minute
    // sweep finds them through the Pending index and performs them.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() - 10 * 60_000 });
    let diagnosis: { statusCode: number; body: string };
    try {
      diagnosis = (await invoke(
        functions.ticketEvents,
        apiEvent("POST", `/tickets/${ticketId}/events`, {
          type: "diagnosis",
          id: `diag-${sesMessageId}`,
          actor: { address: "tech@example.com", name: "Lucía Técnica" },
          text: "El driver de la impresora está dañado.",
        }),
      )) as { statusCode: number; body: string };
    } finally {
      vi.useRealTimers();
    }
    expect(diagnosis.statusCode, diagnosis.body).toBeLessThan(300);
    const clientMails = sent.filter((s) => JSON.stringify(s.request.Destination).includes(client)).length;
    expect((await newStreamRecords()).length).toBeGreaterThan(0); // delivered to nobody
    const sweep = {
      version: "0",
      id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: ACCOUNT,
      time: new Date().toISOString(),
      region: REGION,
      resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/sweep`],
      detail: {},
    };
    const swept = (await invoke(functions.outbox, sweep)) as { swept: Record<string, number> };
    expect(swept.swept).toEqual({ performed: 4, failed: 0, inFlight: 0 }); // cancel-timer, mail, 2 timers
    expect(
      ((await invoke(functions.outbox, sweep)) as { swept: Record<string, number> }).swept.performed,
    ).toBe(0);
    // The diagnosis would go to the client, whose address now bounces: held back. The end-of-day
    // notice is no longer needed: its schedule is deleted.
    expect(sent.filter((s) => JSON.stringify(s.request.Destination).includes(client))).toHaveLength(
      clientMails,
    );
    expect(schedules.has(`${ticketId}-eod`)).toBe(false);
    const listed = (await invoke(functions.ticketEvents, apiEvent("GET", "/tickets"))) as {
      statusCode: number;
      body: string;
    };
    expect(listed.statusCode).toBe(200);
    const tickets = (JSON.parse(listed.body) as { tickets: { id: string; client: string }[] }).tickets;
    expect(tickets.find((t) => t.id === ticketId)?.client).toBe(client);

    // 6. The Monday cron's Input: the weekly report, to the lead, with the open ticket's silence.
    const weekly = (await invoke(functions.ticketEvents, { aviso: "weekly-report" })) as {
      report: { sent: boolean };
    };
    expect(weekly.report.sent).toBe(true);
    const report = sent
      .filter((s) => JSON.stringify(s.request.Destination).includes(aviso.supportLead))
      .at(-1);
    expect(JSON.stringify(report?.request.Content)).toContain(`#${ticketId}`); // among the longest silences

    // What reached the local SES server is what the bundles sent.
    const stored = await storedMail(ses.endpoint);
    expect(stored.map((m) => m.messageId)).toEqual(expect.arrayContaining(sent.map((s) => s.messageId)));
  }, 60_000);
});

/** The template's SES-events rule's pattern, matched as EventBridge would for what it uses. */
function rulePasses(event: Record<string, unknown>): boolean {
  const target = functions.sesEvents.id;
  const rule = Object.values(resources).find(
    (r) =>
      r.Type === "AWS::Events::Rule" && JSON.stringify(r.Properties.Targets ?? []).includes(`"${target}"`),
  ) as Resources[string] | undefined;
  if (!rule) throw new Error("no rule targets the ses-events function");
  return matchesFilter(resolveDeep(rule.Properties.EventPattern), event);
}
