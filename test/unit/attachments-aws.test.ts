/**
 * Issue 16 on AWS: a client's screenshot is kept in the raw-mail bucket (attachments/…), the
 * technicians' notice links it with our signed link, and that link, opened through the HTTP API's
 * public route (the published payload-2.0 event, no authorizer: API Gateway passes none on a route
 * without one), answers 302 to a 5-minute presigned GET of the exact object. A tampered, foreign or
 * expired link is refused before S3 is asked. The AWS wiring (functions/handlers/aws/deps.ts) gives the
 * inbound, outbox and API functions the store on RAW_BUCKET. S3 is aws-sdk-client-mock; the presigned
 * URL is the real SigV4 presigner's.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { S3AttachmentStore } from "../../functions/adapters/s3-attachments";
import { attachmentLink } from "../../functions/app/attachment-links";
import { receiveMail } from "../../functions/app/inbound";
import { performOutboxItem } from "../../functions/app/outbox";
import { makeTicketEventsHandler } from "../../functions/handlers/ticket-events";
import { mailWith, PNG } from "../support/attachment-mail";
import { memoryWorld } from "../support/memory-world";

const BUCKET = "aviso-raw-mail";
const API = "https://abcdef1234.execute-api.eu-west-1.amazonaws.com";
const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

const s3 = mockClient(S3Client);
const objects = new Map<string, { body: Buffer; contentType?: string }>();
beforeEach(() => {
  s3.reset();
  objects.clear();
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommand["input"]) => {
    expect(input.Bucket).toBe(BUCKET);
    objects.set(input.Key as string, {
      body: Buffer.from(input.Body as Buffer),
      ...(input.ContentType ? { contentType: input.ContentType } : {}),
    });
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2Command["input"]) => {
    expect(input.Bucket).toBe(BUCKET);
    const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? "")).sort();
    const max = input.MaxKeys ?? 1000;
    return { Contents: keys.slice(0, max).map((Key) => ({ Key })), IsTruncated: keys.length > max };
  });
  s3.on(GetObjectCommand).callsFake((input: GetObjectCommand["input"]) => {
    const object = objects.get(input.Key as string);
    if (!object) throw Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" });
    const Body = { transformToByteArray: async () => new Uint8Array(object.body) };
    return { Body, ContentType: object.contentType } as unknown as GetObjectCommandOutput;
  });
  s3.on(DeleteObjectCommand).callsFake((input: DeleteObjectCommand["input"]) => {
    objects.delete(input.Key as string);
    return {};
  });
});

type HttpEvent = {
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    routeKey: string;
    http: { method: string; path: string };
    authorizer?: Record<string, unknown>;
  };
};
type Reply = { statusCode: number; headers?: Record<string, string>; body: string };

/** The published IAM event re-pointed at a link of the public route, as API Gateway passes it: no authorizer. */
function opened(link: string): HttpEvent {
  const url = new URL(link);
  const event = JSON.parse(
    readFileSync(join(import.meta.dirname, "../data/aws-events/apigw-http-iam-auth.json"), "utf8"),
  ) as HttpEvent;
  delete event.requestContext.authorizer;
  event.routeKey = "GET /attachments/{ticketId}/{sha256}";
  event.rawPath = url.pathname;
  event.rawQueryString = url.search.slice(1);
  event.queryStringParameters = Object.fromEntries(url.searchParams);
  event.requestContext.routeKey = event.routeKey;
  event.requestContext.http = { ...event.requestContext.http, method: "GET", path: url.pathname };
  return event;
}

const awsClient = () =>
  new S3Client({
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  });

/** A presigned GET of `key` in the raw-mail bucket, valid `seconds`. */
function expectPresigned(location: string | undefined, key: string, seconds: number) {
  const url = new URL(location ?? "");
  expect(url.hostname).toBe(`${BUCKET}.s3.eu-west-1.amazonaws.com`);
  expect(decodeURIComponent(url.pathname.slice(1))).toBe(key);
  expect(url.searchParams.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
  expect(url.searchParams.get("X-Amz-Expires")).toBe(String(seconds));
  expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  expect(url.searchParams.get("response-content-disposition")).toMatch(/^attachment;/);
}

describe("a client's screenshot on AWS: kept in S3, linked in the notice, served by a presigned redirect", () => {
  it("the notice's link answers 302 to a 5-minute presigned GET of the exact object; tampered or foreign, 403; expired, 410", async () => {
    const w = memoryWorld({ config: { feedbackUrl: `${API}/feedback` } });
    const deps = { ...w.deps, attachments: new S3AttachmentStore(awsClient(), BUCKET) };
    const outcome = await receiveMail(
      deps,
      mailWith([{ name: "error.png", type: "image/png", content: PNG }]),
    );
    expect(outcome).toMatchObject({ outcome: "applied" });
    const ticketId = (outcome as { ticketId: string }).ticketId;
    const key = `attachments/${ticketId}/${sha(PNG)}/error.png`;
    expect(objects.get(key)?.body.equals(PNG)).toBe(true);

    for (const item of await deps.outbox.pending()) await performOutboxItem(deps, item);
    const notice = w.sent.find((mail) => JSON.stringify(mail.Destination).includes("lucia@aviso.test"));
    const body = notice?.Content?.Simple?.Body;
    const linkIn = (text: string) =>
      /https:\/\/\S+?\/attachments\/[^\s"'<>()[\]]+/
        .exec(text)?.[0]
        .replace(/&amp;/g, "&")
        .replace(/&#x3D;/g, "=");
    const link = linkIn(body?.Text?.Data ?? "") ?? "";
    expect(link, link).toSatisfy((l: string) =>
      l.startsWith(`${API}/attachments/${ticketId}/${sha(PNG)}?exp=`),
    );
    // The HTML part links the same URL (entity-escaped in its attribute).
    expect(linkIn(body?.Html?.Data ?? "")).toBe(link);

    const handler = makeTicketEventsHandler(async () => deps);
    const call = async (event: HttpEvent) => (await handler(event as never)) as Reply;
    const redirect = await call(opened(link));
    expect(redirect.statusCode, redirect.body).toBe(302);
    expect(redirect.headers?.["cache-control"]).toBe("no-store");
    expectPresigned(redirect.headers?.location, key, 300);

    const tampered = new URL(link);
    const sig = tampered.searchParams.get("sig") ?? "";
    tampered.searchParams.set("sig", `${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`);
    expect((await call(opened(tampered.href))).statusCode).toBe(403);
    const otherTicket = link.replace(`/attachments/${ticketId}/`, "/attachments/T-9999/");
    expect((await call(opened(otherTicket))).statusCode).toBe(403);
    const unsigned = link.replace(/\?.*$/, "");
    expect((await call(opened(unsigned))).statusCode).toBe(403);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(1);

    w.advance(8 * 86_400_000);
    expect((await call(opened(link))).statusCode).toBe(410);
  });

  it("a signed link to a file that is not kept answers 404, and a POST to the route is not the attachment route", async () => {
    const w = memoryWorld({ config: { feedbackUrl: `${API}/feedback` } });
    const deps = { ...w.deps, attachments: new S3AttachmentStore(awsClient(), BUCKET) };
    const handler = makeTicketEventsHandler(async () => deps);
    const link = attachmentLink(
      `${API}/attachments`,
      "T-1001",
      sha(PNG),
      w.deps.config.tokenSecret,
      new Date("2026-11-30T08:15:00Z"),
    );
    const reply = (await handler(opened(link) as never)) as Reply;
    expect(reply.statusCode).toBe(404);
    const post = opened(link);
    post.requestContext.http.method = "POST";
    // Not a public route: without an authorizer it is refused before any router.
    expect(((await handler(post as never)) as Reply).statusCode).toBe(401);
  });
});

describe("the AWS wiring (functions/handlers/aws/deps.ts)", () => {
  const secrets = mockClient(SecretsManagerClient);
  beforeEach(() => {
    secrets.reset();
    vi.resetModules();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "production-secret-0123456789" });
    for (const [name, value] of Object.entries({
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "ASIAEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "lambda-role-secret",
      AWS_SESSION_TOKEN: "lambda-role-session",
      TOKEN_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:aviso-token-AbCdEf",
      TABLE_NAME: "Aviso",
      RAW_BUCKET: BUCKET,
      SCHEDULE_GROUP: "Aviso-timers",
      TIMERS_FUNCTION_ARN: "arn:aws:lambda:eu-west-1:123456789012:function:Aviso-timers",
      SCHEDULER_ROLE_ARN: "arn:aws:iam::123456789012:role/scheduler",
      AVISO_CONFIG: JSON.stringify({
        supportAddress: "soporte@aviso.test",
        technicians: [{ address: "lucia@aviso.test" }],
        feedbackUrl: `${API}/feedback`,
      }),
    }))
      vi.stubEnv(name, value);
  });
  afterEach(() => vi.unstubAllEnvs());

  it("the API function redirects a signed link to the raw-mail bucket's object, presigned with the role's session", async () => {
    const { awsApiDeps } = await import("../../functions/handlers/aws/deps");
    const key = `attachments/T-1001/${sha(PNG)}/error.png`;
    objects.set(key, { body: PNG, contentType: "image/png" });
    const link = attachmentLink(
      `${API}/attachments`,
      "T-1001",
      sha(PNG),
      "production-secret-0123456789",
      new Date(Date.now() + 86_400_000),
    );
    const reply = (await makeTicketEventsHandler(awsApiDeps)(opened(link) as never)) as Reply;
    expect(reply.statusCode, reply.body).toBe(302);
    expectPresigned(reply.headers?.location, key, 300);
    expect(new URL(reply.headers?.location ?? "").searchParams.get("X-Amz-Security-Token")).toBe(
      "lambda-role-session",
    );
    // Its own module instance (vi.resetModules): the class by name.
    expect((await awsApiDeps()).attachments?.constructor.name).toBe("S3AttachmentStore");
  });

  it("the inbound and outbox functions are given the store on the raw-mail bucket too; none without RAW_BUCKET", async () => {
    const { awsInboundDeps, awsOutboxDeps, keptAttachments } = await import(
      "../../functions/handlers/aws/deps"
    );
    const inbound = await awsInboundDeps();
    const outbox = await awsOutboxDeps();
    for (const store of [inbound.attachments, outbox.attachments]) {
      expect(store?.constructor.name).toBe("S3AttachmentStore");
      await store?.put("T-1001", { name: "a.png", contentType: "image/png", content: PNG, sha256: sha(PNG) });
    }
    expect([...objects.keys()]).toEqual([`attachments/T-1001/${sha(PNG)}/a.png`]);
    vi.stubEnv("RAW_BUCKET", "");
    expect(keptAttachments("eu-west-1")).toEqual({});
  });
});
