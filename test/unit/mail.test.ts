import { describe, expect, it } from "vitest";
import { parseCommand } from "../../functions/mail/commands";
import { inspectMail, type MailContext } from "../../functions/mail/inspect";
import { replyIntent } from "../../functions/mail/intent";
import { detectLanguage } from "../../functions/mail/language";
import { decodeFlowed, parseMail } from "../../functions/mail/parse";
import { replyAddress, ticketSignature } from "../../functions/mail/thread";

const context: MailContext = {
  supportAddress: "soporte@aviso.example",
  technicians: ["lucia@aviso.example"],
  tokenSecret: "test-secret-0123456789abcdef",
  technicianTimeZone: "Europe/Madrid",
  lookupMessageId: (id) => (id === "<ack-1042@aviso.example>" ? "T-1042" : undefined),
};
const token = replyAddress("soporte@aviso.example", "T-1042", context.tokenSecret);

function mail(headers: Record<string, string>, body: string): string {
  const lines = Object.entries({
    "MIME-Version": "1.0",
    Date: "Mon, 23 Nov 2026 10:15:00 +0100",
    ...headers,
  }).map(([k, v]) => `${k}: ${v}`);
  return `${lines.join("\r\n")}\r\n\r\n${body.replace(/\n/g, "\r\n")}`;
}

describe("Spanish mail as clients write it", () => {
  it("Gmail reply: text above 'El … escribió:' and quoted lines", async () => {
    const raw = mail(
      {
        From: "Ana Pérez <ana@cliente.es>",
        To: token,
        Subject: "Re: [#T-1042] La impresora no imprime",
        "Content-Type": "text/plain; charset=UTF-8",
        "In-Reply-To": "<ack-1042@aviso.example>",
      },
      "Ya la he reiniciado y sigue igual.\n\nEl lun, 23 nov 2026 a las 9:30, Soporte <soporte@aviso.example> escribió:\n> Hola Ana, hemos recibido tu petición.\n> Un saludo\n",
    );
    const result = await inspectMail(raw, context);
    expect(result).toMatchObject({
      kind: "reply",
      ticketRef: "T-1042",
      threadedBy: "token",
      visibleText: "Ya la he reiniciado y sigue igual.",
      language: "es",
    });
    expect(replyIntent(result.visibleText)).toBe("still-broken");
  });

  it("Outlook reply: De:/Enviado:/Para:/Asunto: block with no > quoting, no In-Reply-To", async () => {
    const raw = mail(
      {
        From: "Jorge <jorge@cliente.es>",
        To: "soporte@aviso.example",
        Subject: "RE: [#T-1042] La impresora no imprime",
        "Content-Type": "text/plain; charset=UTF-8",
      },
      "Funciona perfectamente, muchas gracias.\n\nJorge Ruiz\nTel. 600 000 000\n\n________________________________\nDe: Soporte <soporte@aviso.example>\nEnviado: lunes, 23 de noviembre de 2026 12:00\nPara: Jorge <jorge@cliente.es>\nAsunto: [#T-1042] La impresora no imprime\n\nHola Jorge, ya está resuelto.\n",
    );
    const result = await inspectMail(raw, context);
    expect(result).toMatchObject({
      kind: "reply",
      ticketRef: "T-1042",
      threadedBy: "subject",
      language: "es",
    });
    expect(result.visibleText).toBe(
      "Funciona perfectamente, muchas gracias.\n\nJorge Ruiz\nTel. 600 000 000",
    );
    expect(replyIntent(result.visibleText)).toBe("confirm");
  });

  it("Apple Mail reply: 'El 23 nov 2026, a las 10:15, … escribió:' and 'Enviado desde mi iPhone'", async () => {
    const raw = mail(
      {
        From: "Marta <marta@cliente.es>",
        To: "soporte@aviso.example",
        Subject: "Re: Correo",
        References: "<ack-1042@aviso.example>",
        "Content-Type": "text/plain; charset=utf-8",
      },
      "Os adjunto la captura.\n\nEnviado desde mi iPhone\n\n> El 23 nov 2026, a las 10:15, Soporte <soporte@aviso.example> escribió:\n>\n> Hola Marta\n",
    );
    const result = await inspectMail(raw, context);
    expect(result).toMatchObject({
      kind: "reply",
      ticketRef: "T-1042",
      threadedBy: "references",
      visibleText: "Os adjunto la captura.",
    });
  });

  it("Windows-1252 quoted-printable accents come out right", async () => {
    const raw = mail(
      {
        From: "=?windows-1252?Q?Jos=E9_Mu=F1oz?= <jose@cliente.es>",
        To: "soporte@aviso.example",
        Subject: "=?windows-1252?Q?No_puedo_acceder_a_la_aplicaci=F3n?=",
        "Content-Type": "text/plain; charset=windows-1252",
        "Content-Transfer-Encoding": "quoted-printable",
      },
      "Buenos d=EDas, desde esta ma=F1ana no puedo entrar en la aplicaci=F3n de factur=\naci=F3n. =BFPod=E9is ayudarme?",
    );
    const result = await inspectMail(raw, context);
    expect(result.kind).toBe("new-request");
    expect(result.mail?.subject).toBe("No puedo acceder a la aplicación");
    expect(result.mail?.from?.name).toBe("José Muñoz");
    expect(result.visibleText).toBe(
      "Buenos días, desde esta mañana no puedo entrar en la aplicación de facturación. ¿Podéis ayudarme?",
    );
    expect(result.language).toBe("es");
  });

  it("out-of-office 'Respuesta automática' from Exchange is never threaded, even with a ticket code", async () => {
    const raw = mail(
      {
        From: "Luis <luis@cliente.es>",
        To: token,
        Subject: "Respuesta automática: [#T-1042] La impresora no imprime",
        "X-Auto-Response-Suppress": "All",
        "Content-Type": "text/plain; charset=UTF-8",
      },
      "Estoy fuera de la oficina hasta el lunes.",
    );
    const result = await inspectMail(raw, context);
    expect(result.kind).toBe("auto-reply");
    expect(result.ticketRef).toBeNull();
  });

  it("out-of-office by subject alone (no headers), in Spanish", async () => {
    const raw = mail(
      {
        From: "Luis <luis@cliente.es>",
        To: "soporte@aviso.example",
        Subject: "Respuesta automática: [#T-1042] Consulta",
        "Content-Type": "text/plain",
      },
      "Fuera de la oficina.",
    );
    expect(await inspectMail(raw, context)).toMatchObject({ kind: "auto-reply", ticketRef: null });
  });
});

describe("security", () => {
  it("ignores a forged or tampered token and says so", async () => {
    const forged = "soporte+T-1042.aaaaaaaaaaaa@aviso.example";
    const other = replyAddress("soporte@aviso.example", "T-7", context.tokenSecret).replace("T-7", "T-1042");
    for (const to of [forged, other]) {
      const result = await inspectMail(
        mail({ From: "x@evil.example", To: to, Subject: "hola", "Content-Type": "text/plain" }, "Hola"),
        context,
      );
      expect(result.threadedBy).not.toBe("token");
      expect(result.reason).toMatch(/forged or tampered ticket token/);
    }
    expect(ticketSignature("T-1042", "another-secret-0123456789")).not.toBe(
      ticketSignature("T-1042", context.tokenSecret),
    );
  });

  it("does not thread an auto-reply by a ticket tag in its subject", async () => {
    const raw = mail(
      {
        From: "bot@cliente.es",
        To: "soporte@aviso.example",
        Subject: "Auto-Reply: [#T-1042] your ticket",
        "Auto-Submitted": "auto-replied",
        "Content-Type": "text/plain",
      },
      "I am away.",
    );
    expect(await inspectMail(raw, context)).toMatchObject({ kind: "auto-reply", ticketRef: null });
  });

  it("treats a command from a non-technician as client text", async () => {
    const raw = mail(
      { From: "cliente@cliente.es", To: token, Subject: "Re: x", "Content-Type": "text/plain" },
      "#resolve\ncause: none\nfix: none",
    );
    const result = await inspectMail(raw, context);
    expect(result).toMatchObject({ kind: "reply", command: null });
  });

  it("refuses a technician's command whose SPF/DKIM fail, or a look-alike address", async () => {
    const failing = mail(
      {
        From: "lucia@aviso.example",
        To: token,
        Subject: "Re: x",
        "Authentication-Results": "mx.aviso.example; spf=fail smtp.mailfrom=aviso.example; dkim=none",
        "Content-Type": "text/plain",
      },
      "#diagnosis The driver is broken",
    );
    expect(
      await inspectMail(failing, { ...context, trustTechniciansWithoutAuthentication: true }),
    ).toMatchObject({ kind: "reply", command: null });
    const lookalike = mail(
      { From: "lucia@aviso-example.com", To: token, Subject: "Re: x", "Content-Type": "text/plain" },
      "#diagnosis broken",
    );
    expect(
      await inspectMail(lookalike, { ...context, trustTechniciansWithoutAuthentication: true }),
    ).toMatchObject({ kind: "reply", command: null });
    const passing = mail(
      {
        From: "lucia@aviso.example",
        To: token,
        Subject: "Re: x",
        "Authentication-Results":
          "mx.aviso.example; spf=pass smtp.mailfrom=lucia@aviso.example; dkim=pass header.d=aviso.example",
        "Content-Type": "text/plain",
      },
      "#diagnóstico El driver se corrompió",
    );
    expect(await inspectMail(passing, context)).toMatchObject({
      kind: "technician-command",
      ticketRef: "T-1042",
      command: { name: "diagnosis", text: "El driver se corrompió" },
    });
  });

  it("never answers its own mail", async () => {
    const raw = mail(
      {
        From: "soporte@aviso.example",
        To: "soporte@aviso.example",
        Subject: "[#T-1042] Hemos recibido tu petición",
        "Content-Type": "text/plain",
      },
      "Hola",
    );
    expect((await inspectMail(raw, context)).kind).toBe("auto-reply");
  });

  it("reports garbage as unparseable, never throws", async () => {
    for (const raw of [Buffer.alloc(0), Buffer.from([0, 1, 2, 3, 0, 255, 254]), "\u0000\u0000From: x"]) {
      const result = await inspectMail(raw, context);
      expect(result.kind).toBe("unparseable");
      expect(result.reason.length).toBeGreaterThan(5);
    }
  });
});

describe("technician commands", () => {
  it("reads the ETA in the technician's time zone", () => {
    const parsed = parseCommand(
      "#plan eta: 2026-11-24 17:00\nReinstalamos el driver.\nalternativas: imprimir desde el otro PC",
      "Europe/Madrid",
    );
    expect(parsed).toMatchObject({
      kind: "command",
      command: {
        name: "plan",
        eta: "2026-11-24T17:00:00+01:00",
        text: "Reinstalamos el driver.\nalternativas: imprimir desde el otro PC",
        alternatives: "imprimir desde el otro PC",
      },
    });
    expect(
      parseCommand("#cambio [eta: 25/11/2026 12:00] Falta una pieza", "America/Mexico_City"),
    ).toMatchObject({ command: { name: "change", eta: "2026-11-25T12:00:00-06:00" } });
  });

  it("reads escalations, resolutions and Spanish aliases", () => {
    expect(parseCommand("#escalado el fabricante\nEs un fallo de firmware.", "Europe/Madrid")).toMatchObject({
      command: { name: "escalate", escalatedTo: "el fabricante", text: "Es un fallo de firmware." },
    });
    expect(
      parseCommand("#resuelto\ncausa: driver dañado\nsolución: reinstalado", "Europe/Madrid"),
    ).toMatchObject({ command: { name: "resolve", cause: "driver dañado", fix: "reinstalado" } });
    expect(parseCommand("#avance Probado en otro equipo", "Europe/Madrid")).toMatchObject({
      command: { name: "update" },
    });
  });

  it("reports unknown commands and bad ETAs to the technician", () => {
    expect(parseCommand("#diagnosys it is the driver", "Europe/Madrid")).toMatchObject({
      kind: "error",
      word: "#diagnosys",
    });
    expect(parseCommand("#plan eta: mañana por la tarde\nx", "Europe/Madrid")).toMatchObject({
      kind: "error",
    });
    expect(parseCommand("#escalate", "Europe/Madrid")).toMatchObject({ kind: "error" });
    expect(parseCommand("Hola, #1 prioridad", "Europe/Madrid")).toEqual({ kind: "none" });
  });
});

describe("language", () => {
  it("tells Spanish from English", () => {
    expect(detectLanguage("Hola, no puedo enviar correo desde el móvil")).toBe("es");
    expect(detectLanguage("Hello, I cannot send mail from my phone")).toBe("en");
    expect(detectLanguage("")).toBeUndefined();
  });
});

describe("MIME details the parser leaves to aviso", () => {
  it("joins format=flowed lines, but never across a change of quote depth (RFC 3676 §4.5)", async () => {
    const raw = [
      "From: Ana <ana@cliente.es>",
      "To: soporte@aviso.example",
      "Subject: Re: [#T-1001] impresora",
      "Message-ID: <flowed@cliente.es>",
      'Content-Type: text/plain; charset="utf-8"; format=flowed',
      "",
      "La impresora ya ",
      "imprime, ",
      "gracias.",
      "-- ",
      "Ana",
      "",
      "El lun, Soporte escribió:",
      "> Hola ",
      "Esto no es cita.",
      "",
    ].join("\r\n");
    const parsed = await parseMail(raw);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.mail.text.split("\n").slice(0, 5)).toEqual([
      "La impresora ya imprime, gracias.",
      "-- ",
      "Ana",
      "",
      "El lun, Soporte escribió:",
    ]);
    expect(parsed.mail.text).toContain("> Hola \nEsto no es cita.");
  });

  it("removes the folding space of delsp=yes", () => {
    expect(decodeFlowed("gra \r\ncias.\r\n>> dos \r\n>> citas", true)).toBe("gracias.\n>> doscitas");
  });

  it("turns an HTML-only mail into text, entities decoded and scripts dropped", async () => {
    const raw = Buffer.from(
      "From: a@cliente.es\r\nTo: soporte@aviso.example\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hola &amp; <b>adiós</b></p><div>línea<br>tercera</div><script>alert(1)</script>",
      "utf8",
    );
    const parsed = await parseMail(raw);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.mail.text).toContain("Hola & adiós");
    expect(parsed.mail.text).toContain("línea\ntercera");
    expect(parsed.mail.text).not.toContain("alert");
  });
});
