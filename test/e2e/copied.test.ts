/**
 * Issue 16, colleagues in copy, black-box: mail written by Python's smtplib (not aviso's code) to the
 * local runtime's SMTP listener, and what the local SES server stored. The client copies a colleague;
 * the acknowledgement copies them; their reply to the Reply-To reaches the technicians in the same
 * ticket; a technician's #copia -colleague takes them off the next client mail.
 */
import { describe, expect, it } from "vitest";
import { storedMail } from "../../infra/local/ses-local";
import { bare, smtplib, useLocalRuntime } from "../support/local-runtime";

const CLIENT = "ana@cliente.example";
const COLLEAGUE = "pedro@cliente.example";

describe("colleagues in copy, over SMTP", () => {
  const runtime = useLocalRuntime({ name: "copied", startAt: "2026-11-23T08:00:00Z", freeze: true });

  it("the acknowledgement copies the colleague, whose reply reaches the technicians; #copia - takes them off", async () => {
    const port = runtime().options.smtpPort;
    const support = runtime().config.supportAddress;
    const technician = runtime().config.technicians[0]?.address as string;
    await smtplib(
      port,
      {
        From: `Ana Pérez <${CLIENT}>`,
        To: support,
        Cc: `Pedro Gil <${COLLEAGUE}>`,
        Subject: "El escáner de recepción no escanea",
        "Message-ID": "<scan-1@cliente.example>",
      },
      "Hola, desde esta mañana el escáner de recepción no envía nada a las carpetas.",
    );
    await runtime().drainOutbox();
    const ack = (await storedMail(runtime().urls.ses)).find((m) =>
      m.destination.to.some((to) => bare(to) === CLIENT),
    );
    const ticketId = /\[#(T-\d+)\]/.exec(ack?.subject ?? "")?.[1] as string;
    expect(ticketId).toMatch(/^T-\d+$/);
    expect(ack?.destination.cc.map(bare)).toEqual([COLLEAGUE]);
    const replyTo = ack?.replyTo[0] as string;
    expect(replyTo).toMatch(new RegExp(`\\+${ticketId}\\.`));

    // Pedro answers all, to the Reply-To, with Ana in copy.
    const before = (await storedMail(runtime().urls.ses)).length;
    await smtplib(
      port,
      {
        From: `Pedro Gil <${COLLEAGUE}>`,
        To: replyTo,
        Cc: `Ana Pérez <${CLIENT}>`,
        Subject: `Re: ${ack?.subject}`,
        "Message-ID": "<scan-2@cliente.example>",
        "In-Reply-To": ack?.messageId.startsWith("<") ? ack.messageId : `<${ack?.messageId}>`,
      },
      "En mi puesto tampoco escanea, y el mío es otro modelo.",
    );
    await runtime().drainOutbox();
    const after = (await storedMail(runtime().urls.ses)).slice(before);
    const notice = after.find((m) => m.destination.to.some((to) => bare(to) === technician));
    expect(notice?.subject).toContain(ticketId);
    expect(notice?.body.text).toContain("tampoco escanea");
    const tickets = (await (await fetch(`${runtime().urls.api}/tickets`)).json()) as unknown;
    expect(
      JSON.stringify(tickets)
        .match(/T-\d+/g)
        ?.filter((id, i, all) => all.indexOf(id) === i),
    ).toEqual([ticketId]);

    // The technician takes Pedro off; the diagnosis then goes to Ana alone.
    await smtplib(
      port,
      { From: `Lucía <${technician}>`, To: replyTo, Subject: `Re: ${ack?.subject}` },
      `#copia -${COLLEAGUE}`,
    );
    const response = await fetch(`${runtime().urls.api}/tickets/${ticketId}/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: "diagnosis",
        actor: { address: technician },
        text: "El escáner perdió la contraseña de la carpeta compartida.",
      }),
    });
    expect(response.status).toBeLessThan(300);
    await runtime().drainOutbox();
    const diagnosis = (await storedMail(runtime().urls.ses)).find(
      (m) => m.destination.to.some((to) => bare(to) === CLIENT) && /contraseña/.test(m.body.text ?? ""),
    );
    expect(diagnosis?.destination.cc ?? []).toEqual([]);
  }, 120_000);
});
