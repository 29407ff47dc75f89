/**
 * Issue 14, findings 2, 4 and 6 (DESIGN §7): technicians are authenticated by SES's verdicts and
 * nothing the sender wrote; ambiguous senders and DMARC-enforced forgeries are quarantined; the
 * automated-mail body heuristics never hold a person's request alone; a technician's forward or
 * empty reply is never relayed to the client.
 */
import { describe, expect, it } from "vitest";
import { inspectMail, type MailContext } from "../../functions/mail/inspect";
import { replyAddress } from "../../functions/mail/thread";

const context: MailContext = {
  supportAddress: "soporte@aviso.example",
  technicians: ["lucia@aviso.example"],
  tokenSecret: "trust-secret-0123456789abcdef",
  technicianTimeZone: "Europe/Madrid",
};
const token = replyAddress("soporte@aviso.example", "T-1042", context.tokenSecret);
const gray = { spf: "GRAY", dkim: "GRAY", dmarc: "GRAY" };

function mail(headers: Record<string, string>, body: string): string {
  const lines = Object.entries({
    "MIME-Version": "1.0",
    Date: "Mon, 23 Nov 2026 10:15:00 +0100",
    "Message-ID": `<${Math.random().toString(36).slice(2)}@example>`,
    "Content-Type": "text/plain; charset=UTF-8",
    ...headers,
  }).map(([k, v]) => `${k}: ${v}`);
  return `${lines.join("\r\n")}\r\n\r\n${body.replace(/\n/g, "\r\n")}`;
}

const dkimSignature = (d: string) =>
  `v=1; a=rsa-sha256; c=relaxed/relaxed; d=${d}; s=s1; h=from:to:subject:date; bh=abc=; b=def=`;

const resolve = (extra: Record<string, string> = {}, from = "Lucía <lucia@aviso.example>") =>
  mail(
    { From: from, To: token, Subject: "Re: [#T-1042] Impresora", ...extra },
    "#resolve\ncausa: el driver\nsolución: reinstalado",
  );

describe("technician authentication on SES verdicts (issue 14, finding 2)", () => {
  it("does not accept SPF PASS alone: SPF checks the envelope domain, which the sender chooses", async () => {
    const result = await inspectMail(resolve(), { ...context, verdicts: { ...gray, spf: "PASS" } });
    expect(result).toMatchObject({ kind: "reply", command: null, ticketRef: "T-1042" });
    expect(result.reason).toMatch(/not authenticated/);
  });

  it("does not accept a DKIM PASS for another domain", async () => {
    const forged = resolve({ "DKIM-Signature": dkimSignature("evil.example") });
    const result = await inspectMail(forged, {
      ...context,
      verdicts: { ...gray, spf: "PASS", dkim: "PASS" },
    });
    expect(result).toMatchObject({ kind: "reply", command: null });
    // Nor a PASS on a message that also carries a signature of another domain: SES does not say which passed.
    const mixed = mail(
      {
        From: "Lucía <lucia@aviso.example>",
        To: token,
        Subject: "Re: [#T-1042] Impresora",
        "DKIM-Signature": `${dkimSignature("aviso.example")}\r\nDKIM-Signature: ${dkimSignature("evil.example")}`,
      },
      "#resolve\ncausa: el driver\nsolución: reinstalado",
    );
    expect(await inspectMail(mixed, { ...context, verdicts: { ...gray, dkim: "PASS" } })).toMatchObject({
      kind: "reply",
      command: null,
    });
  });

  it("does not accept GRAY verdicts plus an Authentication-Results header the sender wrote", async () => {
    const forged = resolve({
      "Authentication-Results":
        "mx.aviso.example; spf=pass smtp.mailfrom=lucia@aviso.example; dkim=pass header.d=aviso.example; dmarc=pass header.from=aviso.example",
      "DKIM-Signature": dkimSignature("aviso.example"),
    });
    expect(await inspectMail(forged, { ...context, verdicts: gray })).toMatchObject({
      kind: "reply",
      command: null,
    });
  });

  it("accepts the genuine technician: DMARC PASS, or a DKIM PASS whose d= is the From domain or its organisation's", async () => {
    const byDmarc = await inspectMail(resolve(), { ...context, verdicts: { ...gray, dmarc: "PASS" } });
    expect(byDmarc).toMatchObject({
      kind: "technician-command",
      ticketRef: "T-1042",
      command: { name: "resolve", fix: "reinstalado" },
    });
    for (const d of ["aviso.example", "mail.aviso.example"]) {
      const signed = resolve({ "DKIM-Signature": dkimSignature(d) });
      expect(await inspectMail(signed, { ...context, verdicts: { ...gray, dkim: "PASS" } }), d).toMatchObject(
        { kind: "technician-command", command: { name: "resolve" } },
      );
    }
    const sub = mail(
      {
        From: "Lucía <lucia@it.aviso.example>",
        To: token,
        Subject: "Re: x",
        "DKIM-Signature": dkimSignature("aviso.example"),
      },
      "#diagnosis el driver",
    );
    expect(
      await inspectMail(sub, {
        ...context,
        technicians: ["lucia@it.aviso.example"],
        verdicts: { ...gray, dkim: "PASS" },
      }),
    ).toMatchObject({ kind: "technician-command" });
  });

  it("never accepts DKIM of a look-alike or a sibling domain, nor a DMARC FAIL", async () => {
    for (const d of ["aviso.example.evil.test", "xaviso.example", "example"]) {
      const signed = resolve({ "DKIM-Signature": dkimSignature(d) });
      expect(await inspectMail(signed, { ...context, verdicts: { ...gray, dkim: "PASS" } }), d).toMatchObject(
        { kind: "reply", command: null },
      );
    }
    const failing = resolve({ "DKIM-Signature": dkimSignature("aviso.example") });
    expect(
      await inspectMail(failing, { ...context, verdicts: { spf: "PASS", dkim: "PASS", dmarc: "FAIL" } }),
    ).toMatchObject({ kind: "reply", command: null });
  });

  it("keeps the local runtime's explicit trust setting (GRAY verdicts there), never past a FAIL", async () => {
    const local = { ...context, trustTechniciansWithoutAuthentication: true };
    expect(await inspectMail(resolve(), { ...local, verdicts: gray })).toMatchObject({
      kind: "technician-command",
    });
    expect(await inspectMail(resolve(), { ...local, verdicts: { ...gray, dmarc: "FAIL" } })).toMatchObject({
      kind: "reply",
      command: null,
    });
  });
});

describe("ambiguous senders (issue 14, finding 2)", () => {
  it("quarantines a mail with several From addresses or a From that parses two ways", async () => {
    const froms = [
      "lucia@aviso.example, attacker@evil.example",
      "Lucía <lucia@aviso.example>, Otro <attacker@evil.example>",
      "<lucia@aviso.example> attacker@evil.example",
      "<attacker@evil.example><lucia@aviso.example>",
      "lucia@aviso.example@evil.example",
      "Soporte: lucia@aviso.example, attacker@evil.example;",
    ];
    for (const from of froms) {
      const result = await inspectMail(mail({ From: from, To: token, Subject: "Re: x" }, "#diagnosis x"), {
        ...context,
        verdicts: { ...gray, dmarc: "PASS" },
      });
      expect(result.kind, from).toBe("unparseable");
      expect(result.reason, from).toMatch(/sender/);
    }
    const twice = `From: lucia@aviso.example\r\n${mail({ From: "attacker@evil.example", To: token, Subject: "x" }, "hola")}`;
    const result = await inspectMail(twice, context);
    expect(result).toMatchObject({ kind: "unparseable" });
    expect(result.reason).toMatch(/2 From headers/);
  });

  it("reads an address before the angle brackets as a display name, and never as the technician", async () => {
    const raw = mail(
      { From: "lucia@aviso.example <attacker@evil.example>", To: token, Subject: "Re: x" },
      "#diagnosis x",
    );
    const result = await inspectMail(raw, { ...context, verdicts: { ...gray, dmarc: "PASS" } });
    expect(result).toMatchObject({ kind: "reply", command: null });
    expect(result.mail?.from?.address).toBe("attacker@evil.example");
    // The other way round the address read is the technician's, but DMARC may have judged the other.
    const reversed = mail(
      { From: "attacker@evil.example <lucia@aviso.example>", To: token, Subject: "Re: x" },
      "#diagnosis x",
    );
    const read = await inspectMail(reversed, { ...context, verdicts: { ...gray, dmarc: "PASS" } });
    expect(read).toMatchObject({ kind: "reply", command: null });
    expect(read.reason).toMatch(/also names attacker@evil\.example/);
  });

  it("reads ordinary From headers as before", async () => {
    for (const from of [
      '"Smith, John" <john@cliente.es>',
      "Ana Pérez <ana@cliente.es>",
      "ana@cliente.es",
      "ana@cliente.es (Ana Pérez)",
      '"ana@cliente.es" <ana@cliente.es>',
      "=?utf-8?q?Ana_P=C3=A9rez?= <ana@cliente.es>",
    ]) {
      const result = await inspectMail(
        mail({ From: from, To: "soporte@aviso.example", Subject: "No imprime" }, "La impresora no imprime."),
        context,
      );
      expect(result.kind, from).toBe("new-request");
    }
  });
});

describe("forged senders (issue 14, finding 4)", () => {
  const request = mail(
    { From: "Víctima <victima@banco.example>", To: "soporte@aviso.example", Subject: "Oferta" },
    "Visita http://evil.example/login",
  );

  it("quarantines DMARC FAIL mail when the domain's policy asks for quarantine or reject", async () => {
    for (const dmarcPolicy of ["reject", "quarantine"]) {
      const result = await inspectMail(request, {
        ...context,
        verdicts: { spf: "FAIL", dkim: "FAIL", dmarc: "FAIL", dmarcPolicy },
      });
      expect(result, dmarcPolicy).toMatchObject({ kind: "forged", ticketRef: null });
      expect(result.reason).toMatch(new RegExp(`DMARC FAIL.*banco\\.example.*p=${dmarcPolicy}`));
    }
  });

  it("lets DMARC FAIL through when the domain asks for nothing (p=none)", async () => {
    const result = await inspectMail(request, {
      ...context,
      verdicts: { spf: "FAIL", dkim: "GRAY", dmarc: "FAIL", dmarcPolicy: "none" },
    });
    expect(result.kind).toBe("new-request");
  });
});

describe("automated-mail body heuristics (issue 14, finding 6)", () => {
  it("reads a request that mentions unsubscribing as a request", async () => {
    for (const text of [
      "Hola, no consigo darme de baja del boletín: ¿cómo puedo darse de baja? Cuando pulso el enlace de unsubscribe da error.",
      "Hi, I want to unsubscribe our old address from the supplier's newsletter but the opt-out link fails.",
    ]) {
      const result = await inspectMail(
        mail({ From: "Ana <ana@cliente.es>", To: "soporte@aviso.example", Subject: "Baja" }, text),
        context,
      );
      expect(result.kind, text).toBe("new-request");
    }
  });

  it("never applies them to an authenticated technician", async () => {
    const raw = mail(
      { From: "Lucía <lucia@aviso.example>", To: token, Subject: "Re: [#T-1042] Correo" },
      "#resolve\ncausa: la lista de correo\nsolución: he pulsado el enlace unsubscribe del boletín para darse de baja",
    );
    expect(await inspectMail(raw, { ...context, verdicts: { ...gray, dmarc: "PASS" } })).toMatchObject({
      kind: "technician-command",
      command: { name: "resolve" },
    });
  });

  it("still holds a newsletter that carries an automated-mail header sign", async () => {
    const raw = mail(
      { From: "Ofertas <noreply@tienda.example>", To: "soporte@aviso.example", Subject: "Ofertas" },
      "Las mejores ofertas.\n\nPara darse de baja pulse aquí.",
    );
    expect((await inspectMail(raw, context)).kind).toBe("bulk");
  });
});

describe("a technician's forward or empty reply is never relayed (issue 14, finding 6)", () => {
  const authenticated = { ...context, verdicts: { ...gray, dmarc: "PASS" } };
  const forwards = [
    "FYI, precio interno: no se lo digas al cliente.\n\n---------- Forwarded message ---------\nFrom: Proveedor <ventas@proveedor.example>\nDate: Mon, 23 Nov 2026\nSubject: Precio\nTo: lucia@aviso.example\n\nEl precio interno es 40 €.",
    "Begin forwarded message:\n\nFrom: Proveedor <ventas@proveedor.example>\nSubject: Precio\nDate: 23 November 2026\nTo: lucia@aviso.example\n\nEl precio interno es 40 €.",
    "---------- Mensaje reenviado ---------\nDe: Proveedor <ventas@proveedor.example>\nFecha: lun, 23 nov 2026\nAsunto: Precio\nPara: lucia@aviso.example\n\nEl precio interno es 40 €.",
    "From: Proveedor <ventas@proveedor.example>\nSent: Monday, November 23, 2026 10:00 AM\nTo: Lucía <lucia@aviso.example>\nSubject: Precio\n\nEl precio interno es 40 €.",
  ];

  it("turns a technician's forward in a ticket's thread into a command error", async () => {
    for (const body of forwards) {
      const raw = mail(
        { From: "Lucía <lucia@aviso.example>", To: token, Subject: "Re: [#T-1042] Impresora" },
        body,
      );
      const result = await inspectMail(raw, authenticated);
      expect(result.kind, body).toBe("technician-command");
      expect(result.commandError, body).toMatch(/forward/);
      expect(result.ticketRef).toBe("T-1042");
    }
  });

  it("turns a technician's reply with no text of their own above the quote into a command error", async () => {
    const raw = mail(
      {
        From: "Lucía <lucia@aviso.example>",
        To: token,
        Subject: "Re: [#T-1042] Impresora",
        "In-Reply-To": "<a@b>",
      },
      "\n\nEl lun, 23 nov 2026 a las 9:30, Ana <ana@cliente.es> escribió:\n> Sigue sin imprimir.\n> Ana\n",
    );
    const result = await inspectMail(raw, authenticated);
    expect(result).toMatchObject({ kind: "technician-command", ticketRef: "T-1042", command: null });
    expect(result.commandError).toMatch(/no text of your own/);
  });

  it("still relays a technician's own words to the client", async () => {
    const raw = mail(
      { From: "Lucía <lucia@aviso.example>", To: token, Subject: "Re: [#T-1042] Impresora" },
      "Hola Ana, mañana paso a verla.\n\nEl lun, 23 nov 2026 a las 9:30, Ana <ana@cliente.es> escribió:\n> Sigue sin imprimir.\n",
    );
    expect(await inspectMail(raw, authenticated)).toMatchObject({
      kind: "technician-reply",
      visibleText: "Hola Ana, mañana paso a verla.",
    });
  });
});
