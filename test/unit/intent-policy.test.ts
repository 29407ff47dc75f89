import { describe, expect, it } from "vitest";
import {
  type Decision,
  decide,
  parseEvent,
  policySettings,
  type Ticket,
  type TicketEventInput,
} from "../../functions/core";
import { replyIntent } from "../../functions/mail/intent";

/**
 * Issue 14, finding 6: a client's words after a resolution, read by replyIntent, then decided.
 * "Any client text after a resolution reaches the technicians."
 */
const settings = policySettings();
const tech = { address: "lucia@support.example", name: "Lucía" };
const client = { address: "ana@cliente.example", name: "Ana" };

function resolvedTicket() {
  let ticket: Ticket | undefined;
  let n = 0;
  const apply = (at: string, event: Record<string, unknown>): Decision => {
    n += 1;
    const input = { id: `e${n}`, ticketId: "T-1042", ...event } as TicketEventInput;
    const decision = decide(ticket, parseEvent(input), at, settings);
    ticket = decision.ticket;
    return decision;
  };
  apply("2026-11-23T08:15:00Z", {
    type: "client-new",
    from: client,
    subject: "La impresora no imprime",
    text: "Desde ayer no imprime.",
    locale: "es",
  });
  apply("2026-11-23T12:00:00Z", { type: "resolve", actor: tech, text: "Reinstalado el driver" });
  const reply = (text: string) =>
    apply("2026-11-24T09:00:00Z", { type: "client-reply", from: client, text, intent: replyIntent(text) });
  return { reply, ticket: () => ticket as Ticket };
}

const toTechnicians = (d: Decision, text: string) =>
  d.effects.some(
    (e) =>
      e.kind === "notify" &&
      (e.template === "client-replied" || e.template === "ticket-reopened") &&
      (e.data as { text?: string }).text === text,
  );

describe("a client's reply after a resolution reaches the technicians", () => {
  it.each(["Thanks, but it still fails", "Muchas gracias. Sigue sin imprimir."])(
    "%j reopens the ticket and the technicians read it",
    (text) => {
      const s = resolvedTicket();
      const decision = s.reply(text);
      expect(s.ticket().status).toBe("open");
      expect(toTechnicians(decision, text)).toBe(true);
    },
  );

  it.each([
    "Mañana lo pruebo y os digo.",
    "Gracias. ¿Podéis mirar también el monitor de la sala de reuniones?",
    "Funciona, gracias. Por cierto, el lunes cambiamos de oficina.",
  ])("%j (other) leaves the ticket resolved and the technicians read it", (text) => {
    const s = resolvedTicket();
    const decision = s.reply(text);
    expect(s.ticket().status).toBe("resolved");
    expect(toTechnicians(decision, text)).toBe(true);
  });

  it("a confirmation closes the ticket and the technicians still read what the client wrote", () => {
    const text = "Ya funciona, muchas gracias. Que tengáis buen fin de semana.";
    expect(replyIntent(text)).toBe("confirm");
    const s = resolvedTicket();
    const decision = s.reply(text);
    expect(s.ticket().status).toBe("closed");
    expect(toTechnicians(decision, text)).toBe(true);
    const notices = decision.effects.filter((e) => e.kind === "notify");
    // The notice says the ticket closed on it, so nobody answers into a closed thread unawares.
    expect(notices.find((e) => e.template === "client-replied")?.data).toMatchObject({
      closedBecause: "confirmed",
      clientAddress: client.address,
    });
    expect(decision.effects.filter((e) => e.kind === "send-client").map((e) => e.template)).toEqual([
      "closure",
    ]);
  });
});
