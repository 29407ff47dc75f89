/// <reference lib="dom" />
/**
 * Issue 16, the client's status page, end to end: a client mail in by SMTP to the local runtime, the
 * link of its acknowledgement (as the local SES server stored it) opened in Chromium, the reply form
 * sent, and the reply reaching the technicians by mail.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../infra/local/ports";
import { type Runtime, startRuntime } from "../../infra/local/runtime";
import { storedMail } from "../../infra/local/ses-local";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const CHROMIUM = process.env.AVISO_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOT = join(import.meta.dirname, "../../.aviso/status-page.png");
const CLIENT = "ana@cliente.example";

describe("the client's status page, in a real browser", () => {
  let runtime: Runtime;
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set AVISO_CHROMIUM`,
      );
    runtime = await startRuntime({
      smtpPort: await freePort(),
      sesPort: await freePort(),
      apiPort: await freePort(),
      dynamodbPort: await freePort(),
      dataDir: await mkdtemp(join(tmpdir(), "aviso-status-")),
      startAt: "2026-11-23T08:00:00Z", // Monday 09:00 in Madrid
      log: quiet,
    });
    runtime.clock.freeze();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await rm(runtime?.options.dataDir ?? "/nonexistent", { recursive: true, force: true });
  });

  it("follows the acknowledgement's link: code, status, plan and messages in Spanish; a reply reaches the technicians", async () => {
    const smtp = nodemailer.createTransport({
      host: "127.0.0.1",
      port: runtime.options.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    await smtp.sendMail({
      from: `Ana Pérez <${CLIENT}>`,
      to: runtime.config.supportAddress,
      subject: "La impresora de recepción no imprime",
      text: "Hola, desde esta mañana la impresora de recepción no imprime nada. ¿Podéis ayudarnos?",
    });
    await runtime.drainOutbox();
    const ack = (await storedMail(runtime.urls.ses)).find((m) =>
      m.destination.to.some((t) => t.includes(CLIENT)),
    );
    const ticketId = /\[#(T-\d+)\]/.exec(ack?.subject ?? "")?.[1] as string;
    expect(ticketId).toMatch(/^T-\d+$/);
    const link = /http:\/\/127\.0\.0\.1:\d+\/status\/T-\d+\?exp=\d+&sig=[\w-]+/.exec(
      ack?.body.text ?? "",
    )?.[0];
    expect(link, ack?.body.text).toBeTruthy();
    expect(ack?.body.html).toContain(`/status/${ticketId}?exp`);

    // A technician's plan with a forecast, and an internal note that must never show.
    const event = async (body: Record<string, unknown>) => {
      const response = await fetch(`${runtime.urls.api}/tickets/${ticketId}/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ actor: { address: runtime.config.technicians[0]?.address }, ...body }),
      });
      expect(response.status).toBe(200);
    };
    await event({ type: "note", text: "NOTA-INTERNA: revisar el contrato de mantenimiento" });
    await event({ type: "plan", text: "Vamos a cambiar el fusor de la impresora.", eta: "2026-11-24 13:00" });
    await runtime.drainOutbox();

    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    const answer = await page.goto(link as string);
    expect(answer?.status()).toBe(200);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("es");
    expect(await page.locator("#code").textContent()).toBe(ticketId);
    // Local mail carries no SES verdicts: the local runtime trusts its senders as it trusts its
    // technicians, so the page shows Ana's subject (on AWS only an authenticated domain's is shown).
    expect(ack?.subject).toContain("La impresora de recepción");
    expect(await page.locator("h1").textContent()).toBe("La impresora de recepción no imprime");
    expect(await page.locator("#status").textContent()).toBe("En curso: estamos en ello");
    expect(await page.locator("#plan").textContent()).toContain("Vamos a cambiar el fusor de la impresora.");
    expect(await page.locator("#plan .eta").textContent()).toBe("martes 24 de noviembre a las 13:00");
    const subjects = await page.locator("#messages h3").allTextContents();
    expect(subjects.length).toBe(2);
    expect(subjects[0]).toContain("Hemos recibido tu petición");
    expect(await page.locator("#messages").textContent()).toContain("Vamos a cambiar el fusor");
    const visible = await page.locator("body").innerText();
    expect(visible).not.toContain("NOTA-INTERNA");
    expect(visible).not.toContain("Responde encima de esta línea");
    await mkdir(join(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The reply form: the text joins the thread as Ana's reply, and the technicians hear of it.
    const before = Math.floor(Date.now() / 1000) - 1;
    await page.locator("textarea[name=text]").fill("Gracias. Mañana por la mañana estaré en la oficina.");
    await page.getByRole("button", { name: "Enviar" }).click();
    await page.waitForSelector("h1");
    expect(await page.locator("h1").textContent()).toBe("Hemos recibido tu mensaje");
    await runtime.drainOutbox();
    const technician = runtime.config.technicians[0]?.address as string;
    const toTechnicians = (await storedMail(runtime.urls.ses)).filter(
      (m) =>
        m.at >= before &&
        m.destination.to.some((t) => t.includes(technician)) &&
        m.subject.includes(ticketId) &&
        // Stored times are whole seconds: the new-ticket notice may share the first one.
        !m.subject.includes("Nueva petición"),
    );
    expect(toTechnicians.length).toBe(1);
    expect(toTechnicians[0]?.body.text).toContain("Mañana por la mañana estaré en la oficina.");
    const technicianMails = async () =>
      (await storedMail(runtime.urls.ses)).filter(
        (m) => m.at >= before && m.destination.to.some((t) => t.includes(technician)),
      ).length;
    const noticesBefore = await technicianMails();
    const detail = (await (await fetch(`${runtime.urls.api}/tickets/${ticketId}`)).json()) as {
      timeline: { type: string; data?: { outcome?: string } }[];
    };
    expect(detail.timeline.filter((e) => e.type === "client-reply").map((e) => e.data?.outcome)).toEqual([
      "applied",
    ]);

    // The browser sends the same form again (back, then resend): one reply, no second notice.
    await page.goBack();
    await page.locator("textarea[name=text]").fill("Gracias. Mañana por la mañana estaré en la oficina.");
    const mark = await page.locator("input[name=mark]").inputValue();
    const again = await page.request.post(`${link}`, {
      form: { text: "Gracias. Mañana por la mañana estaré en la oficina.", mark },
    });
    expect(again.status()).toBe(200);
    await runtime.drainOutbox();
    expect(await technicianMails()).toBe(noticesBefore);

    // A tampered signature and another ticket's code are refused.
    const tampered = new URL(link as string);
    const sig = tampered.searchParams.get("sig") as string;
    tampered.searchParams.set("sig", `${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`);
    expect([403, 404]).toContain((await fetch(tampered)).status);
    const otherTicket = (link as string).replace(/T-(\d+)/, (_, n) => `T-${Number(n) + 1}`);
    expect([403, 404]).toContain((await fetch(otherTicket)).status);
    expect([403, 404]).toContain(
      (await fetch(tampered, { method: "POST", body: new URLSearchParams({ text: "hola" }) })).status,
    );
  }, 120_000);
});
