import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../infra/local/ports";
import { type Runtime, startRuntime } from "../../infra/local/runtime";
import { type StoredMail, storedMail } from "../../infra/local/ses-local";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function ports() {
  return {
    smtpPort: await freePort(),
    sesPort: await freePort(),
    apiPort: await freePort(),
    dynamodbPort: await freePort(),
  };
}

function smtp(runtime: Runtime) {
  return nodemailer.createTransport({
    host: "127.0.0.1",
    port: runtime.options.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
}

async function api(runtime: Runtime, method: string, path: string, body?: unknown) {
  const response = await fetch(`${runtime.urls.api}${path}`, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } }
      : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const header = (mail: StoredMail, name: string) =>
  mail.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;

describe("npm start: the local runtime, end to end", () => {
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await startRuntime({
      ...(await ports()),
      dataDir: await mkdtemp(join(tmpdir(), "aviso-e2e-")),
      startAt: "2026-11-23T08:15:00Z",
      log: quiet,
    });
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
    await rm(runtime?.options.dataDir ?? "/nonexistent", { recursive: true, force: true });
  });

  it("keeps a Spanish client informed from the first mail to the resolution, each message once and threaded", async () => {
    const client = "ana@cliente.example";
    const sent = await smtp(runtime).sendMail({
      from: `Ana Pérez <${client}>`,
      to: runtime.config.supportAddress,
      subject: "La impresora de etiquetas no imprime",
      text: "Hola, desde la actualización de ayer la impresora de etiquetas no imprime. ¿Podéis ayudarnos?",
    });
    await runtime.drainOutbox();
    const clientMail = async () =>
      (await storedMail(runtime.urls.ses)).filter((m) => m.destination.to.some((t) => t.includes(client)));
    const [ack] = await clientMail();
    const ticketId = /\[#(T-\d+)\]/.exec(ack?.subject ?? "")?.[1] ?? "";
    expect(ack?.subject).toMatch(/^\[#T-\d+\] Hemos recibido tu petición/);

    // By API: the technician restates the need.
    const summary = await api(runtime, "POST", `/tickets/${ticketId}/events`, {
      type: "summary",
      actor: "tech@aviso.localhost",
      text: "volver a imprimir etiquetas de envío desde el PC del almacén",
    });
    expect(summary.status).toBe(200);
    // The day ends with no diagnosis: the client hears so before it ends.
    await runtime.advance(9);
    // By mail: the technician answers the new-ticket notice with a command.
    const notice = (await storedMail(runtime.urls.ses)).find(
      (m) => m.destination.to.some((t) => t.includes("tech@aviso.localhost")) && m.subject.includes(ticketId),
    );
    await smtp(runtime).sendMail({
      from: "tech@aviso.localhost",
      to: notice?.replyTo[0] ?? "",
      subject: `Re: ${notice?.subject}`,
      text: "#diagnosis La actualización sustituyó el driver de la impresora por uno incompatible.",
    });
    // Two business days pass without news: one honest update each day.
    await runtime.advance(48);
    const plan = await api(runtime, "POST", `/tickets/${ticketId}/events`, {
      type: "plan",
      actor: "tech@aviso.localhost",
      text: "Volvemos al driver anterior.",
      eta: "2026-11-26 12:00",
    });
    expect(plan.body.outcome).toBe("applied");
    await api(runtime, "POST", `/tickets/${ticketId}/events`, {
      type: "resolve",
      actor: "tech@aviso.localhost",
      cause: "Un driver defectuoso.",
      fix: "Restauramos el driver anterior.",
    });
    await runtime.drainOutbox();

    const mails = await clientMail();
    const kinds = mails.map((m) => m.subject.replace(`[#${ticketId}] `, "").split(":")[0]);
    expect(kinds).toEqual([
      "Hemos recibido tu petición",
      "¿Lo hemos entendido bien?",
      "Cómo va tu petición hoy",
      "Ya sabemos qué ocurre",
      "Seguimos con tu petición",
      "Seguimos con tu petición",
      "Este es el plan",
      "Resuelto",
    ]);
    expect(mails[6]?.body.text).toContain("jueves 26 de noviembre a las 12:00");
    for (const mail of mails) {
      expect(header(mail, "In-Reply-To"), mail.subject).toBeTruthy();
      expect(header(mail, "References"), mail.subject).toContain(sent.messageId);
      expect(header(mail, "Auto-Submitted")).toBe("auto-generated");
    }
    const detail = await api(runtime, "GET", `/tickets/${ticketId}`);
    expect(detail.body).toMatchObject({ id: ticketId, status: "resolved" });
    expect((detail.body.timeline as unknown[]).length).toBeGreaterThan(8);
    expect((await api(runtime, "GET", "/_clock")).body.now).toMatch(/^2026-11-25T/);
    const page = await fetch(`${runtime.urls.api}/`);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("who is waiting");
  });

  it("answers bad SMTP input with an error or keeps it in quarantine, and keeps serving", async () => {
    const transport = smtp(runtime);
    await expect(
      transport.sendMail({ from: "x@example.com", to: "nobody@aviso.localhost", subject: "hi", text: "hi" }),
    ).rejects.toMatchObject({ responseCode: 550 });
    const huge = "A".repeat(30 * 1024 * 1024);
    await expect(
      transport.sendMail({
        from: "x@example.com",
        to: runtime.config.supportAddress,
        subject: "big",
        text: huge,
      }),
    ).rejects.toMatchObject({ responseCode: 552 });
    await transport.sendMail({
      envelope: { from: "x@example.com", to: runtime.config.supportAddress },
      raw: Buffer.from([0, 159, 146, 150, 0, 1, 2, 3]),
    });
    // SMTP answered once the mail was kept; processing runs apart.
    await runtime.idle();
    const quarantined = await runtime.stores.quarantine.quarantined();
    expect(quarantined.some((q) => q.kind === "unparseable" && q.rawRef.startsWith("file://"))).toBe(true);
    expect((await api(runtime, "GET", "/tickets")).status).toBe(200);
  });
});

describe("ports", () => {
  it("says which port is busy instead of failing obscurely", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    const busy = await freePort();
    await new Promise<void>((resolve) => blocker.listen(busy, "127.0.0.1", () => resolve()));
    try {
      await expect(startRuntime({ ...(await ports()), apiPort: busy, log: quiet })).rejects.toThrow(
        new RegExp(`port ${busy} \\(API\\) is already in use`),
      );
    } finally {
      blocker.close();
    }
  });
});

describe("npm start -- --persist", () => {
  it("loses no ticket and no pending timer across a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "aviso-persist-"));
    const chosen = await ports();
    try {
      let runtime = await startRuntime({
        ...chosen,
        dataDir,
        persist: true,
        startAt: "2026-11-23T08:15:00Z",
        log: quiet,
      });
      await smtp(runtime).sendMail({
        from: "luis@cliente.example",
        to: runtime.config.supportAddress,
        subject: "Billing run failed",
        text: "The billing run failed this morning.",
      });
      await runtime.drainOutbox();
      const before = await runtime.timers();
      expect(before.map((t) => t.name).sort()).toEqual(["eod", "reminder", "update"]);
      await runtime.stop();

      runtime = await startRuntime({ ...chosen, dataDir, persist: true, log: quiet });
      try {
        const tickets = (await api(runtime, "GET", "/tickets")).body.tickets as { id: string }[];
        expect(tickets).toHaveLength(1);
        expect(await runtime.timers()).toEqual(before);
        const fired = await runtime.advance(10);
        expect(fired.fired.map((f) => f.name)).toContain("eod");
      } finally {
        await runtime.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
