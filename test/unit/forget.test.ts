/**
 * Issue 14, finding 10: nothing deleted a client's data. Forgetting erases the client's tickets,
 * timelines, message index entries, feedback, flag, held mail and the raw mail they point at, and
 * reports what it removed: DELETE /clients/{address} (or POST /forget) on the API, tools/forget.ts
 * locally. The local raw-mail reader only touches its own folder.
 */
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3RawMail, s3RawMailReader } from "../../functions/adapters/s3";
import { handleAdminRequest } from "../../functions/app/admin";
import { applyEvent } from "../../functions/app/apply";
import { clientAddress, expireClosedTickets } from "../../functions/app/forget";
import { loadConfig } from "../../functions/config";
import { memoryStores } from "../../functions/store/memory";
import { mailFolder } from "../../infra/local/deps";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function world() {
  const now = new Date("2026-11-23T08:15:00Z");
  const kept = new Map<string, Buffer>([
    ["memory://q-ana", Buffer.from("From: ana@cliente.es\r\n\r\nhola")],
    ["memory://q-bea", Buffer.from("From: bea@otra.es\r\n\r\nhola")],
  ]);
  const deps = {
    ...memoryStores(),
    config: loadConfig({
      supportAddress: "soporte@aviso.test",
      technicians: [{ address: "lucia@aviso.test", name: "Lucía" }],
      feedbackUrl: "http://127.0.0.1:3000/feedback",
      tokenSecret: "unit-secret-0123456789",
      defaultLocale: "es",
    }),
    clock: { now: () => new Date(now) },
    log: quiet,
    rawMailReader: {
      get: async (ref: string) => kept.get(ref) ?? Buffer.alloc(0),
      remove: async (ref: string) => kept.delete(ref),
    },
  };
  const open = (ticketId: string, address: string) =>
    applyEvent(deps, {
      type: "client-new",
      id: `mail-${ticketId}`,
      ticketId,
      from: { address },
      subject: "No imprime",
      text: "Desde ayer no imprime.",
      locale: "es",
    });
  return { deps, kept, now, open };
}

const call = async (
  deps: Parameters<typeof handleAdminRequest>[0],
  method: string,
  path: string,
  extra: { query?: Record<string, string>; body?: string } = {},
) => {
  const response = await handleAdminRequest(deps, { method, path, ...extra });
  return { status: response?.status, body: response ? JSON.parse(response.body) : undefined };
};

describe("forgetting a client", () => {
  it("DELETE /clients/{address}: a dry run counts, the erasure removes and reports, nobody else is touched", async () => {
    const w = world();
    await w.open("T-1001", "Ana@Cliente.es");
    await w.open("T-1002", "bea@otra.es");
    await w.open("T-1003", "ana@cliente.es");
    await w.deps.mail.claimMessage("<a1@cliente.es>", "T-1001", w.now);
    await w.deps.mail.indexMessage("<ours@ses>", "T-1003", w.now);
    await w.deps.feedback.recordFeedback("T-1001", { rating: 2, comment: "lento" }, w.now);
    await w.deps.throttle.flagAddress("ana@cliente.es", "permanent bounce", w.now);
    for (const [id, from] of [
      ["q-ana", "ana@cliente.es"],
      ["q-bea", "bea@otra.es"],
    ] as const)
      await w.deps.quarantine.quarantine({
        at: w.now.toISOString(),
        id,
        kind: "bulk",
        reason: "x",
        rawRef: `memory://${id}`,
        from,
      });

    const dry = await call(w.deps, "DELETE", "/clients/ana%40cliente.es", { query: { dryRun: "1" } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      address: "ana@cliente.es",
      dryRun: true,
      tickets: ["T-1001", "T-1003"],
      removed: { tickets: 2, timeline: 2, messageIndex: 2, feedback: 1, flags: 1, quarantine: 1 },
      rawMail: { found: 1, removed: 0, kept: [] },
    });
    expect(await w.deps.tickets.load("T-1001")).toBeDefined();

    const done = await call(w.deps, "DELETE", "/clients/ana@cliente.es");
    expect(done.body).toEqual({
      ...dry.body,
      dryRun: false,
      rawMail: { found: 1, removed: 1, kept: [] },
    });
    expect(await w.deps.tickets.load("T-1001")).toBeUndefined();
    expect(await w.deps.tickets.load("T-1003")).toBeUndefined();
    expect(await w.deps.outbox.list("T-1001")).toEqual([]);
    expect(await w.deps.mail.lookupMessage("<a1@cliente.es>")).toBeUndefined();
    expect(await w.deps.feedback.feedback()).toEqual([]);
    expect(await w.deps.throttle.flags(w.now)).toEqual([]);
    expect([...w.kept.keys()]).toEqual(["memory://q-bea"]);
    expect((await w.deps.quarantine.quarantined()).map((q) => q.from)).toEqual(["bea@otra.es"]);
    expect((await w.deps.tickets.load("T-1002"))?.client.address).toBe("bea@otra.es");
  });

  it("POST /forget {address}; a bad address is refused", async () => {
    const w = world();
    await w.open("T-1001", "ana@cliente.es");
    const done = await call(w.deps, "POST", "/forget", {
      body: JSON.stringify({ address: " ANA@cliente.es " }),
    });
    expect(done).toMatchObject({ status: 200, body: { tickets: ["T-1001"], dryRun: false } });
    expect((await call(w.deps, "POST", "/forget", { body: "{}" })).status).toBe(400);
    expect((await call(w.deps, "POST", "/forget", { body: "nope" })).status).toBe(400);
    expect((await call(w.deps, "DELETE", "/clients/nobody")).status).toBe(400);
    expect(clientAddress("a@b")).toBe("a@b");
    expect(clientAddress("a b@c")).toBeUndefined();
  });

  it("retention: a ticket closed more than closedTicketRetentionDays ago is erased, with the raw mail it points at", async () => {
    const w = world();
    await w.open("T-1001", "ana@cliente.es");
    await w.open("T-1002", "bea@otra.es");
    for (const event of [
      { type: "resolve", id: "r1", ticketId: "T-1001", actor: "lucia@aviso.test", fix: "Driver." },
      { type: "confirm", id: "c1", ticketId: "T-1001" },
    ])
      await applyEvent(w.deps, event);
    await w.deps.quarantine.quarantine({
      at: w.now.toISOString(),
      id: "q-ana",
      kind: "rate-limited",
      reason: "x",
      rawRef: "memory://q-ana",
      ticketId: "T-1001",
    });
    const at = (days: number) => ({ now: () => new Date(w.now.getTime() + days * 86_400_000) });
    expect((await expireClosedTickets({ ...w.deps, clock: at(399) })).tickets).toEqual([]);
    const expired = await expireClosedTickets({ ...w.deps, clock: at(401) });
    expect(expired).toMatchObject({
      tickets: ["T-1001"],
      removed: { tickets: 1, quarantine: 1 },
      rawMail: { found: 1, removed: 1, kept: [] },
    });
    expect(await w.deps.tickets.load("T-1001")).toBeUndefined();
    expect((await w.deps.tickets.load("T-1002"))?.status).toBe("open");
    expect([...w.kept.keys()]).toEqual(["memory://q-bea"]);
  });

  it("the local raw-mail reader reads and deletes only inside its folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aviso-forget-"));
    const outside = await mkdtemp(join(tmpdir(), "aviso-outside-"));
    await writeFile(join(outside, "secret.eml"), "x");
    const folder = mailFolder(dir);
    const ref = await folder.put("2026-11-23-abc", Buffer.from("From: ana@cliente.es\r\n\r\nhola"));
    expect((await folder.reader.get(ref)).toString()).toContain("ana@cliente.es");
    await expect(folder.reader.get(`file://${join(outside, "secret.eml")}`)).rejects.toThrow(
      /not a raw mail/,
    );
    await expect(
      folder.reader.remove(`file://${dir}/../${outside.split("/").pop()}/secret.eml`),
    ).rejects.toThrow(/not a raw mail/);
    expect(await folder.reader.remove(ref)).toBe(true);
    expect(await folder.reader.remove(ref)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
    expect(await readdir(outside)).toEqual(["secret.eml"]);
  });

  it("the S3 raw-mail reader reads by reference from its own bucket only, and deletes every version", async () => {
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    const fake = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        if (command.constructor.name === "GetObjectCommand")
          return {
            Body: { transformToByteArray: async () => new TextEncoder().encode("From: ana@cliente.es") },
          };
        if (command.constructor.name === "ListObjectVersionsCommand")
          return command.input.Prefix === "inbound/abc"
            ? {
                Versions: [
                  { Key: "inbound/abc", VersionId: "v1" },
                  { Key: "inbound/abcdef", VersionId: "v9" },
                ],
                DeleteMarkers: [{ Key: "inbound/abc", VersionId: "v2" }],
              }
            : {};
        return {};
      },
    } as unknown as S3Client;
    const reader = s3RawMailReader(new S3RawMail(fake, "raw-bucket"), "raw-bucket");
    expect((await reader.get("s3://raw-bucket/inbound/abc")).toString()).toBe("From: ana@cliente.es");
    expect(sent[0]).toEqual({
      name: "GetObjectCommand",
      input: { Bucket: "raw-bucket", Key: "inbound/abc" },
    });
    await expect(reader.get("s3://other-bucket/inbound/abc")).rejects.toThrow(
      /not a raw mail of this bucket/,
    );
    await expect(reader.remove("file:///etc/passwd")).rejects.toThrow(/not a raw mail of this bucket/);
    sent.length = 0;
    expect(await reader.remove("s3://raw-bucket/inbound/abc")).toBe(true);
    expect(sent.filter((c) => c.name === "DeleteObjectCommand").map((c) => c.input.VersionId)).toEqual([
      "v1",
      "v2",
    ]);
    expect(await reader.remove("s3://raw-bucket/inbound/gone")).toBe(false);
  });
});
