/**
 * The similar-incidents index as an S3 object (issue 17), against a mocked S3 that keeps S3's
 * documented conditional-write contract: PutObject with If-Match succeeds only on the current ETag and
 * with If-None-Match "*" only when there is no object, else 412 PreconditionFailed; GetObject with
 * If-None-Match on the current ETag answers 304.
 */
import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { INCIDENT_INDEX_KEY, S3IncidentIndexStore } from "../../functions/adapters/incident-index-s3";
import { recordResolvedIncident } from "../../functions/app/similar-incidents";
import type { Ticket } from "../../functions/core";
import { load } from "../../functions/core/similar";
import { quiet } from "../support/memory-world";

const s3 = mockClient(S3Client);
const BUCKET = "aviso-similar-incidents";

function failure(name: string, status: number) {
  return new S3ServiceException({
    name,
    $fault: "client",
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

/** One object, as S3 keeps it; `beforePut` runs once before the next PutObject (a concurrent writer). */
function fakeBucket() {
  const state: { body?: string; etag?: string; beforePut?: () => void; puts: PutObjectCommand["input"][] } = {
    puts: [],
  };
  const write = (body: string) => {
    state.body = body;
    state.etag = `"${createHash("md5").update(body).digest("hex")}"`;
  };
  s3.on(GetObjectCommand).callsFake((input: GetObjectCommand["input"]) => {
    expect(input).toMatchObject({ Bucket: BUCKET, Key: INCIDENT_INDEX_KEY });
    if (state.body === undefined) throw failure("NoSuchKey", 404);
    if (input.IfNoneMatch === state.etag) throw failure("NotModified", 304);
    const body = state.body;
    return { ETag: state.etag, Body: { transformToString: async () => body } };
  });
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommand["input"]) => {
    state.puts.push(input);
    const concurrent = state.beforePut;
    state.beforePut = undefined;
    concurrent?.();
    if (input.IfNoneMatch === "*" && state.body !== undefined) throw failure("PreconditionFailed", 412);
    if (input.IfMatch !== undefined && input.IfMatch !== state.etag) throw failure("PreconditionFailed", 412);
    write(String(input.Body));
    return { ETag: state.etag };
  });
  return { state, write };
}

const clock = { now: () => new Date("2026-11-23T10:00:00Z") };

function resolved(id: string, subject: string): Ticket {
  return {
    id,
    version: 4,
    status: "resolved",
    subject,
    request: subject,
    client: { address: "ana@cliente.es", locale: "es", calendar: { timeZone: "Europe/Madrid" } as never },
    openedAt: "2026-11-23T08:00:00Z",
    escalations: [],
    resolution: { cause: `causa de ${id}`, fix: `arreglo de ${id}`, at: "2026-11-23T09:00:00Z" },
    progress: [],
    lastClientMessageAt: "2026-11-23T09:00:00Z",
    endOfDayNoticeDate: "2026-11-23",
    timers: {},
    counters: { clientMessages: 2, reopenings: 0, escalations: 0, planChanges: 0 },
    seenEventIds: [],
  };
}

beforeEach(() => s3.reset());

describe("S3IncidentIndexStore", () => {
  it("writes the first index only where there is none (If-None-Match *), then only over the ETag it read (If-Match)", async () => {
    const { state } = fakeBucket();
    const store = new S3IncidentIndexStore(new S3Client({ region: "eu-west-1" }), BUCKET);
    expect(await store.load()).toBeUndefined();
    const first = await store.save('{"a":1}', undefined);
    expect(first).toBe(state.etag);
    expect(state.puts[0]).toMatchObject({ IfNoneMatch: "*", ContentType: "application/json" });
    expect(state.puts[0]?.IfMatch).toBeUndefined();
    // A second "first write" finds the object there: refused, not overwritten.
    expect(await store.save('{"b":2}', undefined)).toBe(false);
    expect(state.body).toBe('{"a":1}');
    expect(await store.load()).toEqual({ document: '{"a":1}', version: first });
    expect(await store.load(first as string)).toBe("unchanged");
    const second = await store.save('{"a":2}', first as string);
    expect(state.puts.at(-1)).toMatchObject({ IfMatch: first });
    expect(await store.save('{"a":3}', first as string)).toBe(false);
    expect(state.body).toBe('{"a":2}');
    expect(second).toBe(state.etag);
  });

  it("412: a resolution that lost the race reads the winner's index again and writes both incidents", async () => {
    const { state, write } = fakeBucket();
    const store = new S3IncidentIndexStore(new S3Client({ region: "eu-west-1" }), BUCKET);
    const deps = { incidentIndex: store, clock, log: quiet, config: { defaultLocale: "es" as const } };
    expect(await recordResolvedIncident(deps, resolved("T-1001", "Zebra imprime en blanco"))).toBe(true);
    // Another process adds T-1002 between this one's read and its write.
    state.beforePut = () => {
      const winner = load(state.body as string);
      winner.search.add({
        code: "T-1002",
        subject: "VPN caída",
        text: "No conecta la VPN",
        cause: "certificado caducado",
        fix: "renovado",
        locale: "es",
      });
      write(JSON.stringify({ format: "aviso-similar/1", index: winner.search }));
    };
    const putsBefore = state.puts.length;
    expect(await recordResolvedIncident(deps, resolved("T-1003", "Outlook no arranca"))).toBe(true);
    const puts = state.puts.slice(putsBefore);
    expect(puts).toHaveLength(2);
    expect(puts[0]?.IfMatch).not.toBe(puts[1]?.IfMatch);
    const stored = load(state.body as string);
    expect(["T-1001", "T-1002", "T-1003"].map((code) => stored.search.has(code))).toEqual([true, true, true]);
  });

  it("409 ConditionalRequestConflict is a lost race too; any other failure is the caller's to see", async () => {
    const store = new S3IncidentIndexStore(new S3Client({ region: "eu-west-1" }), BUCKET);
    s3.on(PutObjectCommand)
      .rejectsOnce(failure("ConditionalRequestConflict", 409))
      .rejectsOnce(failure("NoSuchKey", 404))
      .rejectsOnce(failure("AccessDenied", 403));
    expect(await store.save("{}", '"e1"')).toBe(false);
    // If-Match on an object deleted meanwhile.
    expect(await store.save("{}", '"e1"')).toBe(false);
    await expect(store.save("{}", '"e1"')).rejects.toThrow("AccessDenied");
    s3.on(GetObjectCommand).rejectsOnce(failure("AccessDenied", 403));
    await expect(store.load()).rejects.toThrow("AccessDenied");
  });
});
