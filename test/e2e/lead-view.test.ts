/// <reference lib="dom" />
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleApiRequest } from "../../functions/app/api";
import { leadPage, leadPageHeaders } from "../../functions/app/pages/lead";
import { freePort } from "../../infra/local/ports";
import { type Runtime, startRuntime } from "../../infra/local/runtime";
import { memoryWorld } from "../support/memory-world";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
/** The system's Chromium (Debian's `chromium`; `npm test` installs it when it can, see tools/ensure-chromium.sh). */
const CHROMIUM = process.env.AVISO_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOT = join(import.meta.dirname, "../../.aviso/lead-view.png");
const DETAIL_SCREENSHOT = join(import.meta.dirname, "../../.aviso/lead-detail.png");

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
    const reads = asked.filter((path) => path !== "/lead" && path !== "/favicon.ico");
    expect(reads.filter((path) => !path.startsWith("/lead/"))).toEqual([]);
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

    // A row opens the ticket's full timeline, each mail with where it stands.
    await page.locator(`#tickets tr[data-ticket="${a}"] button.open`).click();
    await page.waitForSelector(`#detail[data-ticket="${a}"]:not([hidden])`);
    const lines = await page.$$eval("#detail-timeline tbody tr", (trs) =>
      trs.map((tr) => ({
        kind: tr.className,
        what: tr.querySelector("td.what")?.textContent ?? "",
        delivery: (tr.querySelector("[data-delivery]") as HTMLElement | null)?.dataset.delivery,
      })),
    );
    const clientMails = lines.filter((line) => line.kind === "client-mail");
    expect(clientMails[0]?.what).toContain("acknowledgement");
    expect(clientMails[0]?.delivery).toBe("sent");
    // What was decided for Ana after her address was flagged never left.
    expect(clientMails.length).toBeGreaterThan(1);
    expect(clientMails.slice(1).every((line) => line.delivery === "suppressed")).toBe(true);
    expect(lines.some((line) => line.kind === "staff-mail" && line.what.includes("new-ticket notice"))).toBe(
      true,
    );
    expect(lines[0]?.what).toBe("New request");
    expect(await page.locator("#detail-meta").textContent()).toContain("ana@cliente.example");
    expect(await page.locator("#detail-timeline th").allTextContents()).toEqual(["When", "What", "Delivery"]);
    await page.locator("#detail").screenshot({ path: DETAIL_SCREENSHOT });
    await page.locator("#detail-close").click();
    expect(await page.locator("#detail").isHidden()).toBe(true);
  }, 120_000);

  it("speaks Spanish to a browser set to Spanish, the detail view included", async () => {
    const context = await browser.newContext({ locale: "es-ES", viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${runtime.urls.api}/lead`);
    await page.waitForSelector("body[data-loaded=true]");
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("es");
    expect(await page.locator("h1").textContent()).toBe("aviso · quién espera noticias");
    expect(await page.locator("#tickets th").allTextContents()).toEqual([
      "Petición",
      "Cliente",
      "Asunto",
      "Silencio (h laborables)",
      "Mensajes en tiempo laborable",
    ]);
    expect(await page.locator("#clock").textContent()).toMatch(/^ahora: /);
    expect(await page.locator("#held li.empty").textContent()).toBe("No hay nada retenido.");
    const flagged = page.locator("#flags li", { hasText: "ana@cliente.example" });
    expect(await flagged.getByRole("button").textContent()).toBe("Quitar");
    expect(await flagged.textContent()).toContain(" · hasta ");

    const first = page.locator("#tickets tbody tr").first();
    await first.locator("button.open").click();
    await page.waitForSelector("#detail:not([hidden])");
    expect(await page.locator("#detail-timeline th").allTextContents()).toEqual(["Cuándo", "Qué", "Entrega"]);
    expect(await page.locator("#detail-title").textContent()).toMatch(/^Petición T-\d+ · /);
    expect(await page.locator("#detail-meta").textContent()).toContain("Estado: abierta");
    const whats = await page.locator("#detail-timeline td.what").allTextContents();
    expect(whats[0]).toBe("Petición nueva");
    expect(whats.some((what) => what.includes("Correo: acuse de recibo"))).toBe(true);
    const states = await page.locator("#detail-timeline [data-delivery]").allTextContents();
    expect(states).toContain("enviado");
    expect(states).toContain("suprimido");
    // No English of the page's own is left on it.
    const visible = await page.locator("body").innerText();
    for (const english of [
      "Held mail",
      "Ratings",
      "Delivery",
      "sent",
      "suppressed",
      "Release",
      "Clear",
      "Sign out",
    ])
      expect(visible, english).not.toContain(english);
    await mkdir(join(DETAIL_SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: DETAIL_SCREENSHOT, fullPage: true });
    await context.close();
  }, 60_000);
});

/**
 * The page as the stack serves it on AWS, where it signs in first. Cognito is not reachable here: a
 * stand-in plays its two documented endpoints (GET /oauth2/authorize, POST /oauth2/token) and checks
 * what the page sends them (PKCE S256, no client secret, the page as redirect_uri); the API stand-in
 * answers /lead/... only with the access token it issued, as the JWT authorizer would.
 */
describe("the support lead's page on AWS: sign-in with the user pool (authorization code and PKCE)", () => {
  const CLIENT_ID = "3nkoep4151b7umeggnottc30u9";
  const ACCESS = `access-${randomUUID()}`;
  const servers: Server[] = [];
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    for (const server of servers) server.close();
  });
  const listen = async (handler: (request: IncomingMessage, body: string) => Promise<Reply>) => {
    const port = await freePort();
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", async () => {
        const reply = await handler(request, body);
        response.writeHead(reply.status, reply.headers ?? {});
        response.end(reply.body ?? "");
      });
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    servers.push(server);
    return `http://127.0.0.1:${port}`;
  };
  type Reply = { status: number; headers?: Record<string, string>; body?: string };
  const base64url = (bytes: Buffer) => bytes.toString("base64url");

  /** The two stand-ins; `refuse` makes the token endpoint turn the code down. */
  async function standIns(options: { refuse?: boolean } = {}) {
    const asked: {
      authorize?: URLSearchParams;
      authorizeCount: number;
      token?: URLSearchParams;
      tokenAuthorization?: string | undefined;
    } = { authorizeCount: 0 };
    const code = randomUUID();
    const cognito = await listen(async (request, body): Promise<Reply> => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      if (url.pathname === "/oauth2/authorize") {
        asked.authorize = url.searchParams;
        asked.authorizeCount += 1;
        const back = new URL(url.searchParams.get("redirect_uri") ?? "");
        back.searchParams.set("code", code);
        back.searchParams.set("state", url.searchParams.get("state") ?? "");
        return { status: 302, headers: { location: back.toString() } };
      }
      if (url.pathname === "/oauth2/token" && request.method === "POST") {
        asked.token = new URLSearchParams(body);
        asked.tokenAuthorization = request.headers.authorization;
        const challenge = base64url(
          createHash("sha256")
            .update(asked.token.get("code_verifier") ?? "")
            .digest(),
        );
        const good =
          !options.refuse &&
          asked.token.get("grant_type") === "authorization_code" &&
          asked.token.get("code") === code &&
          asked.token.get("client_id") === CLIENT_ID &&
          challenge === asked.authorize?.get("code_challenge");
        const idToken = ["{}", JSON.stringify({ email: "jefa@aviso.test", token_use: "id" }), "sig"]
          .map((part) => base64url(Buffer.from(part)))
          .join(".");
        return {
          status: good ? 200 : 400,
          // Cognito's token endpoint answers browsers' cross-origin posts.
          headers: { "content-type": "application/json", "access-control-allow-origin": "*" },
          body: JSON.stringify(
            good
              ? { access_token: ACCESS, id_token: idToken, expires_in: 3600, token_type: "Bearer" }
              : { error: "invalid_grant" },
          ),
        };
      }
      return { status: 404 };
    });
    const signIn = { url: cognito, clientId: CLIENT_ID };
    const world = memoryWorld();
    const bearers: string[] = [];
    const api = await listen(async (request, body) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      if (url.pathname.startsWith("/lead/")) {
        bearers.push(request.headers.authorization ?? "");
        if (request.headers.authorization !== `Bearer ${ACCESS}`) return { status: 401, body: "{}" };
      }
      const reply = await handleApiRequest(
        { ...world.deps, leadSignIn: signIn },
        {
          method: request.method ?? "GET",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          body,
        },
      );
      return { status: reply.status, headers: reply.headers ?? {}, body: reply.body };
    });
    return { asked, api, cognito, bearers, signIn };
  }

  it("sends the lead to the user pool, exchanges the code with its verifier, and reads /lead/... with the token", async () => {
    const { asked, api, cognito, bearers, signIn } = await standIns();
    expect(leadPageHeaders(signIn)["content-security-policy"]).toContain(`connect-src 'self' ${cognito}`);
    expect(leadPage(signIn)).toContain(CLIENT_ID);

    const page = await browser.newPage();
    await page.goto(`${api}/lead`);
    await page.waitForSelector("body[data-loaded=true]");
    expect(asked.authorize?.get("response_type")).toBe("code");
    expect(asked.authorize?.get("client_id")).toBe(CLIENT_ID);
    expect(asked.authorize?.get("redirect_uri")).toBe(`${api}/lead`);
    expect(asked.authorize?.get("code_challenge_method")).toBe("S256");
    expect(asked.authorize?.get("scope")).toBe("openid email");
    expect(asked.token?.get("redirect_uri")).toBe(`${api}/lead`);
    expect(asked.token?.has("client_secret")).toBe(false);
    expect(asked.tokenAuthorization).toBeUndefined();
    // The code is gone from the address once used; every read carried the token.
    expect(page.url()).toBe(`${api}/lead`);
    expect(bearers.length).toBeGreaterThanOrEqual(4);
    expect(bearers.every((bearer) => bearer === `Bearer ${ACCESS}`)).toBe(true);
    expect(await page.locator("#who").textContent()).toBe("· signed in as jefa@aviso.test");
    expect(await page.locator("#signout").getAttribute("href")).toContain(
      `${cognito}/logout?client_id=${CLIENT_ID}`,
    );
  }, 60_000);

  it("says so when the user pool refuses the code, instead of sending the lead round in circles", async () => {
    const { asked, api, bearers } = await standIns({ refuse: true });
    const page = await browser.newPage();
    await page.goto(`${api}/lead`);
    await page.waitForFunction(() => document.getElementById("who")?.textContent?.includes("refused"));
    expect(await page.locator("#who").textContent()).toBe("· the user pool refused the sign-in (400) ");
    expect(await page.locator("#signout").textContent()).toBe("Sign in again");
    expect(asked.authorizeCount).toBe(1);
    expect(bearers).toEqual([]);
  }, 60_000);
});
