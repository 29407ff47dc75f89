import { describe, expect, it } from "vitest";
import type { MessageData, Ticket } from "../../functions/core";
import { EffectSchema, parseItem, TicketSchema } from "../../functions/store/items";

// Every field of the model, filled: a field added to Ticket or MessageData breaks the compile here
// until the fixture has it, and the round trip below fails until store/items.ts keeps it. A schema
// that strips a field loses it on the first read from the table (it did: `held`, `clientAuthenticated`).
const at = "2026-11-24T09:00:00.000Z";

const ticket = {
  id: "T-1042",
  version: 7,
  status: "open",
  subject: "La impresora no imprime",
  request: "Desde ayer no imprime.",
  client: {
    address: "ana@cliente.es",
    name: "Ana",
    locale: "es",
    calendar: { timeZone: "Europe/Madrid", hours: { start: "09:00", end: "18:00" } },
  },
  openedAt: at,
  technician: { address: "lucia@aviso.example", name: "Lucía" },
  copied: ["pedro@cliente.es"],
  clientAuthenticated: false,
  summary: "Impresora de la oficina",
  diagnosis: { text: "Fusor gastado", at },
  plan: { text: "Cambiar el fusor", eta: "2026-11-25 12:00", alternatives: "Imprimir en la otra", at },
  escalations: [{ to: "HP", why: "garantía", at }],
  resolution: { cause: "Fusor", fix: "Cambiado", at },
  feedback: { rating: 5, comment: "Genial", idea: "Chat", at },
  progress: [{ text: "Pedido el fusor", at }],
  lastClientMessageAt: at,
  endOfDayNoticeDate: "2026-11-24",
  timers: { eod: at, update: at, reminder: at, "confirm-timeout": at },
  counters: { clientMessages: 3, reopenings: 0, escalations: 1, planChanges: 0 },
  closedAt: at,
  seenEventIds: ["e1"],
  held: [
    {
      event: {
        type: "plan",
        id: "mail:<p@aviso.example>",
        ticketId: "T-1042",
        actor: { address: "lucia@aviso.example", name: "Lucía" },
        text: "Mañana sin falta estará arreglado.",
      } as Required<Ticket>["held"][number]["event"],
      flags: [{ phrase: "sin falta", rule: "promise", why: "Promete menos.", suggestion: "Di qué harás." }],
      at,
    },
  ],
} satisfies Required<Ticket>;

// The weekly report is rendered and sent where it is built (app/report.ts), never stored in the outbox.
const data = {
  ticketId: "T-1042",
  subject: "La impresora no imprime",
  clientName: "Ana",
  technicianName: "Lucía",
  request: "Desde ayer no imprime.",
  text: "Texto",
  summary: "Resumen",
  diagnosis: "Fusor",
  eta: at,
  previousEta: at,
  forecastMoved: true,
  alternatives: "Otra impresora",
  escalatedTo: "HP",
  cause: "Fusor",
  fix: "Cambiado",
  progress: ["Pedido"],
  plan: "Cambiar",
  afterHours: false,
  askFeedback: true,
  closedBecause: "confirmed",
  rating: 4,
  comment: "Bien",
  idea: "Chat",
  reason: "motivo",
  clientAddress: "ana@cliente.es",
  dueAt: at,
  coach: [{ phrase: "sin falta", rule: "promise", why: "Promete menos.", suggestion: "Di qué harás." }],
  command: "#plan",
  replaced: true,
  similar: [{ code: "T-1001", subject: "Zebra en blanco", cause: "Sensor", fix: "Calibrado" }],
  attachments: [
    {
      name: "error.png",
      contentType: "image/png",
      size: 2048,
      sizeLabel: "2 KB",
      sha256: "a".repeat(64),
      ref: "attachments/T-1042/aaaa/error.png",
      url: "http://127.0.0.1:3000/attachments/T-1042/aaaa?exp=1&sig=x",
      notKept: "larger than 10 MiB",
    },
  ],
} satisfies Required<Omit<MessageData, "report">>;

describe("item schemas keep every field of the model", () => {
  it("a ticket with every field reads back whole", () => {
    expect(parseItem(TicketSchema, structuredClone(ticket), "ticket")).toEqual(ticket);
  });

  it("message data with every field reads back whole", () => {
    const effect = { id: "x", kind: "notify", audience: "technicians", template: "staff-coach", data };
    expect(parseItem(EffectSchema, structuredClone(effect), "effect")).toEqual(effect);
  });

  it("a held command that is not one is refused where it is read", () => {
    const broken = { ...ticket, held: [{ event: { type: "note" }, flags: [], at }] };
    expect(() => parseItem(TicketSchema, broken, "ticket")).toThrow(/ticket/);
  });
});
