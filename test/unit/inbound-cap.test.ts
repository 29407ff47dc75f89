/**
 * Issue 14: the global inbound cap through receiveMail, and a lead's release (meta.release), which
 * processes the kept raw mail as a person's mail past the caps, never past a virus verdict.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { handleAdminRequest } from "../../functions/app/admin";
import { receiveMail } from "../../functions/app/inbound";
import { INBOUND_ALL } from "../../functions/app/inbound-cap";
import type { AvisoConfig } from "../../functions/config";
import { memoryWorld } from "../support/memory-world";

function world(config: Partial<AvisoConfig> = { maxInboundMailsPer10Minutes: 3 }) {
  const base = memoryWorld({ start: "2026-11-23T08:10:00Z", config });
  const kept = new Map<string, Buffer>();
  const deps = {
    ...base.deps,
    rawMail: {
      put: async (id: string, raw: Buffer) => {
        const ref = `memory://${id}`;
        kept.set(ref, raw);
        return ref;
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
  const api = async (method: string, path: string) => {
    const response = await handleAdminRequest(deps, { method, path });
    return { status: response?.status, body: response ? JSON.parse(response.body) : undefined };
  };
  return { ...base, deps, api };
}

let seq = 0;
function mail(from: string, subject: string, body: string, extra = "") {
  seq += 1;
  return Buffer.from(
    `From: ${from}\r\nTo: soporte@aviso.test\r\nSubject: ${subject}\r\nMessage-ID: <c${seq}-${Math.random().toString(36).slice(2)}@cliente.es>\r\n${extra}Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

const to = (input: SendEmailCommandInput) =>
  (input.Destination?.ToAddresses ?? []).map((a) => (/<([^>]+)>/.exec(a)?.[1] ?? a).toLowerCase());

describe("the global inbound cap in receiveMail", () => {
  it("every inbound mail counts; over the cap a person's mail is held as rate-limited, with InboundCapped, and nothing is sent to its sender", async () => {
    const w = world();
    // Mail held for another reason counts too: a flood of newsletters fills the window as well.
    const bulk = await receiveMail(
      w.deps,
      mail("Boletín <news@tienda.example>", "Ofertas", "Novedades.", "Precedence: bulk\r\n"),
    );
    expect(bulk).toMatchObject({ outcome: "quarantined", kind: "bulk" });
    for (const who of ["ana", "bea"])
      expect(
        await receiveMail(w.deps, mail(`${who} <${who}@cliente.es>`, "No imprime", "No imprime.")),
      ).toMatchObject({ outcome: "applied", newTicket: true });
    expect(await w.deps.throttle.peekWindow(INBOUND_ALL, 600, w.deps.clock.now())).toBe(3);

    const held = await receiveMail(
      w.deps,
      mail("Carla <carla@cliente.es>", "Sin red", "No tengo red desde esta mañana."),
    );
    expect(held).toMatchObject({ outcome: "quarantined", kind: "rate-limited" });
    expect(held.outcome === "quarantined" && held.reason).toMatch(/4 mails in ten minutes \(at most 3\)/);
    expect(w.metrics.filter((p) => p.name === "InboundCapped")).toEqual([
      { name: "InboundCapped", unit: "Count", value: 1 },
    ]);
    // The lead's list shows whose mail it is (from, subject): it was read before it was held.
    const [entry] = (await w.api("GET", "/quarantine")).body.quarantine.filter(
      (e: { kind: string }) => e.kind === "rate-limited",
    );
    expect(entry).toMatchObject({ from: "carla@cliente.es", subject: "Sin red" });
    await w.drain();
    expect(w.sent.flatMap(to)).not.toContain("carla@cliente.es");
    expect(w.sent.flatMap(to)).toContain("ana@cliente.es");
    expect(await w.deps.tickets.load("T-1003")).toBeUndefined();

    // A new window starts afresh.
    w.advance(10 * 60_000);
    expect(
      await receiveMail(w.deps, mail("Dani <dani@cliente.es>", "Pantalla", "La pantalla parpadea.")),
    ).toMatchObject({ outcome: "applied", newTicket: true });
  });

  it("an authenticated technician's command still goes through over the cap: a flood must not lock the staff out", async () => {
    const w = world({ maxInboundMailsPer10Minutes: 1 });
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."));
    const stranger = await receiveMail(w.deps, mail("Eva <eva@otra.example>", "Hola", "Hola."));
    expect(stranger).toMatchObject({ outcome: "quarantined", kind: "rate-limited" });
    const diagnosis = await receiveMail(
      w.deps,
      mail("Lucía <lucia@aviso.test>", "Re: [#T-1001] No imprime", "#diagnosis El driver está dañado."),
    );
    expect(diagnosis).toMatchObject({ outcome: "applied", ticketId: "T-1001", kind: "technician-command" });
    expect((await w.deps.tickets.load("T-1001"))?.diagnosis?.text).toBe("El driver está dañado.");
    // It was counted all the same.
    expect(await w.deps.throttle.peekWindow(INBOUND_ALL, 600, w.deps.clock.now())).toBe(3);
  });

  it("a forged mail over the cap is held as forged, its own reason, and does not count as capped", async () => {
    const w = world({ maxInboundMailsPer10Minutes: 1 });
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."));
    const forged = await receiveMail(
      w.deps,
      mail("Banco <avisos@banco.example>", "Su cuenta", "Entre en http://evil.example/login"),
      { verdicts: { spf: "FAIL", dkim: "FAIL", dmarc: "FAIL", dmarcPolicy: "reject" } },
    );
    expect(forged).toMatchObject({ outcome: "quarantined", kind: "forged" });
    expect(w.metrics.filter((p) => p.name === "InboundCapped")).toHaveLength(0);
  });
});

describe("release: a person's mail, past the caps", () => {
  it("a mail held by the global cap is released into a ticket while the window is still full", async () => {
    const w = world({ maxInboundMailsPer10Minutes: 1 });
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."));
    const held = await receiveMail(w.deps, mail("Bea <bea@cliente.es>", "Sin red", "No tengo red."));
    expect(held).toMatchObject({ outcome: "quarantined", kind: "rate-limited" });
    const [entry] = (await w.api("GET", "/quarantine")).body.quarantine;
    const released = await w.api("POST", `/quarantine/${entry.id}/release`);
    expect(released.body.outcome).toMatchObject({ outcome: "applied", ticketId: "T-1002", newTicket: true });
    await w.drain();
    expect(w.sent.flatMap(to)).toContain("bea@cliente.es");
    // The release is the lead's act, not inbound traffic: it neither counts nor records a cap.
    expect(await w.deps.throttle.peekWindow(INBOUND_ALL, 600, w.deps.clock.now())).toBe(2);
    expect(w.metrics.filter((p) => p.name === "InboundCapped")).toHaveLength(1);
  });

  it("a mail held by the per-sender cap is released too", async () => {
    const w = world({});
    let last: Awaited<ReturnType<typeof receiveMail>> | undefined;
    for (let i = 0; i < 21; i++)
      last = await receiveMail(w.deps, mail("Ana <ana@cliente.es>", `Pregunta ${i}`, `Pregunta ${i}.`));
    expect(last).toMatchObject({ outcome: "quarantined", kind: "rate-limited" });
    expect(last?.outcome === "quarantined" && last.reason).toMatch(/21 mails from ana@cliente.es/);
    const [entry] = (await w.api("GET", "/quarantine")).body.quarantine;
    const released = await w.api("POST", `/quarantine/${entry.id}/release`);
    expect(released.body.outcome).toMatchObject({ outcome: "applied", ticketId: "T-1021", newTicket: true });
  });

  it("a virus verdict FAIL is never skipped, release or not", async () => {
    const w = world({});
    const raw = mail("Ana <ana@cliente.es>", "Factura", "Adjunto la factura.");
    const outcome = await receiveMail(w.deps, raw, {
      rawRef: "memory://held",
      release: true,
      verdicts: { virus: "FAIL", spam: "PASS" },
    });
    expect(outcome).toMatchObject({ outcome: "quarantined", kind: "virus" });
    expect(await w.deps.tickets.load("T-1001")).toBeUndefined();
  });

  it("a spam verdict FAIL is the lead's to overrule: a released mail is read as a person's", async () => {
    const w = world({});
    const raw = mail("Ana <ana@cliente.es>", "Factura", "No me llega la factura de noviembre.");
    expect(await receiveMail(w.deps, raw, { verdicts: { spam: "FAIL", virus: "PASS" } })).toMatchObject({
      outcome: "quarantined",
      kind: "spam",
    });
    const released = await receiveMail(w.deps, raw, {
      rawRef: "memory://held",
      release: true,
      verdicts: { spam: "FAIL", virus: "PASS" },
    });
    expect(released).toMatchObject({ outcome: "applied", ticketId: "T-1001", newTicket: true });
  });
});

describe("participants hold with the cap and a release (DESIGN §7)", () => {
  it("a stranger's mail tagged with Ana's ticket, held by the cap and released, opens the stranger's own ticket and tells the technicians", async () => {
    const w = world({ maxInboundMailsPer10Minutes: 1 });
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."));
    await w.drain();
    const sentBefore = w.sent.length;
    const stranger = await receiveMail(
      w.deps,
      mail("Mallory <mallory@evil.example>", "Re: [#T-1001] No imprime", "Ya funciona, gracias."),
    );
    expect(stranger).toMatchObject({ outcome: "quarantined", kind: "rate-limited" });
    const [entry] = (await w.api("GET", "/quarantine")).body.quarantine;
    const released = await w.api("POST", `/quarantine/${entry.id}/release`);
    expect(released.body.outcome).toMatchObject({
      outcome: "applied",
      ticketId: "T-1002",
      newTicket: true,
      pointedAt: "T-1001",
    });
    expect((await w.deps.tickets.load("T-1001"))?.status).toBe("open");
    expect((await w.deps.tickets.load("T-1002"))?.client.address).toBe("mallory@evil.example");
    await w.drain();
    const after = w.sent.slice(sentBefore);
    expect(after.flatMap(to)).not.toContain("ana@cliente.es");
    expect(after.flatMap(to)).toContain("lucia@aviso.test");
    const timeline = await w.deps.tickets.timeline("T-1001");
    expect(timeline.map((e) => e.type)).toContain("third-party");
  });
});
