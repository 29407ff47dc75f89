import { describe, expect, it } from "vitest";
import {
  type CalendarSpec,
  type Decision,
  decide,
  type Effect,
  type PolicySettings,
  parseEvent,
  policySettings,
  type Ticket,
  type TicketEventInput,
} from "../../functions/core";

/**
 * The tone coach inside the policy (issue 17): a technician's client-bound text the coach flags is
 * held, the technician is told why, and #send / #enviar sends it as written.
 */
const MADRID: CalendarSpec = { timeZone: "Europe/Madrid", holidays: { country: "ES" } };
const tech = { address: "lucia@support.example", name: "Lucía" };
const RISKY_PLAN = "Mañana sin falta estará arreglado, es imposible que vuelva a fallar.";

function story(settings: PolicySettings = policySettings()) {
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
    from: { address: "ana@cliente.example", name: "Ana" },
    subject: "La impresora de etiquetas no imprime",
    text: "Desde la actualización no imprime.",
    locale: "es",
    calendar: MADRID,
  });
  return { apply, ticket: () => ticket as Ticket };
}

const sends = (d: Decision) =>
  d.effects.filter((e): e is Extract<Effect, { kind: "send-client" }> => e.kind === "send-client");
const coachMails = (d: Decision) =>
  d.effects.filter(
    (e): e is Extract<Effect, { kind: "notify" }> => e.kind === "notify" && e.template === "coach",
  );

describe("the tone coach holds a flagged client-bound text", () => {
  it("holds a #plan with 'sin falta' and 'imposible', tells its technician, and #enviar sends it as written", () => {
    const s = story();
    const before = s.ticket();
    const held = s.apply("2026-11-23T10:00:00Z", { type: "plan", actor: tech, text: RISKY_PLAN });
    expect(held.outcome).toBe("applied");
    expect(held.reason).toMatch(/held by the tone coach/);
    expect(sends(held)).toEqual([]);
    const [mail] = coachMails(held);
    expect(coachMails(held)).toHaveLength(1);
    expect(mail).toMatchObject({ audience: "technician", to: tech });
    const phrases = (mail?.data.coach ?? []).map((f) => f.phrase.toLowerCase());
    expect(phrases).toContain("sin falta");
    expect(phrases.some((p) => p.includes("imposible"))).toBe(true);
    for (const flag of mail?.data.coach ?? []) {
      expect(flag.why.length).toBeGreaterThan(10);
      expect(flag.suggestion.length).toBeGreaterThan(10);
    }
    expect(mail?.data.text).toBe(RISKY_PLAN);
    // Nothing of the plan is the ticket's yet: the client was told nothing.
    expect(s.ticket().plan).toBeUndefined();
    expect(s.ticket().lastClientMessageAt).toBe(before.lastClientMessageAt);
    expect(s.ticket().counters.clientMessages).toBe(before.counters.clientMessages);
    expect(s.ticket().held).toHaveLength(1);

    const sent = s.apply("2026-11-23T10:30:00Z", { type: "enviar", actor: tech });
    expect(sent.outcome).toBe("applied");
    expect(sends(sent)).toHaveLength(1);
    expect(sends(sent)[0]).toMatchObject({ template: "plan", data: { text: RISKY_PLAN } });
    expect(coachMails(sent)).toEqual([]);
    expect(s.ticket().plan?.text).toBe(RISKY_PLAN);
    expect(s.ticket().held).toBeUndefined();
    expect(s.ticket().lastClientMessageAt).toBe("2026-11-23T10:30:00.000Z");

    // Sent once: a second #enviar has nothing to send, and says so to the technician.
    const again = s.apply("2026-11-23T10:31:00Z", { type: "send", actor: tech });
    expect(sends(again)).toEqual([]);
    expect(again.outcome).toBe("rejected");
    expect(again.effects).toMatchObject([{ kind: "notify", template: "command-error" }]);
  });

  it("sends a clean text at once, and accepts the ETA's own day in the text", () => {
    const s = story();
    const d = s.apply("2026-11-23T10:00:00Z", {
      type: "plan",
      actor: tech,
      text: "Cambiamos el controlador y lo probamos contigo mañana.",
      eta: "2026-11-24 12:00",
    });
    expect(sends(d).map((e) => e.template)).toEqual(["plan"]);
    expect(coachMails(d)).toEqual([]);
    expect(s.ticket().held).toBeUndefined();
  });

  it("replaces a held message with a new command of the same kind, coached again", () => {
    const s = story();
    s.apply("2026-11-23T10:00:00Z", {
      type: "diagnosis",
      actor: tech,
      text: "No es culpa nuestra: falla el driver.",
    });
    const again = s.apply("2026-11-23T10:05:00Z", {
      type: "diagnosis",
      actor: tech,
      text: "Te lo garantizo: es el driver.",
    });
    expect(sends(again)).toEqual([]);
    expect(coachMails(again)[0]?.data.replaced).toBe(true);
    expect(s.ticket().held?.map((h) => h.event.text)).toEqual(["Te lo garantizo: es el driver."]);
    const clean = s.apply("2026-11-23T10:10:00Z", {
      type: "diagnosis",
      actor: tech,
      text: "La actualización cambió el controlador de la impresora.",
    });
    expect(sends(clean).map((e) => e.template)).toEqual(["diagnosis"]);
    expect(s.ticket().held).toBeUndefined();
    expect(s.ticket().diagnosis?.text).toBe("La actualización cambió el controlador de la impresora.");
  });

  it("never blocks a command of another kind; a held diagnosis the ticket moved past is refused on #send", () => {
    const s = story();
    s.apply("2026-11-23T10:00:00Z", { type: "diagnosis", actor: tech, text: "Es imposible arreglarlo hoy." });
    const resolved = s.apply("2026-11-23T11:00:00Z", {
      type: "resolve",
      actor: tech,
      cause: "Un controlador defectuoso.",
      fix: "Volvimos al controlador anterior.",
    });
    expect(sends(resolved).map((e) => e.template)).toEqual(["resolution"]);
    expect(s.ticket().held?.map((h) => h.event.type)).toEqual(["diagnosis"]);
    const send = s.apply("2026-11-23T11:05:00Z", { type: "send-held", actor: tech });
    expect(sends(send)).toEqual([]);
    expect(send.effects).toMatchObject([{ kind: "notify", template: "command-error" }]);
    expect(s.ticket().held).toBeUndefined();
    expect(s.ticket().diagnosis).toBeUndefined();
  });

  it("holds a resolution without resolving: the client is not told of a resolution they never received", () => {
    const s = story();
    const d = s.apply("2026-11-23T11:00:00Z", {
      type: "resolve",
      actor: tech,
      cause: "Culpa del fabricante.",
      fix: "Cambiado el controlador; ya no vuelve a fallar seguro que no.",
      text: "x",
    });
    const flagged = coachMails(d)[0]?.data.coach?.length ?? 0;
    expect(flagged).toBeGreaterThan(0);
    expect(s.ticket().status).toBe("open");
    expect(s.ticket().timers.update ?? s.ticket().timers.eod).toBeDefined();
    const sent = s.apply("2026-11-23T11:30:00Z", { type: "send-held", actor: tech });
    expect(sends(sent).map((e) => e.template)).toEqual(["resolution"]);
    expect(s.ticket().status).toBe("resolved");
  });

  it("holds updates and personal replies too, and #send releases every held kind in the order written", () => {
    const s = story();
    s.apply("2026-11-23T10:00:00Z", { type: "reply", actor: tech, text: "Deberías haber reiniciado antes." });
    s.apply("2026-11-23T10:01:00Z", { type: "update", actor: tech, text: "Seguro que mañana queda." });
    expect(s.ticket().progress).toEqual([]);
    expect(s.ticket().held?.map((h) => h.event.type)).toEqual(["reply", "update"]);
    const sent = s.apply("2026-11-23T10:30:00Z", { type: "send-held", actor: tech });
    // The reply went first, as written first; the update is the next digest's progress.
    expect(s.ticket().progress.map((p) => p.text)).toEqual(["Seguro que mañana queda."]);
    expect(sends(sent)).toMatchObject([
      { template: "personal-reply", automatic: false, data: { text: "Deberías haber reiniciado antes." } },
    ]);
  });

  it("is off when the settings say so: the text goes at once, as before", () => {
    const s = story(policySettings({ coach: false }));
    const d = s.apply("2026-11-23T10:00:00Z", { type: "plan", actor: tech, text: RISKY_PLAN });
    expect(sends(d)).toMatchObject([{ template: "plan", data: { text: RISKY_PLAN } }]);
    expect(coachMails(d)).toEqual([]);
    expect(s.ticket().held).toBeUndefined();
  });

  it("keeps the client from silence while a held message waits two business days unsent", () => {
    const s = story();
    s.apply("2026-11-23T10:00:00Z", { type: "diagnosis", actor: tech, text: "Es imposible saberlo aún." });
    // The end-of-day notice still goes: a held diagnosis is no diagnosis for the client.
    const eod = s.ticket().timers.eod as string;
    expect(eod).toBeDefined();
    const notice = s.apply(eod, { type: "timer", name: "eod", dueAt: eod });
    expect(sends(notice).map((e) => e.template)).toEqual(["end-of-day"]);
    for (const day of [1, 2]) {
      const due = s.ticket().timers.update as string;
      expect(due, `update armed on day ${day}`).toBeDefined();
      const update = s.apply(due, { type: "timer", name: "update", dueAt: due });
      expect(sends(update).map((e) => e.template)).toEqual(["still-on-it"]);
    }
    expect(s.ticket().held).toHaveLength(1);
  });
});
