/**
 * Issue 14, findings 2, 4 and 6 through receiveMail on the in-memory stores, with SES verdicts as
 * the inbound Lambda passes them (no trust-local setting: the AWS rule).
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { type InboundMeta, receiveMail } from "../../functions/app/inbound";
import { memoryWorld } from "../support/memory-world";

function world() {
  return memoryWorld({ config: { trustLocalTechnicians: false } });
}

let n = 0;
function mail(from: string, subject: string, body: string, extra: Record<string, string> = {}) {
  const headers = {
    From: from,
    To: "soporte@aviso.test",
    Subject: subject,
    "Message-ID": `<m${++n}@example>`,
    "Content-Type": "text/plain; charset=utf-8",
    ...extra,
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body.replace(/\n/g, "\r\n")}`);
}

const recipients = (input: SendEmailCommandInput) =>
  (input.Destination?.ToAddresses ?? []).map((to) => /<([^>]+)>/.exec(to)?.[1] ?? to);
const ses = (v: Partial<Record<"spf" | "dkim" | "dmarc", string>>, dmarcPolicy?: string): InboundMeta => ({
  verdicts: {
    spf: "GRAY",
    dkim: "GRAY",
    dmarc: "GRAY",
    spam: "PASS",
    virus: "PASS",
    ...v,
    ...(dmarcPolicy ? { dmarcPolicy } : {}),
  } as InboundMeta["verdicts"],
});

describe("trust through receiveMail (issue 14)", () => {
  it("takes a technician's #resolve only when SES authenticated the From domain; a forward or an empty reply reaches only the technician", async () => {
    const w = world();
    const opened = await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."),
      ses({ spf: "PASS", dkim: "PASS", dmarc: "PASS" }),
    );
    expect(opened).toMatchObject({ outcome: "applied", ticketId: "T-1001" });
    await w.drain();
    const resolve = (extra: Record<string, string> = {}) =>
      mail(
        "Lucía <lucia@aviso.test>",
        "Re: [#T-1001] No imprime",
        "#resolve\ncausa: driver\nsolución: reinstalado",
        extra,
      );

    const forged = [
      { raw: resolve(), meta: ses({ spf: "PASS" }) },
      {
        raw: resolve({ "DKIM-Signature": "v=1; a=rsa-sha256; d=evil.example; s=s; h=from; bh=x; b=y" }),
        meta: ses({ spf: "PASS", dkim: "PASS" }),
      },
      {
        raw: resolve({
          "Authentication-Results":
            "mx.aviso.test; spf=pass smtp.mailfrom=aviso.test; dkim=pass header.d=aviso.test",
        }),
        meta: ses({}),
      },
    ];
    for (const attempt of forged) {
      w.advance(60_000);
      await receiveMail(w.deps, attempt.raw, attempt.meta);
      expect((await w.deps.tickets.load("T-1001"))?.status).not.toBe("resolved");
    }

    // A forward and an empty reply: the technician hears why, the client hears nothing.
    await w.drain();
    const before = w.sent.length;
    w.advance(60_000);
    const forward = await receiveMail(
      w.deps,
      mail(
        "Lucía <lucia@aviso.test>",
        "Re: [#T-1001] No imprime",
        "Precio interno, no se lo digas al cliente.\n\n---------- Forwarded message ---------\nFrom: Proveedor <ventas@proveedor.example>\nSubject: Precio\n\nSon 40 €.",
      ),
      ses({ dmarc: "PASS" }),
    );
    expect(forward).toMatchObject({ outcome: "applied", kind: "technician-command" });
    w.advance(60_000);
    await receiveMail(
      w.deps,
      mail(
        "Lucía <lucia@aviso.test>",
        "Re: [#T-1001] No imprime",
        "\nEl lun, 23 nov 2026 a las 9:30, Ana <ana@cliente.es> escribió:\n> Desde ayer no imprime.\n",
      ),
      ses({ dmarc: "PASS" }),
    );
    await w.drain();
    const after = w.sent.slice(before);
    expect(after.map(recipients)).toEqual([["lucia@aviso.test"], ["lucia@aviso.test"]]);
    // The technician's own mail quotes the forward back to them (the command error); nobody else's.
    expect(JSON.stringify(after)).toContain("forward");

    w.advance(60_000);
    const genuine = await receiveMail(w.deps, resolve(), ses({ spf: "PASS", dkim: "PASS", dmarc: "PASS" }));
    expect(genuine).toMatchObject({ outcome: "applied", kind: "technician-command" });
    expect((await w.deps.tickets.load("T-1001"))?.status).toBe("resolved");
  });

  it("quarantines a DMARC FAIL under p=reject and a mail with two senders; opens a ticket for a request that mentions unsubscribing", async () => {
    const w = world();
    const forged = await receiveMail(
      w.deps,
      mail("Banco <avisos@banco.example>", "Su cuenta", "Entre en http://evil.example/login"),
      ses({ spf: "FAIL", dkim: "FAIL", dmarc: "FAIL" }, "reject"),
    );
    expect(forged).toMatchObject({ outcome: "quarantined", kind: "forged" });
    const twoSenders = await receiveMail(
      w.deps,
      mail("ana@cliente.es, lucia@aviso.test", "Hola", "#diagnosis nada"),
      ses({ dmarc: "PASS" }),
    );
    expect(twoSenders).toMatchObject({ outcome: "quarantined", kind: "unparseable" });
    expect(await w.deps.quarantine.quarantined()).toHaveLength(2);
    const request = await receiveMail(
      w.deps,
      mail(
        "Ana <ana@cliente.es>",
        "Baja",
        "No consigo darme de baja del boletín: el enlace unsubscribe da error.",
      ),
      ses({ spf: "PASS", dkim: "PASS", dmarc: "PASS" }),
    );
    expect(request).toMatchObject({ outcome: "applied", kind: "new-request", newTicket: true });
    await w.drain();
    expect(w.sent.some((m) => recipients(m).includes("avisos@banco.example"))).toBe(false);
  });

  it("a forged mail is held as forged with its own reason, never touches the ticket it names, nor counts against its victim", async () => {
    const w = world();
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."),
      ses({ spf: "PASS", dkim: "PASS", dmarc: "PASS" }),
    );
    await w.drain();
    const sentBefore = w.sent.length;
    const timelineBefore = (await w.deps.tickets.timeline("T-1001")).length;
    const forgedClient = await receiveMail(
      w.deps,
      mail(
        "Ana <ana@cliente.es>",
        "Re: [#T-1001] No imprime",
        "Sigue sin imprimir: entra en http://evil.example",
      ),
      ses({ spf: "FAIL", dkim: "FAIL", dmarc: "FAIL" }, "quarantine"),
    );
    expect(forgedClient).toEqual({
      outcome: "quarantined",
      kind: "forged",
      reason:
        "DMARC FAIL for cliente.es, whose owner asks receivers to quarantine such mail (p=quarantine): a forged sender, never answered",
      rawRef: expect.any(String),
    });
    const forgedTechnician = await receiveMail(
      w.deps,
      mail("Lucía <lucia@aviso.test>", "Re: [#T-1001] No imprime", "#resolve\ncausa: x\nsolución: y"),
      ses({ spf: "FAIL", dkim: "FAIL", dmarc: "FAIL" }, "reject"),
    );
    expect(forgedTechnician).toMatchObject({ outcome: "quarantined", kind: "forged" });
    expect(forgedTechnician.outcome === "quarantined" && forgedTechnician.reason).toMatch(
      /^DMARC FAIL for aviso\.test/,
    );
    const ticket = await w.deps.tickets.load("T-1001");
    expect(ticket?.status).toBe("open");
    expect(await w.deps.tickets.timeline("T-1001")).toHaveLength(timelineBefore);
    expect(await w.deps.tickets.load("T-1002")).toBeUndefined();
    await w.drain();
    expect(w.sent).toHaveLength(sentBefore);
    // Forged mail "from" Ana does not use up Ana's own allowance of mail in ten minutes.
    expect(await w.deps.throttle.peekWindow("in#ana@cliente.es", 600, w.deps.clock.now())).toBe(1);
    expect((await w.deps.quarantine.quarantined()).map((q) => [q.kind, q.from])).toEqual([
      ["forged", "ana@cliente.es"],
      ["forged", "lucia@aviso.test"],
    ]);
  });
});
