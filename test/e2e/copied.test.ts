/**
 * Issue 16, colleagues in copy, black-box: mail written by Python's smtplib (not aviso's code) to the
 * local runtime's SMTP listener, and what the local SES server stored. The client copies a colleague;
 * the acknowledgement copies them; their reply to the Reply-To reaches the technicians in the same
 * ticket; a technician's #copia -colleague takes them off the next client mail.
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
const COLLEAGUE = "pedro@cliente.example";

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

describe("colleagues in copy, over SMTP", () => {
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await startRuntime({
      smtpPort: await freePort(),
      sesPort: await freePort(),
      apiPort: await freePort(),
      dynamodbPort: await freePort(),
      dataDir: await mkdtemp(join(tmpdir(), "aviso-copied-")),
      startAt: "2026-11-23T08:00:00Z",
      log: quiet,
    });
    runtime.clock.freeze();
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
    await rm(runtime?.options.dataDir ?? "/nonexistent", { recursive: true, force: true });
  });

  it("the acknowledgement copies the colleague, whose reply reaches the technicians; #copia - takes them off", async () => {
    const port = runtime.options.smtpPort;
    const support = runtime.config.supportAddress;
    const technician = runtime.config.technicians[0]?.address as string;
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
    await runtime.drainOutbox();
    const ack = (await storedMail(runtime.urls.ses)).find((m) =>
      m.destination.to.some((to) => bare(to) === CLIENT),
    );
    const ticketId = /\[#(T-\d+)\]/.exec(ack?.subject ?? "")?.[1] as string;
    expect(ticketId).toMatch(/^T-\d+$/);
    expect(ack?.destination.cc.map(bare)).toEqual([COLLEAGUE]);
    const replyTo = ack?.replyTo[0] as string;
    expect(replyTo).toMatch(new RegExp(`\\+${ticketId}\\.`));

    // Pedro answers all, to the Reply-To, with Ana in copy.
    const before = (await storedMail(runtime.urls.ses)).length;
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
    await runtime.drainOutbox();
    const after = (await storedMail(runtime.urls.ses)).slice(before);
    const notice = after.find((m) => m.destination.to.some((to) => bare(to) === technician));
    expect(notice?.subject).toContain(ticketId);
    expect(notice?.body.text).toContain("tampoco escanea");
    const tickets = (await (await fetch(`${runtime.urls.api}/tickets`)).json()) as unknown;
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
    const response = await fetch(`${runtime.urls.api}/tickets/${ticketId}/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: "diagnosis",
        actor: { address: technician },
        text: "El escáner perdió la contraseña de la carpeta compartida.",
      }),
    });
    expect(response.status).toBeLessThan(300);
    await runtime.drainOutbox();
    const diagnosis = (await storedMail(runtime.urls.ses)).find(
      (m) => m.destination.to.some((to) => bare(to) === CLIENT) && /contraseña/.test(m.body.text ?? ""),
    );
    expect(diagnosis?.destination.cc ?? []).toEqual([]);
  }, 120_000);
});
