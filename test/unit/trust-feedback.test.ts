/**
 * Issue 14, findings 5 and 7, on the in-memory stores: feedback links that expire and cannot be
 * replayed, in the client's language; staff notices the client loop cap never drops.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { handleApiRequest } from "../../functions/app/api";
import { applyEvent } from "../../functions/app/apply";
import { signedLink, verifySignedLink } from "../../functions/app/feedback-link";
import { receiveMail } from "../../functions/app/inbound";
import { OUTBOUND_PER_ADDRESS_PER_10_MIN, OUTBOUND_WINDOW_SECONDS } from "../../functions/app/limits";
import { memoryWorld } from "../support/memory-world";

const DAY = 86_400_000;
const SECRET = "unit-secret-0123456789";

function world(start = "2026-11-23T08:20:00Z") {
  return memoryWorld({
    start,
    config: { supportLead: "lead@aviso.test", accountManager: "am@aviso.test", tokenSecret: SECRET },
  });
}

function mail(from: string, subject: string, body: string) {
  const headers = {
    From: from,
    To: "soporte@aviso.test",
    Subject: subject,
    "Message-ID": `<${Math.random().toString(36).slice(2)}@cliente.test>`,
    "Content-Type": "text/plain; charset=utf-8",
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`);
}

const recipients = (input: SendEmailCommandInput) =>
  (input.Destination?.ToAddresses ?? []).map((to) => /<([^>]+)>/.exec(to)?.[1] ?? to);
const bodyOf = (input: SendEmailCommandInput) =>
  `${input.Content?.Simple?.Body?.Text?.Data ?? ""}\n${input.Content?.Simple?.Body?.Html?.Data ?? ""}`;

type World = ReturnType<typeof world>;

/** A resolved ticket of one client; returns the feedback link its resolution mail carried. */
async function resolvedTicket(w: World, from: string, subject: string, body: string) {
  const outcome = await receiveMail(w.deps, mail(from, subject, body));
  if (outcome.outcome !== "applied") throw new Error(`not opened: ${JSON.stringify(outcome)}`);
  const ticketId = outcome.ticketId;
  await applyEvent(w.deps, {
    type: "resolve",
    id: `r-${ticketId}`,
    ticketId,
    actor: "lucia@aviso.test",
    fix: "Driver reinstalled.",
  });
  const before = w.sent.length;
  await w.drain();
  const resolution = w.sent.slice(before).find((m) => bodyOf(m).includes("/feedback/"));
  if (!resolution) throw new Error("the resolution mail carries no feedback link");
  const link = /https?:\/\/[^\s"'<>]+\/feedback\/T-\d+\?[^\s"'<>\])]+/.exec(bodyOf(resolution))?.[0];
  if (!link) throw new Error("no link found");
  const url = new URL(link.replaceAll("&amp;", "&"));
  return { ticketId, url, query: Object.fromEntries(url.searchParams) };
}

const post = (w: World, url: URL, body: string) =>
  handleApiRequest(w.deps, {
    method: "POST",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    body,
    contentType: "application/x-www-form-urlencoded",
  });
const get = (w: World, url: URL) =>
  handleApiRequest(w.deps, {
    method: "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
  });

describe("feedback links (issue 14, finding 7)", () => {
  it("three POSTs of the same feedback: one stored feedback, one thanks mail, one low-rating alert", async () => {
    const w = world();
    const { ticketId, url } = await resolvedTicket(
      w,
      "Ana <ana@cliente.es>",
      "No imprime",
      "Desde ayer no imprime la impresora de la oficina.",
    );
    const before = w.sent.length;
    for (let i = 0; i < 3; i++) {
      const response = await post(w, url, "rating=1&comment=Lento");
      expect(response.status).toBe(200);
      w.advance(60_000);
    }
    await w.drain();
    const after = w.sent.slice(before);
    expect(await w.deps.feedback.feedback()).toHaveLength(1);
    const thanks = after.filter((m) => recipients(m).includes("ana@cliente.es"));
    expect(thanks).toHaveLength(1);
    const alerts = after.filter((m) => recipients(m).includes("lead@aviso.test"));
    expect(alerts.length).toBeLessThanOrEqual(1);
    expect((await w.deps.tickets.load(ticketId))?.feedback?.rating).toBe(1);
  });

  it("a second, different submission updates the one feedback and thanks nobody twice", async () => {
    const w = world();
    const { ticketId, url } = await resolvedTicket(
      w,
      "Ana <ana@cliente.es>",
      "No imprime",
      "Desde ayer no imprime la impresora de la oficina.",
    );
    const before = w.sent.length;
    expect((await post(w, url, "rating=5")).status).toBe(200);
    w.advance(60_000);
    expect((await post(w, url, "rating=2&comment=Volvió+a+fallar")).status).toBe(200);
    w.advance(60_000);
    expect((await post(w, url, "rating=1&comment=Peor")).status).toBe(200);
    await w.drain();
    const stored = await w.deps.feedback.feedback();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ ticketId, rating: 1, comment: "Peor" });
    const after = w.sent.slice(before);
    expect(after.filter((m) => recipients(m).includes("ana@cliente.es"))).toHaveLength(1);
    // The rating fell low once: the lead hears of it once.
    expect(after.filter((m) => recipients(m).includes("lead@aviso.test"))).toHaveLength(1);
  });

  it("a link past its expiry is refused (403); within it, it works", async () => {
    const w = world();
    const { url, query } = await resolvedTicket(
      w,
      "Ana <ana@cliente.es>",
      "No imprime",
      "Desde ayer no imprime la impresora de la oficina.",
    );
    expect(query.exp).toMatch(/^\d+$/);
    w.advance(59 * DAY);
    expect((await get(w, url)).status).toBe(200);
    w.advance(2 * DAY);
    expect((await get(w, url)).status).toBe(403);
    expect((await post(w, url, "rating=4")).status).toBe(403);
    expect(await w.deps.feedback.feedback()).toHaveLength(0);
  });

  it("a tampered signature, a moved expiry, another ticket's link and an old link without expiry are refused", async () => {
    const w = world();
    const { ticketId, url, query } = await resolvedTicket(
      w,
      "Ana <ana@cliente.es>",
      "No imprime",
      "Desde ayer no imprime la impresora de la oficina.",
    );
    const sig = query.sig ?? "";
    const flipped = `${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`;
    const variants: Record<string, string>[] = [
      { ...query, sig: flipped },
      { ...query, sig: `${sig}x` },
      { ...query, sig: "" },
      { ...query, exp: String(Number(query.exp) + 30 * 86_400) },
      { sig },
    ];
    for (const variant of variants) {
      const response = await handleApiRequest(w.deps, { method: "GET", path: url.pathname, query: variant });
      expect(response.status, JSON.stringify(variant)).toBe(403);
      // One language: the installation's, since a forged link's ticket cannot choose it.
      expect(response.body).toBe(
        w.deps.config.defaultLocale === "es"
          ? "Este enlace de valoración no es válido."
          : "This feedback link is not valid.",
      );
    }
    const other = `/feedback/T-${Number(ticketId.slice(2)) + 1}`;
    expect((await handleApiRequest(w.deps, { method: "GET", path: other, query })).status).toBe(403);
    // The link of before issue 14: a static HMAC of the ticket id, without expiry.
    const { createHmac } = await import("node:crypto");
    const legacy = createHmac("sha256", SECRET)
      .update(`aviso-feedback:${ticketId}`)
      .digest("base64url")
      .slice(0, 16);
    expect(
      (await handleApiRequest(w.deps, { method: "GET", path: url.pathname, query: { sig: legacy } })).status,
    ).toBe(403);
  });

  it("the form and the thanks page are in the ticket's language", async () => {
    const w = world();
    const en = await resolvedTicket(
      w,
      "John <john@client.example>",
      "Printer not working",
      "Hello, since yesterday the office printer does not print anything. Could you please help us?",
    );
    expect((await w.deps.tickets.load(en.ticketId))?.client.locale).toBe("en");
    const form = await get(w, en.url);
    expect(form.status).toBe(200);
    expect(form.body).toContain('lang="en"');
    expect(form.body).toContain("How did we do");
    expect(form.body).not.toContain("¿Qué tal");
    // The form posts back to the same signed link, expiry included.
    expect(form.body).toContain(`exp=${en.query.exp}`);
    const thanks = await post(w, en.url, "rating=5");
    expect(thanks.body).toContain("Thank you");
    expect(thanks.body).not.toContain("Gracias");

    const es = await resolvedTicket(
      w,
      "Ana <ana@cliente.es>",
      "No imprime",
      "Desde ayer no imprime la impresora de la oficina.",
    );
    const formEs = await get(w, es.url);
    expect(formEs.body).toContain('lang="es"');
    expect(formEs.body).toContain("¿Qué tal lo hemos hecho?");
    expect(formEs.body).not.toContain("How did we do");
    const thanksEs = await post(w, es.url, "rating=5");
    expect(thanksEs.body).toContain("Gracias");
    expect(thanksEs.body).not.toContain("Thank you");
  });

  it("signedLink is generic: the ticket and the expiry are signed, the secret is checked", () => {
    const expiresAt = new Date("2027-01-01T00:00:00Z");
    const link = new URL(signedLink("https://s.example/status/", "T-1001", SECRET, expiresAt));
    expect(link.pathname).toBe("/status/T-1001");
    const q = Object.fromEntries(link.searchParams);
    expect(q.exp).toBe(String(expiresAt.getTime() / 1000));
    const before = new Date("2026-12-31T23:59:59Z");
    expect(verifySignedLink("T-1001", q, SECRET, before)).toBe("valid");
    expect(verifySignedLink("T-1001", q, SECRET, new Date("2027-01-01T00:00:01Z"))).toBe("expired");
    expect(verifySignedLink("T-1002", q, SECRET, before)).toBe("invalid");
    expect(verifySignedLink("T-1001", q, "another-secret-0123456789", before)).toBe("invalid");
    expect(verifySignedLink("T-1001", { ...q, exp: `${q.exp}0` }, SECRET, before)).toBe("invalid");
    expect(verifySignedLink("T-1001", {}, SECRET, before)).toBe("invalid");
    expect(verifySignedLink("T-1001", undefined, SECRET, before)).toBe("invalid");
  });
});

describe("staff notices and the client loop cap (issue 14, finding 5)", () => {
  it("12 new tickets from 12 senders within six minutes give 12 technician notices", async () => {
    const w = world();
    for (let i = 1; i <= 12; i++) {
      await receiveMail(
        w.deps,
        mail(`Cliente ${i} <c${i}@cliente${i}.es>`, `Incidencia ${i}`, `La impresora ${i} no imprime.`),
      );
      await w.drain();
      w.advance(30_000);
    }
    const notices = w.sent.filter((m) => recipients(m).includes("lucia@aviso.test"));
    expect(notices).toHaveLength(12);
    for (let i = 1; i <= 12; i++) {
      const items = await w.deps.outbox.list(`T-${1000 + i}`);
      const notice = items.find((item) => item.effect.kind === "notify");
      expect(notice?.result?.outcome, `T-${1000 + i}`).toBe("sent");
    }
  });

  it("call tasks, low-rating alerts and escalation copies go out past the per-address cap", async () => {
    const w = world();
    const outcome = await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime la impresora de la oficina."),
    );
    if (outcome.outcome !== "applied") throw new Error("not opened");
    await w.drain();
    const now = w.deps.clock.now();
    for (let i = 0; i < OUTBOUND_PER_ADDRESS_PER_10_MIN; i++)
      await w.deps.throttle.recordMailSent(
        ["lucia@aviso.test", "lead@aviso.test", "am@aviso.test"],
        true,
        OUTBOUND_WINDOW_SECONDS,
        now,
      );
    await applyEvent(w.deps, {
      type: "escalate",
      id: "e1",
      ticketId: outcome.ticketId,
      actor: "lucia@aviso.test",
      escalatedTo: "el fabricante",
      text: "Lo revisa el fabricante.",
    });
    await applyEvent(w.deps, { type: "feedback", id: "f1", ticketId: outcome.ticketId, rating: 1 });
    await w.drain();
    const items = await w.deps.outbox.list(outcome.ticketId);
    const staff = items.filter((item) => item.effect.kind === "notify" || item.effect.kind === "call-task");
    const byKind = staff.map((item) => [
      item.effect.kind === "notify" ? item.effect.template : item.effect.kind,
      item.result?.outcome,
    ]);
    expect(byKind).toEqual(
      expect.arrayContaining([
        ["call-task", "sent"],
        ["escalation-copy", "sent"],
        ["low-rating", "sent"],
      ]),
    );
  });

  it("the client is still capped, and so is the answer to a technician's own mail (the one staff loop)", async () => {
    const w = world();
    const outcome = await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime la impresora de la oficina."),
    );
    if (outcome.outcome !== "applied") throw new Error("not opened");
    await w.drain();
    const now = w.deps.clock.now();
    for (let i = 0; i < OUTBOUND_PER_ADDRESS_PER_10_MIN; i++)
      await w.deps.throttle.recordMailSent(
        ["ana@cliente.es", "lucia@aviso.test"],
        true,
        OUTBOUND_WINDOW_SECONDS,
        now,
      );
    await applyEvent(w.deps, {
      type: "diagnosis",
      id: "d1",
      ticketId: outcome.ticketId,
      actor: "lucia@aviso.test",
      text: "El driver.",
    });
    await applyEvent(w.deps, {
      type: "command-error",
      id: "ce1",
      ticketId: outcome.ticketId,
      actor: "lucia@aviso.test",
      reason: "unknown command",
      text: "#foo",
    });
    await w.drain();
    const items = await w.deps.outbox.list(outcome.ticketId);
    const diagnosis = items.find((i) => i.effect.kind === "send-client" && i.effect.template === "diagnosis");
    expect(diagnosis?.result).toMatchObject({ outcome: "suppressed", skipped: [{ why: "loop-cap" }] });
    const commandError = items.find(
      (i) => i.effect.kind === "notify" && i.effect.template === "command-error",
    );
    expect(commandError?.result).toMatchObject({ outcome: "suppressed", skipped: [{ why: "loop-cap" }] });
  });
});
