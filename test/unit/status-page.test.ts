/**
 * Issue 16, the client's status page, on the in-memory stores: linked from every client mail, signed
 * and expiring, in the ticket's language, showing only what the client was sent, escaping everything,
 * and a reply form that enters the thread once however often it is sent. Also the delivery state the
 * lead's detail view reads from GET /tickets/{id}.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { handleApiRequest } from "../../functions/app/api";
import { applyEvent } from "../../functions/app/apply";
import { STATUS_LINK_LIFETIME_DAYS, signedLink, statusBaseUrl } from "../../functions/app/feedback-link";
import { receiveMail } from "../../functions/app/inbound";
import { STATUS_FORM_REPLIES_PER_HOUR } from "../../functions/app/pages/status-route";
import { memoryWorld, recipients } from "../support/memory-world";

const DAY = 86_400_000;

function mail(from: string, subject: string, body: string) {
  const head = [
    `From: ${from}`,
    "To: soporte@aviso.test",
    `Subject: ${subject}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@cliente.test>`,
    "Content-Type: text/plain; charset=utf-8",
  ];
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`);
}
const bodyOf = (input: SendEmailCommandInput) =>
  `${input.Content?.Simple?.Body?.Text?.Data ?? ""}\n${input.Content?.Simple?.Body?.Html?.Data ?? ""}`;
const textOf = (input: SendEmailCommandInput) => input.Content?.Simple?.Body?.Text?.Data ?? "";

type World = ReturnType<typeof memoryWorld>;

async function open(w: World, from: string, subject: string, body: string) {
  const outcome = await receiveMail(w.deps, mail(from, subject, body));
  if (outcome.outcome !== "applied") throw new Error(`not opened: ${JSON.stringify(outcome)}`);
  const before = w.sent.length;
  await w.drain();
  const ack = w.sent.slice(before).find((m) => recipients(m).includes(from));
  if (!ack) throw new Error("no acknowledgement");
  const link = /http:\/\/127\.0\.0\.1:3000\/status\/T-\d+\?exp=\d+&(?:amp;)?sig=[\w-]+/.exec(
    bodyOf(ack),
  )?.[0];
  if (!link) throw new Error(`the acknowledgement links no status page:\n${textOf(ack)}`);
  return { ticketId: outcome.ticketId, link: link.replace("&amp;", "&"), ack };
}

async function get(w: World, link: string) {
  const url = new URL(link);
  return handleApiRequest(w.deps, {
    method: "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
  });
}

async function post(w: World, link: string, form: Record<string, string>) {
  const url = new URL(link);
  return handleApiRequest(w.deps, {
    method: "POST",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    body: new URLSearchParams(form).toString(),
    contentType: "application/x-www-form-urlencoded",
  });
}

const tech = "lucia@aviso.test";

describe("the client's status page", () => {
  it("is linked from every client mail, valid for STATUS_LINK_LIFETIME_DAYS from that mail", async () => {
    const w = memoryWorld();
    const { ticketId, link } = await open(
      w,
      "ana@cliente.test",
      "La impresora no imprime",
      "No imprime nada.",
    );
    const exp = Number(new URL(link).searchParams.get("exp")) * 1000;
    expect(exp - w.deps.clock.now().getTime()).toBeGreaterThan((STATUS_LINK_LIFETIME_DAYS - 1) * DAY);
    expect(exp - w.deps.clock.now().getTime()).toBeLessThanOrEqual(STATUS_LINK_LIFETIME_DAYS * DAY);
    await applyEvent(w.deps, {
      type: "diagnosis",
      id: "d1",
      ticketId,
      actor: tech,
      text: "El tóner está vacío.",
    });
    const before = w.sent.length;
    await w.drain();
    const clientMails = w.sent.slice(before).filter((m) => recipients(m).includes("ana@cliente.test"));
    expect(clientMails.length).toBe(1);
    expect(bodyOf(clientMails[0] as SendEmailCommandInput)).toContain(`/status/${ticketId}?exp=`);
    // Staff mail links no status page.
    const staff = w.sent.filter((m) => recipients(m).includes(tech));
    expect(staff.length).toBeGreaterThan(0);
    for (const m of staff) expect(bodyOf(m)).not.toContain("/status/");
  });

  it("derives its base URL from the feedback URL unless one is configured", () => {
    expect(statusBaseUrl({ feedbackUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/feedback" })).toBe(
      "https://abc.execute-api.eu-west-1.amazonaws.com/status",
    );
    expect(statusBaseUrl({ feedbackUrl: "https://x.example/f", statusUrl: "https://y.example/s" })).toBe(
      "https://y.example/s",
    );
  });

  it("shows code, subject, status, plan and forecast and every message sent, in Spanish; notes and staff notices never", async () => {
    const w = memoryWorld();
    const { ticketId, link } = await open(
      w,
      "ana@cliente.test",
      "La impresora no imprime",
      "No imprime nada.",
    );
    await applyEvent(w.deps, {
      type: "note",
      id: "n1",
      ticketId,
      actor: tech,
      text: "NOTA-INTERNA: el cliente debe tres facturas",
    });
    await applyEvent(w.deps, {
      type: "plan",
      id: "p1",
      ticketId,
      actor: tech,
      text: "Vamos a cambiar el tóner de la impresora.",
      eta: "2026-11-24 17:00",
      alternatives: "Imprime en la impresora de la segunda planta.",
    });
    await w.drain();
    const response = await get(w, link);
    expect(response.status).toBe(200);
    expect(response.headers?.["referrer-policy"]).toBe("no-referrer");
    expect(response.headers?.["content-security-policy"]).toContain("default-src 'none'");
    const page = response.body;
    expect(page).toContain('<html lang="es"');
    expect(page).toContain(ticketId);
    expect(page).toContain("La impresora no imprime");
    expect(page).toContain("En curso");
    expect(page).toContain("Vamos a cambiar el tóner de la impresora.");
    expect(page).toMatch(/martes 24 de noviembre a las 17:00/);
    expect(page).toContain("Imprime en la impresora de la segunda planta.");
    // The acknowledgement and the plan, in order, as the client read them, without the reply marker.
    const ack = page.indexOf("Hemos recibido tu petición");
    const plan = page.indexOf("Vamos a cambiar el tóner de la impresora.", page.indexOf('id="messages"'));
    expect(ack).toBeGreaterThan(0);
    expect(plan).toBeGreaterThan(ack);
    expect(page).not.toContain("Responde encima de esta línea");
    expect(page).not.toContain("NOTA-INTERNA");
    for (const staff of w.sent.filter((m) => recipients(m).includes(tech)))
      expect(page).not.toContain(staff.Content?.Simple?.Subject?.Data ?? "(none)");
    // One language: no English words of the page's own.
    expect(page).not.toMatch(/\b(Status|Reply|Send|Forecast)\b/);
  });

  it("speaks English to an English ticket", async () => {
    const w = memoryWorld();
    const { link } = await open(
      w,
      "john@client.test",
      "The printer does not print",
      "Hello, the printer in the office does not print anything since this morning. Could you help?",
    );
    const page = (await get(w, link)).body;
    expect(page).toContain('<html lang="en"');
    expect(page).toContain("In progress");
    expect(page).toContain("What we have written to you");
    expect(page).not.toMatch(/Estado|Responder|Enviar/);
  });

  it("refuses a tampered, foreign or expired link, and a ticket that does not exist", async () => {
    const w = memoryWorld();
    const { ticketId, link } = await open(
      w,
      "ana@cliente.test",
      "La impresora no imprime",
      "No imprime nada.",
    );
    const other = await open(w, "bea@cliente.test", "Sin correo", "No me llega el correo.");
    const url = new URL(link);
    const sig = url.searchParams.get("sig") as string;
    url.searchParams.set("sig", `${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`);
    expect((await get(w, url.href)).status).toBe(403);
    const later = new URL(link);
    later.searchParams.set("exp", String(Number(later.searchParams.get("exp")) + 86_400));
    expect((await get(w, later.href)).status).toBe(403);
    // Ana's signature does not open Bea's ticket.
    expect((await get(w, link.replace(ticketId, other.ticketId))).status).toBe(403);
    const forged = await post(w, link.replace(ticketId, other.ticketId), { text: "hola" });
    expect(forged.status).toBe(403);
    const gone = signedLink(
      "http://127.0.0.1:3000/status",
      "T-9999",
      w.deps.config.tokenSecret,
      new Date(Date.now() + DAY * 400),
    );
    expect((await get(w, gone)).status).toBe(404);
    w.advance((STATUS_LINK_LIFETIME_DAYS + 1) * DAY);
    const expired = await get(w, link);
    expect(expired.status).toBe(403);
    expect(expired.body).toContain("Este enlace ha caducado");
  });

  it("escapes everything it shows", async () => {
    const w = memoryWorld();
    const { ticketId, link } = await open(
      w,
      "ana@cliente.test",
      'Error <script>alert("s")</script>',
      "No imprime <b>nada</b>.",
    );
    await applyEvent(w.deps, {
      type: "plan",
      id: "p1",
      ticketId,
      actor: tech,
      text: 'Probamos <img src=x onerror="alert(1)"> y "comillas" & más',
    });
    await w.drain();
    const page = (await get(w, link)).body;
    expect(page).not.toContain("<script>alert");
    expect(page).not.toContain("<img src=x");
    expect(page).not.toContain("<b>nada</b>");
    expect(page).toContain("&lt;script&gt;alert(&quot;s&quot;)&lt;/script&gt;");
    expect(page).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(page).toContain("&amp; más");
  });

  it("takes a reply into the thread as the client's, once however often the same form is sent", async () => {
    const w = memoryWorld();
    const { ticketId, link } = await open(
      w,
      "ana@cliente.test",
      "La impresora no imprime",
      "No imprime nada.",
    );
    const form = /name="mark" value="(\d+)"/.exec((await get(w, link)).body)?.[1] as string;
    expect(form).toBeTruthy();
    const before = w.sent.length;
    const first = await post(w, link, { text: "Ya probé a apagarla y encenderla.", mark: form });
    expect(first.status).toBe(200);
    expect(first.body).toContain("Hemos recibido tu mensaje");
    const again = await post(w, link, { text: "Ya probé a apagarla y encenderla.", mark: form });
    expect(again.status).toBe(200);
    await w.drain();
    const toTechs = w.sent.slice(before).filter((m) => recipients(m).includes(tech));
    expect(toTechs.length).toBe(1);
    expect(bodyOf(toTechs[0] as SendEmailCommandInput)).toContain("Ya probé a apagarla y encenderla.");
    const timeline = await w.deps.tickets.timeline(ticketId);
    const replies = timeline.filter((e) => e.type === "client-reply");
    // The second is a duplicate: nothing of it is recorded, nothing is sent.
    expect(replies.map((e) => e.data?.outcome)).toEqual(["applied"]);
    // A new text is a new reply; an empty one is refused in the client's language.
    await post(w, link, { text: "Y sigue igual.", mark: form });
    expect(
      (await w.deps.tickets.timeline(ticketId)).filter(
        (e) => e.data?.outcome === "applied" && e.type === "client-reply",
      ).length,
    ).toBe(2);
    const empty = await post(w, link, { text: "   ", mark: form });
    expect(empty.status).toBe(400);
    expect(empty.body).toContain("Escribe tu mensaje");
  });
});

describe("GET /tickets/{id}: each mail's delivery state, for the lead's detail view", () => {
  it("says sent, suppressed, failed, pending or bounced", async () => {
    const w = memoryWorld();
    const { ticketId } = await open(w, "ana@cliente.test", "La impresora no imprime", "No imprime nada.");
    const ackId = (await w.deps.outbox.list(ticketId)).find((i) => i.effect.kind === "send-client");
    const ackResult = ackId?.result as { messageId: string };
    const sesId = /^<([^@>]+)@/.exec(ackResult.messageId)?.[1];
    await applyEvent(w.deps, {
      type: "delivery-failed",
      id: `ses:${sesId}:ana@cliente.test`,
      ticketId,
      address: "ana@cliente.test",
      reason: "permanent bounce (test)",
    });
    await w.drain();
    w.advance(60_000);
    await w.deps.throttle.flagAddress("ana@cliente.test", "permanent bounce (test)", w.deps.clock.now());
    await applyEvent(w.deps, {
      type: "diagnosis",
      id: "d1",
      ticketId,
      actor: tech,
      text: "El tóner está vacío.",
    });
    await w.drain();
    w.advance(60_000);
    await applyEvent(w.deps, { type: "plan", id: "p1", ticketId, actor: tech, text: "Cambiamos el tóner." });
    // Given up after its attempts (what handBackOrGiveUp records).
    const plan = (await w.deps.outbox.list(ticketId)).find(
      (i) => i.effect.kind === "send-client" && i.effect.template === "plan",
    );
    await w.deps.outbox.complete(
      ticketId,
      plan?.effect.id as string,
      { outcome: "failed", error: "MessageRejected: test", attempts: 8 },
      w.deps.clock.now(),
    );
    w.advance(60_000);
    await applyEvent(w.deps, {
      type: "change",
      id: "c1",
      ticketId,
      actor: tech,
      text: "Pedimos un tóner nuevo al proveedor.",
    });
    const detail = JSON.parse(
      (await handleApiRequest(w.deps, { method: "GET", path: `/tickets/${ticketId}` })).body,
    ) as { effects: { kind: string; template?: string; delivery?: string }[] };
    const client = detail.effects.filter((e) => e.kind === "send-client");
    expect(client.map((e) => [e.template, e.delivery])).toEqual([
      ["acknowledgement", "bounced"],
      ["diagnosis", "suppressed"],
      ["plan", "failed"],
      ["plan-change", "pending"],
    ]);
    expect(detail.effects.filter((e) => e.kind === "notify").every((e) => e.delivery !== undefined)).toBe(
      true,
    );
    expect(detail.effects.filter((e) => e.kind === "set-timer").every((e) => e.delivery === undefined)).toBe(
      true,
    );
  });

  it("takes at most STATUS_FORM_REPLIES_PER_HOUR replies an hour from the form, then points to the mail", async () => {
    const w = memoryWorld();
    const { ticketId, link } = await open(
      w,
      "ana@cliente.test",
      "La impresora no imprime",
      "No imprime nada.",
    );
    for (let n = 1; n <= STATUS_FORM_REPLIES_PER_HOUR; n++)
      expect((await post(w, link, { text: `Mensaje ${n}` })).status).toBe(200);
    const refused = await post(w, link, { text: "Uno más" });
    expect(refused.status).toBe(429);
    expect(refused.body).toContain("responde al último correo");
    const applied = async () =>
      (await w.deps.tickets.timeline(ticketId)).filter(
        (e) => e.type === "client-reply" && e.data?.outcome === "applied",
      ).length;
    expect(await applied()).toBe(STATUS_FORM_REPLIES_PER_HOUR);
    w.advance(61 * 60_000);
    expect((await post(w, link, { text: "Una hora después" })).status).toBe(200);
    expect(await applied()).toBe(STATUS_FORM_REPLIES_PER_HOUR + 1);
  });
});
