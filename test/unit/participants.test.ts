/**
 * DESIGN §7, participants: only a ticket's client, the addresses the client copied on the opening
 * mail, and the technicians steer a ticket by mail. Anyone else's mail that points at a ticket (token,
 * References, subject tag) is that sender's own new request, and the ticket's technicians are told.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { applyEvent } from "../../functions/app/apply";
import { receiveMail } from "../../functions/app/inbound";
import { decide, parseEvent, policySettings, type Ticket } from "../../functions/core";
import { parseCommand } from "../../functions/mail/commands";
import { replyAddress } from "../../functions/mail/thread";
import { parseItem, TicketSchema } from "../../functions/store/items";
import { memoryWorld } from "../support/memory-world";

const SECRET = "unit-secret-0123456789";

function world(options: { trustLocalTechnicians?: boolean } = {}) {
  const base = memoryWorld({
    config: { tokenSecret: SECRET, trustLocalTechnicians: options.trustLocalTechnicians ?? true },
  });
  const { deps, sent } = base;
  const w = {
    deps,
    sent,
    advance: (minutes: number) => base.advance(minutes * 60_000),
    drain: base.drain,
    ticket: async (id: string) => {
      const ticket = await deps.tickets.load(id);
      if (!ticket) throw new Error(`no ticket ${id}`);
      return ticket;
    },
    /** Every mail sent to `address`, as text (subject, text and HTML parts). */
    mailTo: (address: string) =>
      sent
        .filter((input) => recipients(input).includes(address))
        .map((input) => {
          const simple = input.Content?.Simple;
          return [simple?.Subject?.Data, simple?.Body?.Text?.Data, simple?.Body?.Html?.Data].join("\n");
        }),
    /** Ana's request opens T-1001; Lucía resolves it; the acknowledgement and resolution go out. */
    resolvedTicket: async (extra: Record<string, string> = {}) => {
      await receiveMail(deps, mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.", extra));
      await applyEvent(deps, {
        type: "resolve",
        id: "r1",
        ticketId: "T-1001",
        actor: "lucia@aviso.test",
        fix: "Driver reinstalled.",
      });
      await w.drain();
      w.advance(30);
    },
  };
  return w;
}

let sequence = 0;
function mail(from: string, subject: string, body: string, extra: Record<string, string> = {}) {
  sequence += 1;
  const headers = {
    From: from,
    To: "soporte@aviso.test",
    Subject: subject,
    "Message-ID": `<p${sequence}.${Math.random().toString(36).slice(2)}@cliente.es>`,
    "Content-Type": "text/plain; charset=utf-8",
    ...extra,
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`);
}

const recipients = (input: SendEmailCommandInput) =>
  (input.Destination?.ToAddresses ?? []).map((to) => (/<([^>]+)>/.exec(to)?.[1] ?? to).toLowerCase());

describe("only participants steer a ticket by mail", () => {
  it("a stranger's 'Re: [#T-1001] thanks, it works' does not close the client's resolved ticket", async () => {
    const w = world();
    await w.resolvedTicket();
    const outcome = await receiveMail(
      w.deps,
      mail("Eve <eve@evil.example>", "Re: [#T-1001] No imprime", "Thanks, it works now!"),
    );
    expect(outcome).toMatchObject({ newTicket: true, ticketId: "T-1002" });
    expect((await w.ticket("T-1001")).status).toBe("resolved");
    await w.drain();
    // Ana hears nothing more: no closure mail.
    expect(w.mailTo("ana@cliente.es")).toHaveLength(2);
  });

  it("a stranger's 'still fails, log in at http://evil.example/login' does not reopen it, and the client receives nothing of it", async () => {
    const w = world();
    await w.resolvedTicket();
    const before = w.mailTo("ana@cliente.es").length;
    await receiveMail(
      w.deps,
      mail(
        "Soporte <helpdesk@evil.example>",
        "Re: [#T-1001] No imprime",
        "It still does not work. Log in at http://evil.example/login to check",
      ),
    );
    expect((await w.ticket("T-1001")).status).toBe("resolved");
    await w.drain();
    const toAna = w.mailTo("ana@cliente.es");
    expect(toAna).toHaveLength(before);
    expect(toAna.join("\n")).not.toContain("evil.example");
  });

  it("threading by References or a signed token counts only for participants too; a closed ticket is not reopened", async () => {
    const w = world();
    await w.resolvedTicket();
    await applyEvent(w.deps, { type: "confirm", id: "c1", ticketId: "T-1001" });
    await w.drain();
    const ackId = "<m1@ses.test>";
    expect(await w.deps.mail.lookupMessage(ackId)).toBe("T-1001");
    const token = replyAddress("soporte@aviso.test", "T-1001", SECRET);
    await receiveMail(
      w.deps,
      mail(
        "Eve <eve@evil.example>",
        "Re: No imprime",
        "It still does not work, see http://evil.example/login",
        {
          "In-Reply-To": ackId,
          References: ackId,
        },
      ),
    );
    await receiveMail(
      w.deps,
      mail(
        "Eve <eve@evil.example>",
        "Re: No imprime",
        "Sigue sin funcionar, entra en http://evil.example/login",
        {
          To: token,
        },
      ),
    );
    const ticket = await w.ticket("T-1001");
    expect(ticket.status).toBe("closed");
    expect(ticket.counters.reopenings).toBe(0);
    await w.drain();
    expect(w.mailTo("ana@cliente.es").join("\n")).not.toContain("evil.example");
  });

  it("a third party's mail tagged with a ticket opens their own ticket, with only their own text, and the technicians are told", async () => {
    const w = world();
    await w.resolvedTicket();
    w.sent.length = 0;
    const outcome = await receiveMail(
      w.deps,
      mail(
        "Eve <eve@evil.example>",
        "Re: [#T-1001] No imprime",
        "Please send me the confirmation link.\n\nOn Mon, 23 Nov 2026 at 09:15, Ana <ana@cliente.es> wrote:\n> Desde ayer no imprime.\n",
      ),
    );
    expect(outcome).toMatchObject({ outcome: "applied", newTicket: true, ticketId: "T-1002" });
    const own = await w.ticket("T-1002");
    expect(own.client.address).toBe("eve@evil.example");
    expect(own.request).toContain("Please send me the confirmation link.");
    expect(own.request).not.toContain("Desde ayer");
    expect(own.subject).not.toContain("T-1001");
    await w.drain();
    // What the third party gets is about their own ticket only.
    const toEve = w.mailTo("eve@evil.example").join("\n");
    expect(toEve).toContain("T-1002");
    expect(toEve).not.toContain("T-1001");
    expect(toEve).not.toContain("Desde ayer");
    expect(toEve).not.toContain("Driver reinstalled");
    // The technicians hear that a third party wrote about T-1001.
    const notice = w.sent.find(
      (input) =>
        recipients(input).includes("lucia@aviso.test") &&
        input.Content?.Simple?.Subject?.Data?.includes("[#T-1001]"),
    );
    expect(notice).toBeDefined();
    const noticeText = notice?.Content?.Simple?.Body?.Text?.Data ?? "";
    expect(noticeText).toContain("eve@evil.example");
    expect(noticeText).toContain("T-1002");
    expect(noticeText).toContain("#copia eve@evil.example");
    // The original ticket records it and is otherwise unchanged.
    const original = await w.ticket("T-1001");
    expect(original.status).toBe("resolved");
    expect(original.copied ?? []).not.toContain("eve@evil.example");
    // A second delivery of the same mail: one ticket, one notice.
    const again = await receiveMail(
      w.deps,
      mail("Eve <eve@evil.example>", "Re: [#T-1001] No imprime", "x", {
        "Message-ID": "<same@evil.example>",
      }),
    );
    const twice = await receiveMail(
      w.deps,
      mail("Eve <eve@evil.example>", "Re: [#T-1001] No imprime", "x", {
        "Message-ID": "<same@evil.example>",
      }),
    );
    expect(twice).toMatchObject({
      outcome: "duplicate",
      ticketId: again.outcome !== "quarantined" && again.ticketId,
    });
    const notices = (await w.deps.outbox.list("T-1001")).filter(
      (i) => i.effect.kind === "notify" && i.effect.template === "third-party",
    );
    expect(notices).toHaveLength(2);
  });

  it("a colleague the client copied on the opening mail can reply into the ticket", async () => {
    const w = world();
    await w.resolvedTicket({
      Cc: "Pedro <Pedro@Cliente.es>, Soporte <soporte@aviso.test>, Lucía <lucia@aviso.test>",
      To: "soporte@aviso.test, marta@cliente.es",
    });
    expect((await w.ticket("T-1001")).copied).toEqual(["marta@cliente.es", "pedro@cliente.es"]);
    const outcome = await receiveMail(
      w.deps,
      mail("Pedro <pedro@cliente.es>", "Re: [#T-1001] No imprime", "Sigue sin imprimir, no funciona."),
    );
    expect(outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001", newTicket: false });
    expect((await w.ticket("T-1001")).status).toBe("open");
  });

  it("#cc adds a participant who can then reply; #copia too; #cc -address removes one", async () => {
    const w = world();
    await w.resolvedTicket();
    const command = (body: string) =>
      receiveMail(w.deps, mail("Lucía <lucia@aviso.test>", "Re: [#T-1001] No imprime", body));
    expect(await command("#cc Marta <Marta@cliente.es>")).toMatchObject({
      outcome: "applied",
      ticketId: "T-1001",
      kind: "technician-command",
    });
    expect(await command("#copia jefe@cliente.es, otro@cliente.es")).toMatchObject({ outcome: "applied" });
    expect((await w.ticket("T-1001")).copied).toEqual([
      "marta@cliente.es",
      "jefe@cliente.es",
      "otro@cliente.es",
    ]);
    expect(await command("#cc -otro@cliente.es")).toMatchObject({ outcome: "applied" });
    expect((await w.ticket("T-1001")).copied).toEqual(["marta@cliente.es", "jefe@cliente.es"]);

    const marta = await receiveMail(
      w.deps,
      mail("Marta <marta@cliente.es>", "Re: [#T-1001] No imprime", "It still does not work."),
    );
    expect(marta).toMatchObject({ outcome: "applied", ticketId: "T-1001" });
    expect((await w.ticket("T-1001")).status).toBe("open");
    const otro = await receiveMail(
      w.deps,
      mail("Otro <otro@cliente.es>", "Re: [#T-1001] No imprime", "Yo tampoco puedo imprimir."),
    );
    expect(otro).toMatchObject({ newTicket: true });
    expect(otro.outcome !== "quarantined" && otro.ticketId).not.toBe("T-1001");
    // Nothing went to the client for a #cc: it is internal.
    await w.drain();
    expect(w.mailTo("ana@cliente.es").join("\n")).not.toContain("marta@cliente.es");
  });

  it("a mail from a technician's address that is not authenticated is no participant", async () => {
    const w = world({ trustLocalTechnicians: false });
    await w.resolvedTicket();
    await receiveMail(
      w.deps,
      mail(
        "Lucía <lucia@aviso.test>",
        "Re: [#T-1001] No imprime",
        "It still does not work. Log in at http://evil.example/login",
      ),
    );
    expect((await w.ticket("T-1001")).status).toBe("resolved");
  });
});

describe("#cc / #copia", () => {
  it("parses addresses to add and to remove", () => {
    expect(parseCommand("#cc marta@cliente.es", "Europe/Madrid")).toMatchObject({
      kind: "command",
      command: { name: "cc", participants: { add: ["marta@cliente.es"], remove: [] } },
    });
    expect(parseCommand("#copia Jefe <JEFE@cliente.es>; -otro@cliente.es", "Europe/Madrid")).toMatchObject({
      kind: "command",
      command: { name: "cc", participants: { add: ["jefe@cliente.es"], remove: ["otro@cliente.es"] } },
    });
    expect(parseCommand("#cc", "Europe/Madrid")).toMatchObject({ kind: "error" });
    expect(parseCommand("#cc not-an-address", "Europe/Madrid")).toMatchObject({ kind: "error" });
  });

  it("the client cannot be removed, and a #cc on the API is the same event", () => {
    const settings = policySettings();
    const opened = decide(
      undefined,
      parseEvent({
        type: "client-new",
        id: "n1",
        ticketId: "T-1",
        from: { address: "ana@cliente.es" },
        cc: [{ address: "pedro@cliente.es" }],
      }),
      "2026-11-23T08:15:00Z",
      settings,
    ).ticket as Ticket;
    expect(opened.copied).toEqual(["pedro@cliente.es"]);
    const removeClient = decide(
      opened,
      parseEvent({
        type: "cc",
        id: "x1",
        ticketId: "T-1",
        actor: "lucia@aviso.test",
        remove: ["ana@cliente.es"],
      }),
      "2026-11-23T09:00:00Z",
      settings,
    );
    expect(removeClient.outcome).toBe("rejected");
    expect(removeClient.effects).toMatchObject([{ kind: "notify", template: "command-error" }]);
    const add = decide(
      opened,
      parseEvent({
        type: "copia",
        id: "x2",
        ticketId: "T-1",
        actor: "lucia@aviso.test",
        add: ["marta@cliente.es"],
      }),
      "2026-11-23T09:00:00Z",
      settings,
    );
    expect(add.ticket?.copied).toEqual(["pedro@cliente.es", "marta@cliente.es"]);
    expect(add.effects).toEqual([]);
  });
});

describe("tickets stored before participants", () => {
  it("a ticket without `copied` still takes its client's reply; the field survives a read back", async () => {
    const settings = policySettings();
    const opened = decide(
      undefined,
      parseEvent({ type: "client-new", id: "n1", ticketId: "T-1", from: { address: "ana@cliente.es" } }),
      "2026-11-23T08:15:00Z",
      settings,
    ).ticket as Ticket;
    const old = { ...opened };
    delete old.copied;
    const replied = decide(
      old,
      parseEvent({
        type: "client-reply",
        id: "r1",
        ticketId: "T-1",
        from: { address: "ana@cliente.es" },
        text: "hola",
      }),
      "2026-11-23T09:15:00Z",
      settings,
    );
    expect(replied.outcome).toBe("applied");
    const stored = parseItem(TicketSchema, { ...opened, copied: ["pedro@cliente.es"] }, "ticket");
    expect(stored.copied).toEqual(["pedro@cliente.es"]);
    expect(parseItem(TicketSchema, old, "ticket").copied).toBeUndefined();
  });
});

describe("errors after the raw mail is kept", () => {
  const failing = (error: Error) => {
    const w = world();
    w.deps.tickets.commit = async () => {
      throw error;
    };
    return { w, raw: mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.") };
  };

  it("one a retry cannot get past (an item DynamoDB refuses, a bug) ends in quarantine with its reason", async () => {
    const tooLarge = Object.assign(new Error("Item size has exceeded the maximum allowed size"), {
      name: "ValidationException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    const { w, raw } = failing(tooLarge);
    expect(await receiveMail(w.deps, raw)).toMatchObject({
      outcome: "quarantined",
      kind: "unprocessed",
      reason: expect.stringContaining("ValidationException: Item size has exceeded"),
    });
    expect(await w.deps.quarantine.quarantined()).toMatchObject([
      { kind: "unprocessed", from: "ana@cliente.es", subject: "No imprime" },
    ]);
    const bug = failing(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(await receiveMail(bug.w.deps, bug.raw)).toMatchObject({
      outcome: "quarantined",
      kind: "unprocessed",
    });
  });

  it("a passing one (throttling, a 5xx, a crash) propagates, so the source delivers the mail again", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $fault: "client",
      $retryable: { throttling: true },
    });
    const serverFault = Object.assign(new Error("Internal error"), {
      name: "InternalServerError",
      $fault: "server",
    });
    for (const error of [throttled, serverFault, new Error("injected crash: crash before commit")]) {
      const { w, raw } = failing(error);
      await expect(receiveMail(w.deps, raw)).rejects.toBe(error);
      expect(await w.deps.quarantine.quarantined()).toEqual([]);
    }
  });
});
