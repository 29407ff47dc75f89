/**
 * Issue 14, finding 10 (forgetting): a ticket's timeline points at the raw mail each event came
 * from (`data.rawRef`), so forgetting a client erases that mail too. mailEvent() puts the reference
 * in every mail-born event; the policy hands it to the timeline entry whatever became of the event.
 */
import { describe, expect, it } from "vitest";
import { applyEvent } from "../../functions/app/apply";
import { mailEvent } from "../../functions/app/mail-event";
import { decide, parseEvent, policySettings, type Ticket } from "../../functions/core";
import { inspectMail } from "../../functions/mail/inspect";
import { memoryWorld } from "../support/memory-world";

const context = {
  supportAddress: "soporte@aviso.test",
  technicians: ["lucia@aviso.test"],
  tokenSecret: "unit-secret-0123456789",
  technicianTimeZone: "Europe/Madrid",
  trustTechniciansWithoutAuthentication: true,
};

function raw(from: string, subject: string, body: string) {
  return Buffer.from(
    [
      `From: ${from}`,
      "To: soporte@aviso.test",
      `Subject: ${subject}`,
      `Message-ID: <${Math.random().toString(36).slice(2)}@x.test>`,
      "In-Reply-To: <earlier@x.test>",
      "Content-Type: text/plain; charset=utf-8",
      "",
      body,
    ].join("\r\n"),
  );
}

async function eventOf(from: string, body: string, opensTicket: boolean, rawRef?: string) {
  const inspection = await inspectMail(raw(from, "Re: [#T-1001] No imprime", body), context);
  const sender = inspection.mail?.from?.address ?? "";
  return parseEvent(
    mailEvent(inspection, {
      ticketId: "T-1001",
      opensTicket,
      eventId: `mail:${Math.random()}`,
      messageId: "<m@x.test>",
      from: { address: sender },
      actor: { address: sender },
      defaultLocale: "es",
      ...(rawRef ? { rawRef } : {}),
    }),
  );
}

describe("mail-born events carry where their raw mail is kept", () => {
  it.each([
    ["client-new", "ana@cliente.es", "Desde ayer no imprime.", true],
    ["client-reply", "ana@cliente.es", "Sigue sin imprimir.", false],
    ["diagnosis", "lucia@aviso.test", "#diagnostico el driver está corrupto", false],
    ["reply", "lucia@aviso.test", "Te llamo en cinco minutos.", false],
    ["command-error", "lucia@aviso.test", "#nonsense", false],
    ["cc", "lucia@aviso.test", "#cc bea@cliente.es", false],
  ] as const)("%s", async (type, from, body, opens) => {
    const event = await eventOf(from, body, opens, "s3://aviso-raw/inbound/abc");
    expect(event.type).toBe(type);
    expect(event).toMatchObject({ rawRef: "s3://aviso-raw/inbound/abc" });
  });

  it("without a reference the event has none (API events and callers that keep no mail)", async () => {
    expect(await eventOf("ana@cliente.es", "Hola", true)).not.toHaveProperty("rawRef");
  });

  it("a reference is at most 1,000 characters", () => {
    const event = {
      type: "client-reply",
      id: "e1",
      ticketId: "T-1001",
      from: { address: "ana@cliente.es" },
      text: "hola",
    };
    expect(() => parseEvent({ ...event, rawRef: "x".repeat(1_001) })).toThrow(/rawRef/);
    expect(parseEvent({ ...event, rawRef: "x".repeat(1_000) })).toMatchObject({ type: "client-reply" });
  });
});

describe("the policy hands the reference to the event's timeline entry", () => {
  const settings = policySettings();
  const opening = parseEvent({
    type: "client-new",
    id: "m1",
    ticketId: "T-1001",
    from: { address: "ana@cliente.es" },
    subject: "No imprime",
    text: "Desde ayer no imprime.",
    rawRef: "memory://m1",
  });

  it("applied, duplicate and rejected events all say where their mail is", () => {
    const opened = decide(undefined, opening, "2026-11-23T08:15:00Z", settings);
    expect(opened).toMatchObject({ outcome: "applied", timelineData: { rawRef: "memory://m1" } });
    const ticket = opened.ticket as Ticket;
    const again = decide(ticket, opening, "2026-11-23T08:16:00Z", settings);
    expect(again).toMatchObject({ outcome: "duplicate", timelineData: { rawRef: "memory://m1" } });
    const early = parseEvent({
      type: "resolve",
      id: "m2",
      ticketId: "T-1001",
      actor: "lucia@aviso.test",
      fix: "x",
      rawRef: "memory://m2",
    });
    const closed = decide({ ...ticket, status: "closed" }, early, "2026-11-23T09:00:00Z", settings);
    expect(closed).toMatchObject({ outcome: "rejected", timelineData: { rawRef: "memory://m2" } });
  });

  it("an event without a reference adds nothing to its entry", () => {
    const { rawRef: _, ...api } = opening as typeof opening & { rawRef?: string };
    expect(decide(undefined, parseEvent(api), "2026-11-23T08:15:00Z", settings)).not.toHaveProperty(
      "timelineData",
    );
  });

  // The entry itself is written by the stores' eventEntry (functions/store/tickets.ts), which copies
  // decision.timelineData into entry.data.
  it("the stored timeline entry carries data.rawRef", async () => {
    const w = memoryWorld();
    await applyEvent(w.deps, opening, { newTicket: true });
    const timeline = await w.deps.tickets.timeline("T-1001");
    expect(timeline.find((e) => e.kind === "event")?.data).toMatchObject({ rawRef: "memory://m1" });
  });
});
