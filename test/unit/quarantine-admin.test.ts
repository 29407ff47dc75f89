/**
 * Issue 14, "no black holes": held mail is listed for the lead (GET /quarantine: id, time, kind,
 * reason, from, subject), released (POST /quarantine/{id}/release: the kept raw mail processed as a
 * person's mail) or discarded (POST /quarantine/{id}/discard), each once.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { handleAdminRequest, sendQuarantineDigest } from "../../functions/app/admin";
import { receiveMail } from "../../functions/app/inbound";
import { memoryWorld } from "../support/memory-world";

function world(start?: string) {
  const base = memoryWorld({ ...(start ? { start } : {}), config: { supportLead: "jefa@aviso.test" } });
  const kept = new Map<string, Buffer>();
  const deps = {
    ...base.deps,
    rawMail: {
      put: async (id: string, raw: Buffer) => {
        kept.set(`memory://${id}`, raw);
        return `memory://${id}`;
      },
    },
    rawMailReader: {
      get: async (ref: string) => {
        const raw = kept.get(ref);
        if (!raw) throw new Error(`no raw mail ${ref}`);
        return raw;
      },
    },
  };
  return {
    ...base,
    deps,
    kept,
    api: async (method: string, path: string, query?: Record<string, string>) => {
      const response = await handleAdminRequest(deps, { method, path, ...(query ? { query } : {}) });
      return { status: response?.status, body: response ? JSON.parse(response.body) : undefined };
    },
  };
}

let seq = 0;
function mail(from: string, subject: string, body: string, extra = "") {
  seq += 1;
  return Buffer.from(
    `From: ${from}\r\nTo: soporte@aviso.test\r\nSubject: ${subject}\r\nMessage-ID: <q${seq}-${Date.now()}@cliente.es>\r\n${extra}Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

const to = (input: SendEmailCommandInput) =>
  (input.Destination?.ToAddresses ?? []).map((a) => /<([^>]+)>/.exec(a)?.[1] ?? a);

describe("the lead's quarantine", () => {
  it("GET /quarantine lists held mail with id, time, kind, reason, from and subject, newest first", async () => {
    const w = world();
    const held = await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "Boletín", "Novedades.", "Precedence: bulk\r\n"),
    );
    expect(held).toMatchObject({ outcome: "quarantined", kind: "bulk" });
    w.advance(60_000);
    await receiveMail(w.deps, mail("Bea <bea@otra.es>", "Lista", "Hola.", "List-Id: <l.otra.es>\r\n"));
    const { status, body } = await w.api("GET", "/quarantine");
    expect(status).toBe(200);
    expect(body.quarantine).toHaveLength(2);
    expect(body.quarantine[1]).toEqual({
      id: expect.any(String),
      at: "2026-11-23T08:15:00.000Z",
      kind: "bulk",
      reason: "Precedence: bulk",
      from: "ana@cliente.es",
      subject: "Boletín",
    });
    expect(body.quarantine[0]).toMatchObject({ from: "bea@otra.es", at: "2026-11-23T08:16:00.000Z" });
  });

  it("discard: once; the entry leaves the list, ?all=1 still shows it as discarded", async () => {
    const w = world();
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "Boletín", "Novedades.", "Precedence: bulk\r\n"));
    const [entry] = (await w.api("GET", "/quarantine")).body.quarantine;
    w.advance(3_600_000);
    const first = await w.api("POST", `/quarantine/${entry.id}/discard`);
    expect(first).toEqual({ status: 200, body: { id: entry.id, discarded: 1 } });
    expect((await w.api("POST", `/quarantine/${entry.id}/discard`)).status).toBe(409);
    expect((await w.api("POST", `/quarantine/${entry.id}/release`)).status).toBe(409);
    expect((await w.api("GET", "/quarantine")).body.quarantine).toEqual([]);
    expect((await w.api("GET", "/quarantine", { all: "1" })).body.quarantine).toEqual([
      { ...entry, status: "discarded", settledAt: "2026-11-23T09:15:00.000Z" },
    ]);
    expect((await w.api("POST", "/quarantine/nothing-here/discard")).status).toBe(404);
  });

  it("release: a person's mail held for a failure is processed from the kept raw mail, once", async () => {
    const w = world();
    const raw = mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.");
    const rawRef = await w.deps.rawMail.put("2026-11-23/worker-died", raw);
    // What the local inbox or a failed Lambda attempt leaves: the raw mail kept, the mail held.
    await w.deps.quarantine.quarantine({
      at: "2026-11-23T08:15:00.000Z",
      id: "worker-died",
      kind: "unprocessed",
      reason: "processing failed: worker stopped",
      rawRef,
      from: "ana@cliente.es",
    });
    w.advance(600_000);
    const released = await w.api("POST", "/quarantine/worker-died/release");
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({
      id: "worker-died",
      released: 1,
      outcome: { outcome: "applied", ticketId: "T-1001", newTicket: true, kind: "new-request" },
    });
    await w.drain();
    expect(w.sent.flatMap(to)).toContain("ana@cliente.es");
    expect((await w.api("GET", "/quarantine")).body.quarantine).toEqual([]);
    expect((await w.api("GET", "/quarantine", { all: "1" })).body.quarantine[0]).toMatchObject({
      status: "released",
      outcome: "applied: T-1001",
    });
    expect((await w.api("POST", "/quarantine/worker-died/release")).status).toBe(409);
  });

  it("release: when the kept mail cannot be read, the entry stays held and the lead is told why", async () => {
    const w = world();
    await w.deps.quarantine.quarantine({
      at: "2026-11-23T08:15:00.000Z",
      id: "lost",
      kind: "unprocessed",
      reason: "x",
      rawRef: "memory://nowhere",
    });
    const response = await w.api("POST", "/quarantine/lost/release");
    expect(response.status).toBe(502);
    expect(response.body.error).toMatch(/memory:\/\/nowhere/);
    expect((await w.api("GET", "/quarantine")).body.quarantine).toHaveLength(1);
  });

  it("the lead gets one digest for a day on which something was held, none for a quiet day", async () => {
    const w = world("2026-11-23T09:00:00Z");
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "Boletín", "Novedades.", "Precedence: bulk\r\n"));
    await receiveMail(w.deps, mail("Bea <bea@otra.es>", "Lista", "Hola.", "List-Id: <l.otra.es>\r\n"));
    w.advance(86_400_000);
    const digest = await sendQuarantineDigest(w.deps);
    expect(digest).toMatchObject({ sent: true, day: "2026-11-23", held: 2 });
    expect(w.sent).toHaveLength(1);
    expect(to(w.sent[0] as SendEmailCommandInput)).toEqual(["jefa@aviso.test"]);
    const text = w.sent[0]?.Content?.Simple?.Body?.Text?.Data ?? "";
    expect(text).toMatch(/2 mail\(s\) held in quarantine on 2026-11-23/);
    expect(text).toContain("ana@cliente.es");
    expect(text).toContain("POST /quarantine/{id}/release");
    expect(await sendQuarantineDigest(w.deps)).toMatchObject({ sent: false });
    w.advance(86_400_000);
    expect(await sendQuarantineDigest(w.deps)).toMatchObject({ sent: false, reason: "nothing was held" });
    expect(w.sent).toHaveLength(1);
  });

  // A release reads the mail as a person's: inbound.ts passes meta.release on to the inspection as
  // MailContext.skipAutomatedClassification.
  it("release: a person's mail held as bulk opens a ticket (the automated-mail classification is skipped)", async () => {
    const w = world();
    await receiveMail(
      w.deps,
      mail(
        "Ana <ana@cliente.es>",
        "Darme de baja",
        "Quiero darme de baja del servicio de impresión.",
        "Precedence: bulk\r\n",
      ),
    );
    const [entry] = (await w.api("GET", "/quarantine")).body.quarantine;
    w.advance(600_000);
    const released = await w.api("POST", `/quarantine/${entry.id}/release`);
    expect(released.body.outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001", newTicket: true });
  });

  it("release: a client's reply held as an auto-reply reaches its own ticket, threaded as a person's reply", async () => {
    const w = world();
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."));
    const held = await receiveMail(
      w.deps,
      mail(
        "Ana <ana@cliente.es>",
        "Re: [#T-1001] No imprime",
        "Sigue sin imprimir, y ahora tampoco escanea.",
        "X-Autoreply: yes\r\n",
      ),
    );
    expect(held).toMatchObject({ outcome: "quarantined", kind: "auto-reply" });
    const [entry] = (await w.api("GET", "/quarantine")).body.quarantine;
    await w.drain();
    const sentBefore = w.sent.length;
    const released = await w.api("POST", `/quarantine/${entry.id}/release`);
    expect(released.body.outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001", kind: "reply" });
    expect(released.body.outcome.newTicket).toBe(false);
    await w.drain();
    // The technicians hear of it; the client is not answered automatically for a reply.
    const staff = w.sent.slice(sentBefore).filter((m) => to(m).includes("lucia@aviso.test"));
    expect(staff.map((m) => m.Content?.Simple?.Body?.Text?.Data).join("\n")).toContain("tampoco escanea");
  });

  // A release passes no SES verdicts, so receiveMail cannot see the virus FAIL again: admin.ts
  // refuses to release a "virus" entry (409).
  it("release: a mail held for a virus is never processed", async () => {
    const w = world();
    const held = await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "Factura", "Adjunto la factura."), {
      verdicts: { virus: "FAIL", spam: "PASS" },
    });
    expect(held).toMatchObject({ outcome: "quarantined", kind: "virus" });
    const [entry] = (await w.api("GET", "/quarantine")).body.quarantine;
    const released = await w.api("POST", `/quarantine/${entry.id}/release`);
    expect(released.status).toBe(409);
    expect(await w.deps.tickets.load("T-1001")).toBeUndefined();
  });

  it("release: aviso's own mail that came back is still never answered", async () => {
    const w = world();
    await receiveMail(w.deps, mail("Soporte <soporte@aviso.test>", "Eco", "Nuestro propio correo."));
    const [entry] = (await w.api("GET", "/quarantine")).body.quarantine;
    const released = await w.api("POST", `/quarantine/${entry.id}/release`);
    expect(released.body.outcome).toMatchObject({ outcome: "quarantined", kind: "auto-reply" });
    expect(await w.deps.tickets.load("T-1001")).toBeUndefined();
  });
});
