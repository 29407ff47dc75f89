/**
 * Issue 16's acceptance, attachments in, black-box over SMTP (nodemailer, not aviso's code): a client
 * mail with a PNG gives a technicians' notice that names the file and links, on the runtime's own
 * http://127.0.0.1 API, to its exact bytes; a tampered link is refused.
 */
import { createHash } from "node:crypto";
import nodemailer from "nodemailer";
import { describe, expect, it } from "vitest";
import { storedMail } from "../../infra/local/ses-local";
import { PNG } from "../support/attachment-mail";
import { useLocalRuntime } from "../support/local-runtime";

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("attachments in, over the local runtime", () => {
  const runtime = useLocalRuntime({ name: "e2e-attachments", startAt: "2026-11-23T08:15:00Z" });

  it("a client mail with a PNG: the technicians' notice names it and links to its exact bytes", async () => {
    const client = "ana@cliente.example";
    await nodemailer
      .createTransport({
        host: "127.0.0.1",
        port: runtime().options.smtpPort,
        secure: false,
        ignoreTLS: true,
      })
      .sendMail({
        from: `Ana Pérez <${client}>`,
        to: runtime().config.supportAddress,
        subject: "La impresora muestra un error",
        text: "Os adjunto la captura del error que sale al imprimir.",
        attachments: [{ filename: "captura-error.png", content: PNG, contentType: "image/png" }],
      });
    await runtime().drainOutbox();
    const mail = await storedMail(runtime().urls.ses);
    const notice = mail.find((m) => !m.destination.to.some((to) => to.includes(client)));
    expect(notice, "a technicians' notice").toBeDefined();
    const text = notice?.body.text ?? "";
    expect(text).toContain("captura-error.png");
    expect(text).toContain("image/png");
    const link = /http:\/\/127\.0\.0\.1:\d+\/attachments\/[^\s\]]+/.exec(text)?.[0] ?? "";
    expect(link.startsWith(`${runtime().urls.api}/attachments/`)).toBe(true);

    const download = await fetch(link);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("image/png");
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="captura-error.png"/);
    expect(sha(Buffer.from(await download.arrayBuffer()))).toBe(sha(PNG));

    const tampered = link.replace(/sig=([\w-])/, (_, c: string) => `sig=${c === "A" ? "B" : "A"}`);
    expect([403, 404]).toContain((await fetch(tampered)).status);
  }, 120_000);
});
