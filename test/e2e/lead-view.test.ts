/// <reference lib="dom" />
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../infra/local/ports";
import { type Runtime, startRuntime } from "../../infra/local/runtime";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
/** The system's Chromium (Debian's `chromium`; `npm test` installs it when it can, see tools/ensure-chromium.sh). */
const CHROMIUM = process.env.AVISO_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOT = join(import.meta.dirname, "../../.aviso/lead-view.png");

describe("the support lead's page, in a real browser", () => {
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
      dataDir: await mkdtemp(join(tmpdir(), "aviso-lead-")),
      startAt: "2026-11-23T08:00:00Z", // Monday 09:00 in Madrid
      log: quiet,
    });
    // The silences on the page are exact figures: the clock moves only when the test advances it.
    runtime.clock.freeze();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await rm(runtime?.options.dataDir ?? "/nonexistent", { recursive: true, force: true });
  });

  it("orders open tickets by silence, marks the ones past a business day in red, and draws each timeline", async () => {
    const smtp = nodemailer.createTransport({
      host: "127.0.0.1",
      port: runtime.options.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    const open = async (client: string, subject: string) => {
      await smtp.sendMail({
        from: client,
        to: runtime.config.supportAddress,
        subject,
        text: `${subject}. ¿Podéis ayudarnos?`,
      });
      await runtime.drainOutbox();
      const tickets = (await (await fetch(`${runtime.urls.api}/tickets`)).json()) as {
        tickets: { id: string; client: string }[];
      };
      return tickets.tickets.find((t) => t.client === client)?.id as string;
    };
    const post = async (ticketId: string, type: string, text: string) => {
      const response = await fetch(`${runtime.urls.api}/tickets/${ticketId}/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type, actor: { address: runtime.config.technicians[0]?.address }, text }),
      });
      expect(response.status).toBe(200);
      await runtime.drainOutbox();
    };
    const a = await open("ana@cliente.example", "La impresora no imprime");
    // Ana's mailbox starts bouncing after the acknowledgement: what aviso decides to tell her no
    // longer reaches her, so her silence grows although the policy keeps deciding updates.
    await runtime.stores.throttle.flagAddress(
      "ana@cliente.example",
      "permanent bounce (test)",
      runtime.clock.now(),
    );
    await runtime.advance(1);
    const b = await open("bruno@cliente.example", "No llega el correo");
    await runtime.advance(1);
    const c = await open("carla@cliente.example", "El ERP va lento");
    await runtime.advance(6); // Monday 17:00 in Madrid
    await post(b, "plan", "Reiniciamos el servidor de correo esta tarde.");
    await runtime.advance(19); // Tuesday 12:00 in Madrid: end-of-day notices and daily updates went out
    await post(c, "diagnosis", "El índice de la base de datos está fragmentado.");

    // A mailing-list post is held: the page lists it for the lead to release or discard.
    await smtp.sendMail({
      from: "boletin@lista.example",
      to: runtime.config.supportAddress,
      subject: "Novedades de noviembre",
      text: "Novedades.",
      headers: { "List-Id": "<novedades.lista.example>", Precedence: "bulk" },
    });
    await runtime.idle();

    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const asked: string[] = [];
    page.on("request", (request) => void asked.push(new URL(request.url()).pathname));
    // The page the stack serves: the same on AWS, where it signs in first; locally no sign-in.
    await page.goto(`${runtime.urls.api}/lead`);
    await page.waitForSelector("body[data-loaded=true]");
    const rows = await page.$$eval("#tickets tbody tr", (trs) =>
      trs.map((tr) => ({
        ticket: (tr as HTMLElement).dataset.ticket,
        overdue: tr.classList.contains("overdue"),
        silence: Number(tr.querySelector("td.silence")?.textContent),
        sent: tr.querySelectorAll("circle.message:not(.unsent)").length,
        unsent: tr.querySelectorAll("circle.message.unsent").length,
        color: getComputedStyle(tr.querySelector("td.silence") as Element).color,
      })),
    );
    expect(rows.map((r) => r.ticket)).toEqual([a, b, c]);
    expect(rows.map((r) => r.overdue)).toEqual([true, false, false]);
    expect(rows[0]?.silence).toBe(12); // Monday 09:00–18:00 and Tuesday 09:00–12:00
    expect(rows[1]?.silence).toBeGreaterThan(0);
    expect(rows[1]?.silence).toBeLessThan(9);
    expect(rows[2]?.silence).toBe(0);
    expect(rows[0]?.color).toBe("rgb(180, 35, 24)");
    expect(rows[1]?.color).not.toBe("rgb(180, 35, 24)");
    expect(rows[0]?.sent).toBe(1); // the acknowledgement only
    expect(rows[0]?.unsent).toBeGreaterThan(0); // decided for Ana, never delivered
    expect(rows[1]?.sent).toBeGreaterThanOrEqual(2); // acknowledgement, plan, …
    expect(rows[2]?.sent).toBeGreaterThanOrEqual(2); // acknowledgement, …, diagnosis
    expect(await page.locator("tr.overdue line.silent").count()).toBe(1);
    expect(await page.locator("#clock").textContent()).toMatch(/^now: 2026-11-24T11:00/);
    // Everything it read is a route of the page's (under /lead on AWS, with the lead's token).
    expect(asked.filter((path) => path !== "/lead").every((path) => path.startsWith("/lead/"))).toBe(true);
    expect(asked.some((path) => path.includes("_clock"))).toBe(false);

    const held = page.locator("#held li", { hasText: "boletin@lista.example" });
    expect(await held.textContent()).toContain("Novedades de noviembre");
    await mkdir(join(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);

    await held.getByRole("button", { name: "Discard" }).click();
    await page.waitForFunction(
      () => !document.querySelector("#held")?.textContent?.includes("boletin@lista.example"),
    );
    const quarantine = (await (await fetch(`${runtime.urls.api}/quarantine?all=1`)).json()) as {
      quarantine: { from?: string; status?: string }[];
    };
    expect(quarantine.quarantine.find((e) => e.from === "boletin@lista.example")?.status).toBe("discarded");
  }, 120_000);
});
