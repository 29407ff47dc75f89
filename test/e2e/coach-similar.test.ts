/**
 * Issue 17, black-box over SMTP with Python's smtplib: a technician's #plan with "sin falta" and
 * "imposible" is held (the client gets nothing of it, the technician a mail naming "sin falta"), and
 * #enviar sends it as written. Then, the Zebra ticket resolved with its cause, another client's Zebra
 * that prints no labels gives the technicians a notice naming the first ticket and its cause.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../infra/local/ports";
import { type Runtime, startRuntime } from "../../infra/local/runtime";
import { storedMail } from "../../infra/local/ses-local";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const CLIENT = "ana@cliente.example";
const OTHER = "bea@otra.example";

const SMTPLIB = `
import json, smtplib, sys
from email.message import EmailMessage
port, headers, body = json.loads(sys.stdin.read())
message = EmailMessage()
for name, value in headers.items():
    message[name] = value
message.set_content(body)
with smtplib.SMTP("127.0.0.1", port) as smtp:
    smtp.send_message(message)
`;

/** One mail through Python's smtplib (in a child process: the listener runs in this one). */
function smtplib(port: number, headers: Record<string, string>, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile("python3", ["-c", SMTPLIB], { timeout: 20_000 }, (error) =>
      error ? reject(error) : resolve(),
    );
    child.stdin?.end(JSON.stringify([port, headers, body]));
  });
}

const bare = (value: string) => (/<([^>]+)>/.exec(value)?.[1] ?? value).toLowerCase();

describe("the tone coach and similar incidents, over SMTP", () => {
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await startRuntime({
      smtpPort: await freePort(),
      sesPort: await freePort(),
      apiPort: await freePort(),
      dynamodbPort: await freePort(),
      dataDir: await mkdtemp(join(tmpdir(), "aviso-coach-")),
      startAt: "2026-11-23T08:00:00Z",
      log: quiet,
    });
    runtime.clock.freeze();
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
    await rm(runtime?.options.dataDir ?? "/nonexistent", { recursive: true, force: true });
  });

  it("holds a risky #plan until #enviar, then shows the resolved Zebra ticket on a similar new one", async () => {
    const port = runtime.options.smtpPort;
    const support = runtime.config.supportAddress;
    const technician = runtime.config.technicians[0]?.address as string;
    const mails = () => storedMail(runtime.urls.ses);
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
    await runtime.drainOutbox();
    const ack = (await mails()).find(to(CLIENT));
    const ticketId = /\[#(T-\d+)\]/.exec(ack?.subject ?? "")?.[1] as string;
    expect(ticketId).toMatch(/^T-\d+$/);
    const replyTo = ack?.replyTo[0] as string;
    const reply = (body: string) =>
      smtplib(port, { From: `Lucía <${technician}>`, To: replyTo, Subject: `Re: ${ack?.subject}` }, body);

    let before = (await mails()).length;
    await reply("#plan\nMañana sin falta estará arreglado, es imposible que vuelva a fallar.");
    await runtime.drainOutbox();
    let after = (await mails()).slice(before);
    expect(after.filter(to(CLIENT))).toEqual([]);
    const coach = after.find(to(technician));
    expect(coach?.body.text).toContain("sin falta");
    expect(coach?.body.text).toContain("imposible");

    before = (await mails()).length;
    await reply("#enviar");
    await runtime.drainOutbox();
    after = (await mails()).slice(before);
    const plan = after.find(to(CLIENT));
    expect(plan?.body.text).toContain("Mañana sin falta estará arreglado, es imposible que vuelva a fallar.");

    await reply(
      "#resuelto\ncausa: el sensor de papel no estaba calibrado tras cambiar el rollo\nsolución: calibramos el sensor desde el panel de la impresora",
    );
    await runtime.drainOutbox();
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
    await runtime.drainOutbox();
    after = (await mails()).slice(before);
    const notice = after.find((m) => to(technician)(m) && m.body.text?.includes(OTHER));
    expect(notice?.body.text).toContain(ticketId);
    expect(notice?.body.text).toContain("el sensor de papel no estaba calibrado");
  }, 180_000);
});
