/**
 * Kept attachments in S3 (issue 16): the key `attachments/<ticketId>/<sha256>/<name>` in the raw-mail
 * bucket, the exact bytes and content type back, a presigned GET that expires, and a ticket's files
 * removed when its client is forgotten. S3 is mocked (aws-sdk-client-mock) as a map of objects; the
 * presigned URL is computed by the real SigV4 presigner.
 */
import { createHash } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { S3AttachmentStore } from "../../functions/adapters/s3-attachments";
import {
  attachmentApiRoute,
  handleAttachmentRequest,
  memoryAttachmentStore,
} from "../../functions/app/attachments";
import { PNG } from "../support/attachment-mail";

const BUCKET = "aviso-raw-mail";
const s3 = mockClient(S3Client);
const objects = new Map<string, { body: Buffer; contentType?: string; disposition?: string }>();
const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

beforeEach(() => {
  s3.reset();
  objects.clear();
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommand["input"]) => {
    expect(input.Bucket).toBe(BUCKET);
    objects.set(input.Key as string, {
      body: Buffer.from(input.Body as Buffer),
      ...(input.ContentType ? { contentType: input.ContentType } : {}),
      ...(input.ContentDisposition ? { disposition: input.ContentDisposition } : {}),
    });
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2Command["input"]) => {
    const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? "")).sort();
    const max = input.MaxKeys ?? 1000;
    return { Contents: keys.slice(0, max).map((Key) => ({ Key })), IsTruncated: keys.length > max };
  });
  s3.on(GetObjectCommand).callsFake((input: GetObjectCommand["input"]) => {
    const object = objects.get(input.Key as string);
    if (!object) throw Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" });
    // The SDK's stream mixin, as much of it as the adapter uses.
    const Body = { transformToByteArray: async () => new Uint8Array(object.body) };
    return { Body, ContentType: object.contentType } as unknown as GetObjectCommandOutput;
  });
  s3.on(ListObjectVersionsCommand).callsFake((input: ListObjectVersionsCommand["input"]) => {
    // Every object has its current version and one older one (the bucket is versioned).
    const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? "")).sort();
    return {
      Versions: keys.flatMap((Key) => [
        { Key, VersionId: `${Key}#2`, IsLatest: true },
        { Key, VersionId: `${Key}#1`, IsLatest: false },
      ]),
      IsTruncated: false,
    };
  });
  s3.on(DeleteObjectCommand).callsFake((input: DeleteObjectCommand["input"]) => {
    objects.delete(input.Key as string);
    return {};
  });
});

const client = () =>
  new S3Client({
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  });

describe("attachments in S3", () => {
  it("keeps the file under attachments/<ticketId>/<sha256>/<name> with its type, and reads back its exact bytes", async () => {
    const store = new S3AttachmentStore(client(), BUCKET);
    const ref = await store.put("T-1001", {
      name: "error.png",
      contentType: "image/png",
      sha256: sha(PNG),
      content: PNG,
    });
    const key = `attachments/T-1001/${sha(PNG)}/error.png`;
    expect(ref).toBe(`s3://${BUCKET}/${key}`);
    expect(objects.get(key)).toMatchObject({
      contentType: "image/png",
      disposition: expect.stringMatching(/^attachment;/),
    });
    const back = await store.get("T-1001", sha(PNG));
    expect(back?.name).toBe("error.png");
    expect(back?.contentType).toBe("image/png");
    expect(sha(back?.content as Buffer)).toBe(sha(PNG));
    expect(await store.get("T-1002", sha(PNG))).toBeUndefined();
  });

  it("presigns a GET of the object that expires in the given seconds, forcing a download", async () => {
    const store = new S3AttachmentStore(client(), BUCKET);
    await store.put("T-1001", {
      name: "error.png",
      contentType: "image/png",
      sha256: sha(PNG),
      content: PNG,
    });
    const url = new URL((await store.presignedGet("T-1001", sha(PNG), 300)) as string);
    expect(url.hostname).toContain(BUCKET);
    expect(decodeURIComponent(url.pathname)).toBe(`/attachments/T-1001/${sha(PNG)}/error.png`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("300");
    expect(url.searchParams.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(url.searchParams.get("response-content-disposition")).toMatch(/^attachment; filename="error.png"/);
    expect(await store.presignedGet("T-1001", "0".repeat(64), 300)).toBeUndefined();
  });

  it("our signed link answers with a redirect to the presigned GET when the store is S3", async () => {
    const store = new S3AttachmentStore(client(), BUCKET);
    await store.put("T-1001", {
      name: "error.png",
      contentType: "image/png",
      sha256: sha(PNG),
      content: PNG,
    });
    const { attachmentLink } = await import("../../functions/app/attachment-links");
    const now = new Date("2026-11-23T08:00:00Z");
    const link = new URL(
      attachmentLink(
        "https://api.example/attachments",
        "T-1001",
        sha(PNG),
        "s3cret-0123456789",
        new Date(now.getTime() + 86_400_000),
      ),
    );
    const response = await handleAttachmentRequest(
      { attachments: store, config: { tokenSecret: "s3cret-0123456789" }, clock: { now: () => now } },
      {
        ticketId: "T-1001",
        sha256: sha(PNG),
        query: {
          exp: link.searchParams.get("exp") ?? undefined,
          sig: link.searchParams.get("sig") ?? undefined,
        },
      },
    );
    expect(response.status).toBe(302);
    expect(response.headers.location).toMatch(/X-Amz-Expires=300/);
  });

  it("the API's route: a redirect for S3, 403 for a tampered link, nothing for other paths, never bytes as text", async () => {
    const store = new S3AttachmentStore(client(), BUCKET);
    await store.put("T-1001", {
      name: "error.png",
      contentType: "image/png",
      sha256: sha(PNG),
      content: PNG,
    });
    const { attachmentLink } = await import("../../functions/app/attachment-links");
    const now = new Date("2026-11-23T08:00:00Z");
    const secret = "s3cret-0123456789";
    const link = new URL(
      attachmentLink(
        "https://api.example/attachments",
        "T-1001",
        sha(PNG),
        secret,
        new Date(now.getTime() + 60_000),
      ),
    );
    const query = Object.fromEntries(link.searchParams);
    const deps = { attachments: store, config: { tokenSecret: secret }, clock: { now: () => now } };
    expect((await attachmentApiRoute(deps, "GET", link.pathname, query))?.status).toBe(302);
    expect(
      (await attachmentApiRoute(deps, "GET", link.pathname, { ...query, sig: "x".repeat(22) }))?.status,
    ).toBe(403);
    expect(await attachmentApiRoute(deps, "GET", "/tickets/T-1001", query)).toBeUndefined();
    expect(await attachmentApiRoute(deps, "POST", link.pathname, query)).toBeUndefined();
    const local = memoryAttachmentStore();
    await local.put("T-1001", {
      name: "error.png",
      contentType: "image/png",
      sha256: sha(PNG),
      content: PNG,
    });
    expect(
      (await attachmentApiRoute({ ...deps, attachments: local }, "GET", link.pathname, query))?.status,
    ).toBe(501);
  });

  it("removes every kept file of a ticket and no other ticket's", async () => {
    const store = new S3AttachmentStore(client(), BUCKET);
    const other = Buffer.from("otro");
    await store.put("T-1001", { name: "a.png", contentType: "image/png", sha256: sha(PNG), content: PNG });
    await store.put("T-1001", {
      name: "b.txt",
      contentType: "text/plain",
      sha256: sha(other),
      content: other,
    });
    await store.put("T-10010", { name: "c.png", contentType: "image/png", sha256: sha(PNG), content: PNG });
    expect(await store.removeTicket("T-1001")).toBe(2);
    expect([...objects.keys()]).toEqual([`attachments/T-10010/${sha(PNG)}/c.png`]);
    // Each version is deleted by its id: none of a forgotten client's bytes stays as an old version.
    const deleted = s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.VersionId);
    expect(deleted.sort()).toEqual(
      [`attachments/T-1001/${sha(PNG)}/a.png`, `attachments/T-1001/${sha(other)}/b.txt`]
        .flatMap((key) => [`${key}#1`, `${key}#2`])
        .sort(),
    );
  });
});
