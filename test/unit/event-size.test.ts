/**
 * Issue 14, "cap stored text by bytes, not characters": a DynamoDB item holds at most 400 KB, and a
 * character of the client's text may take four bytes. Whatever a mail says, the event made of it
 * is valid and its texts are capped by bytes, so the ticket, its outbox and timeline items fit.
 */
import { describe, expect, it } from "vitest";
import { receiveMail } from "../../functions/app/inbound";
import { MAIL_TEXT_MAX_BYTES, mailEvent } from "../../functions/app/mail-event";
import { parseEvent } from "../../functions/core";
import { inspectMail } from "../../functions/mail/inspect";
import { memoryWorld } from "../support/memory-world";

const MB = 1024 * 1024;
const ITEM_LIMIT = 400 * 1024;
const bytes = (value: unknown) =>
  Buffer.byteLength(typeof value === "string" ? value : JSON.stringify(value));

const context = {
  supportAddress: "soporte@aviso.test",
  technicians: ["lucia@aviso.test"],
  tokenSecret: "unit-secret-0123456789",
  technicianTimeZone: "Europe/Madrid",
  trustTechniciansWithoutAuthentication: true,
};

function raw(from: string, subject: string, body: string, reply = false) {
  return Buffer.from(
    [
      `From: ${from}`,
      "To: soporte@aviso.test",
      `Subject: ${subject}`,
      `Message-ID: <${Math.random().toString(36).slice(2)}@x.test>`,
      ...(reply ? ["In-Reply-To: <earlier@x.test>"] : []),
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
      "",
      body,
    ].join("\r\n"),
  );
}

/** A megabyte of text in characters of two and of four UTF-8 bytes, in lines like a mail's. */
/** No half of a surrogate pair left alone: a cut fell between characters. */
const wellFormed = (text: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
const megabyteOf = (line: string) => line.repeat(Math.ceil(MB / bytes(line)));
const bodies = {
  "ñ (2 bytes)": megabyteOf(`${"ñ".repeat(70)}\n`),
  "emoji (4 bytes)": megabyteOf(`${"😞".repeat(30)} 🖨️❌\n`),
};

async function eventOf(from: string, subject: string, body: string, opensTicket: boolean) {
  const inspection = await inspectMail(raw(from, subject, body, !opensTicket), context);
  const sender = inspection.mail?.from?.address ?? "";
  return mailEvent(inspection, {
    ticketId: "T-1001",
    opensTicket,
    eventId: "mail:1",
    messageId: "<m@x.test>",
    from: { address: sender, name: "Ana ".repeat(200) },
    actor: { address: sender },
    defaultLocale: "es",
  });
}

describe("texts that go into an event are capped by bytes", () => {
  for (const [name, body] of Object.entries(bodies)) {
    it(`a 1 MB body of ${name}: a valid client-new and client-reply, each text within the cap, cut on a character`, async () => {
      expect(bytes(body)).toBeGreaterThanOrEqual(MB - 64);
      for (const opens of [true, false]) {
        const subject = opens ? "No imprime" : "Re: [#T-1001] No imprime";
        const event = parseEvent(await eventOf("ana@cliente.es", subject, body, opens));
        const text = (event as { text: string }).text;
        expect(event.type).toBe(opens ? "client-new" : "client-reply");
        expect(bytes(text)).toBeLessThanOrEqual(MAIL_TEXT_MAX_BYTES);
        expect(bytes(text)).toBeGreaterThan(MAIL_TEXT_MAX_BYTES - 8);
        expect(wellFormed(text)).toBe(true);
        expect(body.startsWith(text.trim().slice(0, 1_000))).toBe(true);
      }
    });
  }

  it("a technician's megabyte command or personal reply is never cut short on its way to the client: a command error tells them", async () => {
    for (const first of ["#diagnostico ", "#resuelto ", "#escalado proveedor\n", ""]) {
      const long = await eventOf(
        "lucia@aviso.test",
        "Re: [#T-1001] x",
        `${first}${bodies["emoji (4 bytes)"]}`,
        false,
      );
      const event = parseEvent(long);
      expect(event, first).toMatchObject({
        type: "command-error",
        reason: expect.stringMatching(/nothing was applied/),
      });
      for (const value of Object.values(event)) {
        if (typeof value === "string") {
          expect(value.length).toBeLessThanOrEqual(20_000);
          expect(wellFormed(value)).toBe(true);
        }
      }
      const fits = parseEvent(
        await eventOf("lucia@aviso.test", "Re: [#T-1001] x", `${first}${"ñ".repeat(9_000)}`, false),
      );
      expect(fits.type, first).not.toBe("command-error");
    }
  });

  it("a subject and a display name of thousands of multi-byte characters fit the event's limits", async () => {
    const event = parseEvent(await eventOf("ana@cliente.es", "ñ😞".repeat(3_000), "Hola", true));
    expect(event.type).toBe("client-new");
    const opened = event as Extract<typeof event, { type: "client-new" }>;
    expect(opened.subject.length).toBeLessThanOrEqual(998);
    expect(wellFormed(opened.subject)).toBe(true);
    expect((opened.from.name ?? "").length).toBeLessThanOrEqual(200);
  });
});

describe("a megabyte mail through the application", () => {
  for (const [name, body] of Object.entries(bodies)) {
    it(`${name}: opens its ticket (not quarantined) and every item written stays under 400 KB`, async () => {
      const w = memoryWorld();
      const outcome = await receiveMail(w.deps, raw("Ana <ana@cliente.es>", "No imprime", body));
      expect(outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001", newTicket: true });
      const reply = await receiveMail(
        w.deps,
        raw("Ana <ana@cliente.es>", "Re: [#T-1001] No imprime", body, true),
      );
      expect(reply).toMatchObject({ outcome: "applied", ticketId: "T-1001" });
      await w.drain();
      const ticket = await w.deps.tickets.load("T-1001");
      expect(bytes(ticket)).toBeLessThan(ITEM_LIMIT);
      for (const item of await w.deps.outbox.list("T-1001")) expect(bytes(item)).toBeLessThan(ITEM_LIMIT);
      for (const entry of await w.deps.tickets.timeline("T-1001"))
        expect(bytes(entry)).toBeLessThan(ITEM_LIMIT);
    });
  }
});

describe("events from the API are held to the same byte limit", () => {
  const event = (text: string) => ({
    type: "client-new",
    id: "api-1",
    ticketId: "T-1001",
    from: { address: "ana@cliente.es" },
    subject: "No imprime",
    text,
  });

  it("a client text of more than 100,000 UTF-8 bytes is refused with a clear error, whatever its length in characters", () => {
    expect(() => parseEvent(event("😞".repeat(60_000)))).toThrow(/text: .*100,000 bytes/);
    expect(() => parseEvent({ ...event(""), type: "client-reply", text: "ñ".repeat(50_001) })).toThrow(
      /100,000 bytes/,
    );
    expect(parseEvent(event("😞".repeat(25_000)))).toMatchObject({ type: "client-new" });
    expect(parseEvent(event("ñ".repeat(50_000)))).toMatchObject({ type: "client-new" });
  });
});
