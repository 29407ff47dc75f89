/**
 * Issue 17, black-box over SMTP with Python's smtplib: a technician's #plan with "sin falta" and
 * "imposible" is held (the client gets nothing of it, the technician a mail naming "sin falta"), and
 * #enviar sends it as written. Then, the Zebra ticket resolved with its cause, another client's Zebra
 * that prints no labels gives the technicians a notice naming the first ticket and its cause.
 */
import { describe, expect, it } from "vitest";
import { storedMail } from "../../infra/local/ses-local";
import { bare, smtplib, useLocalRuntime } from "../support/local-runtime";

const CLIENT = "ana@cliente.example";
const OTHER = "bea@otra.example";

describe("the tone coach and similar incidents, over SMTP", () => {
  const runtime = useLocalRuntime({ name: "coach", startAt: "2026-11-23T08:00:00Z", freeze: true });

  it("holds a risky #plan until #enviar, then shows the resolved Zebra ticket on a similar new one", async () => {
    const port = runtime().options.smtpPort;
    const support = runtime().config.supportAddress;
    const technician = runtime().config.technicians[0]?.address as string;
    const mails = () => storedMail(runtime().urls.ses);
    const to = (address: string) => (m: Awaited<ReturnType<typeof mails>>[number]) =>
      m.destination.to.some((t) => bare(t) === address);

    await smtplib(
      port,
      {
        From: `Ana Pérez <${CLIENT}>`,
        To: support,
        Subject: "La impresora de etiquetas Zebra no imprime",
        "Message-ID": "<zebra-1@cliente.example>",
      },
      "Hola, la Zebra del almacén saca las etiquetas en blanco desde que cambiamos el rollo.",
    );
    await runtime().drainOutbox();
    const ack = (await mails()).find(to(CLIENT));
    const ticketId = /\[#(T-\d+)\]/.exec(ack?.subject ?? "")?.[1] as string;
    expect(ticketId).toMatch(/^T-\d+$/);
    const replyTo = ack?.replyTo[0] as string;
    const reply = (body: string) =>
      smtplib(port, { From: `Lucía <${technician}>`, To: replyTo, Subject: `Re: ${ack?.subject}` }, body);

    let before = (await mails()).length;
    await reply("#plan\nMañana sin falta estará arreglado, es imposible que vuelva a fallar.");
    await runtime().drainOutbox();
    let after = (await mails()).slice(before);
    expect(after.filter(to(CLIENT))).toEqual([]);
    const coach = after.find(to(technician));
    expect(coach?.body.text).toContain("sin falta");
    expect(coach?.body.text).toContain("imposible");

    before = (await mails()).length;
    await reply("#enviar");
    await runtime().drainOutbox();
    after = (await mails()).slice(before);
    const plan = after.find(to(CLIENT));
    expect(plan?.body.text).toContain("Mañana sin falta estará arreglado, es imposible que vuelva a fallar.");

    await reply(
      "#resuelto\ncausa: el sensor de papel no estaba calibrado tras cambiar el rollo\nsolución: calibramos el sensor desde el panel de la impresora",
    );
    await runtime().drainOutbox();
    expect((await mails()).some((m) => to(CLIENT)(m) && /calibr/.test(m.body.text ?? ""))).toBe(true);

    before = (await mails()).length;
    await smtplib(
      port,
      {
        From: `Bea Ruiz <${OTHER}>`,
        To: support,
        Subject: "Nuestra impresora Zebra no saca etiquetas",
        "Message-ID": "<zebra-2@otra.example>",
      },
      "Buenos días, la Zebra de expedición no imprime las etiquetas de envío.",
    );
    await runtime().drainOutbox();
    after = (await mails()).slice(before);
    const notice = after.find((m) => to(technician)(m) && m.body.text?.includes(OTHER));
    expect(notice?.body.text).toContain(ticketId);
    expect(notice?.body.text).toContain("el sensor de papel no estaba calibrado");
  }, 180_000);
});
