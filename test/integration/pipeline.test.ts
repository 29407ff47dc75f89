import { describe, expect, it } from "vitest";
import { applyEvent } from "../../functions/app/apply";
import { receiveMail } from "../../functions/app/inbound";
import { type OutboxDeps, performOutboxItem, sweepOutbox } from "../../functions/app/outbox";
import { makeSesEventsHandler } from "../../functions/handlers/ses-events";
import { effectTag } from "../../functions/mail/compose";
import { replyAddress } from "../../functions/mail/thread";
import { sesStoreLedger } from "../../infra/local/ses-local";
import { freshDeps, ManualClock, mailTo, useHarness } from "./harness";

const local = useHarness();

function rawMail(headers: Record<string, string>, body: string) {
  const all = {
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=utf-8",
    Date: "Mon, 23 Nov 2026 09:15:00 +0100",
    ...headers,
  };
  return Buffer.from(
    `${Object.entries(all)
      .map(([k, v]) => `${k}: ${v}`)
      .join("\r\n")}\r\n\r\n${body.replace(/\n/g, "\r\n")}`,
  );
}

/** The outbox as the stream would drive it: every pending item, performed once. */
async function drainOutbox(deps: OutboxDeps) {
  let performed = 0;
  for (const item of await deps.outbox.pending())
    if ((await performOutboxItem(deps, item)) === "done") performed++;
  return performed;
}

describe("inbound mail → decide → DynamoDB Local → outbox → local SES", () => {
  it("acknowledges a new request once, in Spanish, threaded, with the ticket code", async () => {
    const clock = new ManualClock(new Date("2026-11-23T08:15:00Z"));
    const deps = await freshDeps(local(), clock);
    const client = `ana-${Date.now()}@cliente.es`;
    const raw = rawMail(
      {
        From: `Ana <${client}>`,
        To: "soporte@aviso.test",
        Subject: "La impresora no imprime",
        "Message-ID": `<first-${Date.now()}@cliente.es>`,
      },
      "Hola, desde la actualización la impresora de etiquetas no imprime. ¿Podéis ayudarme?",
    );
    const first = await receiveMail({ ...deps }, raw);
    expect(first).toMatchObject({ outcome: "applied", kind: "new-request", newTicket: true });
    const ticketId = first.outcome === "applied" ? first.ticketId : "";
    // The same mail delivered again by SES: same ticket, nothing new.
    expect(await receiveMail({ ...deps }, raw)).toMatchObject({ outcome: "duplicate", ticketId });
    await drainOutbox(deps);
    await drainOutbox(deps); // a second stream delivery performs nothing
    const mails = await mailTo(local(), client);
    expect(mails).toHaveLength(1);
    const ack = mails[0];
    expect(ack?.subject).toContain(`[#${ticketId}]`);
    expect(ack?.body.text).toContain("responde a este correo");
    const headers = Object.fromEntries((ack?.headers ?? []).map((h) => [h.name, h.value]));
    expect(headers["Auto-Submitted"]).toBe("auto-generated");
    expect(headers["In-Reply-To"]).toMatch(/^<first-\d+@cliente\.es>$/);
    expect(ack?.replyTo[0]).toBe(replyAddress("soporte@aviso.test", ticketId, deps.config.tokenSecret));
    expect((await mailTo(local(), "lucia@aviso.test")).some((m) => m.subject.includes(ticketId))).toBe(true);
    expect([...deps.scheduler.timers.values()].map((t) => t.name).sort()).toEqual([
      "eod",
      "reminder",
      "update",
    ]);
  });

  it("takes a technician's #diagnostico by reply mail and tells the client at once", async () => {
    const clock = new ManualClock(new Date("2026-11-23T08:15:00Z"));
    const deps = await freshDeps(local(), clock);
    const client = `jorge-${Date.now()}@cliente.es`;
    const opened = await receiveMail(
      deps,
      rawMail(
        {
          From: client,
          To: "soporte@aviso.test",
          Subject: "No va el correo",
          "Message-ID": `<o-${Date.now()}@c.es>`,
        },
        "No puedo enviar correo.",
      ),
    );
    const ticketId = opened.outcome === "applied" ? opened.ticketId : "";
    await drainOutbox(deps);
    clock.set("2026-11-23T10:00:00Z");
    const reply = rawMail(
      {
        From: "Lucía <lucia@aviso.test>",
        To: replyAddress("soporte@aviso.test", ticketId, deps.config.tokenSecret),
        Subject: `Re: [#${ticketId}] Nueva petición`,
        "Message-ID": `<t-${Date.now()}@aviso.test>`,
      },
      "#diagnostico El servidor SMTP rechaza la contraseña antigua.\n\nEl lun, 23 nov 2026 a las 9:15, Soporte <soporte@aviso.test> escribió:\n> Nueva petición",
    );
    expect(await receiveMail(deps, reply)).toMatchObject({
      outcome: "applied",
      kind: "technician-command",
      ticketId,
    });
    await drainOutbox(deps);
    const mails = await mailTo(local(), client);
    expect(mails.map((m) => m.subject)).toEqual([
      expect.stringContaining("Hemos recibido"),
      expect.stringContaining("Ya sabemos qué ocurre"),
    ]);
    expect(mails[1]?.body.text).toContain("El servidor SMTP rechaza la contraseña antigua.");
    expect(deps.scheduler.timers.has(`${ticketId}-eod`)).toBe(false);
  });

  it("never answers an auto-reply and keeps it in quarantine with its reason", async () => {
    const clock = new ManualClock(new Date("2026-11-23T08:15:00Z"));
    const deps = await freshDeps(local(), clock);
    const raw = rawMail(
      {
        From: "away@cliente.es",
        To: "soporte@aviso.test",
        Subject: "Respuesta automática: fuera de la oficina",
        "Auto-Submitted": "auto-replied",
      },
      "Vuelvo el lunes.",
    );
    expect(await receiveMail(deps, raw)).toMatchObject({ outcome: "quarantined", kind: "auto-reply" });
    expect(await deps.outbox.pending()).toEqual([]);
    expect((await deps.quarantine.quarantined())[0]).toMatchObject({
      kind: "auto-reply",
      reason: expect.stringContaining("Auto-Submitted"),
    });
  });
});

describe("bounces and complaints", () => {
  it("a permanent bounce flags the address, tells the technicians, and stops automatic mail to it", async () => {
    const deps = await freshDeps(local(), new ManualClock(new Date("2026-11-23T08:15:00Z")));
    const client = `bounce-${Date.now()}@cliente.es`;
    const opened = await receiveMail(
      deps,
      rawMail(
        { From: client, To: "soporte@aviso.test", Subject: "Fallo", "Message-ID": `<b-${client}>` },
        "No funciona.",
      ),
    );
    const ticketId = opened.outcome === "applied" ? opened.ticketId : "";
    await drainOutbox(deps);
    const sesEvents = makeSesEventsHandler(async () => deps);
    const bounce = {
      source: "aws.ses",
      "detail-type": "Email Bounced",
      detail: {
        eventType: "Bounce",
        mail: { messageId: "0100abc", tags: { ticket: [ticketId] } },
        bounce: {
          bounceType: "Permanent",
          bounceSubType: "NoEmail",
          bouncedRecipients: [{ emailAddress: client, diagnosticCode: "550 5.1.1 user unknown" }],
        },
      },
    };
    expect(await sesEvents(bounce)).toEqual({ flagged: [client] });
    await sesEvents(bounce); // EventBridge may deliver twice
    await drainOutbox(deps);
    const notices = (await mailTo(local(), "lucia@aviso.test")).filter(
      (m) => m.subject.includes(ticketId) && m.subject.includes("No podemos escribir"),
    );
    expect(notices).toHaveLength(1);
    await applyEvent(deps, {
      type: "diagnosis",
      id: "after-bounce",
      ticketId,
      actor: { address: "lucia@aviso.test" },
      text: "x",
    });
    await drainOutbox(deps);
    expect(await mailTo(local(), client)).toHaveLength(1); // only the acknowledgement, sent before the bounce
    const outbox = await deps.outbox.list(ticketId);
    expect(
      outbox.find(
        (o) =>
          o.effect.id === "after-bounce#1" ||
          (o.effect.kind === "send-client" && o.effect.template === "diagnosis"),
      )?.result,
    ).toMatchObject({ outcome: "suppressed", skipped: [{ why: "flagged" }] });
  });
});

describe("faults: every client message is sent exactly once", () => {
  async function openTicket(deps: Awaited<ReturnType<typeof freshDeps>>, client: string) {
    const opened = await receiveMail(
      deps,
      rawMail(
        { From: client, To: "soporte@aviso.test", Subject: "Fallo", "Message-ID": `<f-${client}>` },
        "No funciona la facturación.",
      ),
    );
    return opened.outcome === "applied" ? opened.ticketId : "";
  }

  it("a crash after the transaction and before sending: the pending effect is sent once later", async () => {
    const deps = await freshDeps(local(), new ManualClock(new Date("2026-11-23T08:15:00Z")));
    const client = `crash-${Date.now()}@cliente.es`;
    await openTicket(deps, client); // committed; the "process" dies before the outbox runs
    expect((await deps.outbox.pending()).length).toBeGreaterThan(0);
    await drainOutbox(deps); // the stream (or the sweeper) delivers after the restart
    await drainOutbox(deps);
    expect(await mailTo(local(), client)).toHaveLength(1);
  });

  it("SES throttling: the effect is handed back and sent once on the retry", async () => {
    const deps = await freshDeps(local(), new ManualClock(new Date("2026-11-23T08:15:00Z")));
    const client = `throttle-${Date.now()}@cliente.es`;
    await openTicket(deps, client);
    const realMailer = deps.mailer;
    let failures = 0;
    deps.mailer = {
      send: async (input) => {
        if (failures++ < 1)
          throw Object.assign(new Error("Maximum sending rate exceeded."), {
            name: "TooManyRequestsException",
          });
        return realMailer.send(input);
      },
    };
    const pending = await deps.outbox.pending();
    const ack = pending.find((p) => p.effect.kind === "send-client");
    if (!ack) throw new Error("no acknowledgement pending");
    await expect(performOutboxItem(deps, ack)).rejects.toThrow(/sending rate/);
    expect(await performOutboxItem(deps, ack)).toBe("done");
    expect(await performOutboxItem(deps, ack)).toBe("already-done");
    expect(await mailTo(local(), client)).toHaveLength(1);
  });

  it("two technician events racing on one ticket: both applied, one message each", async () => {
    const deps = await freshDeps(local(), new ManualClock(new Date("2026-11-23T08:15:00Z")));
    const client = `race-${Date.now()}@cliente.es`;
    const ticketId = await openTicket(deps, client);
    await drainOutbox(deps);
    const actor = { address: "lucia@aviso.test", name: "Lucía" };
    const results = await Promise.all([
      applyEvent(deps, { type: "diagnosis", id: "race-1", ticketId, actor, text: "El certificado caducó." }),
      applyEvent(deps, {
        type: "plan",
        id: "race-2",
        ticketId,
        actor,
        text: "Renovamos el certificado.",
        eta: "2026-11-23 15:00",
      }),
      applyEvent(deps, { type: "diagnosis", id: "race-1", ticketId, actor, text: "El certificado caducó." }),
    ]);
    expect(results.filter((r) => r.outcome === "applied")).toHaveLength(2);
    await Promise.all([drainOutbox(deps), drainOutbox(deps)]);
    const subjects = (await mailTo(local(), client)).map((m) => m.subject);
    expect(subjects).toHaveLength(3);
    expect(subjects.filter((s) => s.includes("Ya sabemos"))).toHaveLength(1);
    expect(subjects.filter((s) => s.includes("Este es el plan"))).toHaveLength(1);
    const ticket = await deps.tickets.load(ticketId);
    expect(ticket?.version).toBe(3);
  });

  it("a crash after SES accepted the mail and before it was marked done: the sweep asks the ledger, no resend", async () => {
    const clock = new ManualClock(new Date("2026-11-23T08:15:00Z"));
    const deps = await freshDeps(local(), clock);
    deps.sentLedger = sesStoreLedger(local().ses.endpoint, "eu-west-1");
    const client = `accepted-${Date.now()}@cliente.es`;
    await openTicket(deps, client);
    const ack = (await deps.outbox.pending()).find((p) => p.effect.kind === "send-client");
    if (!ack) throw new Error("no acknowledgement pending");
    const realComplete = deps.outbox.complete.bind(deps.outbox);
    deps.outbox.complete = async () => {
      throw new Error("process killed");
    };
    await expect(performOutboxItem(deps, ack)).rejects.toThrow(/killed/);
    deps.outbox.complete = realComplete;
    // The stream redelivers at once: the claim is held, nothing is sent.
    expect(await performOutboxItem(deps, ack)).toBe("already-done");
    clock.set("2026-11-23T08:25:00Z"); // past the lease
    const swept = await sweepOutbox(deps);
    expect(swept.failed).toBe(0);
    expect(await mailTo(local(), client)).toHaveLength(1);
    const item = await deps.outbox.item(ack.ticketId, ack.effect.id);
    expect(item?.status).toBe("done");
    expect(item?.result).toMatchObject({ outcome: "sent", confirmedByLedger: true });
    expect(await deps.outbox.pending()).toEqual([]);
  });

  it("a crash after the claim and before SES: the sweep sends it once the lease is over", async () => {
    const clock = new ManualClock(new Date("2026-11-23T08:15:00Z"));
    const deps = await freshDeps(local(), clock);
    deps.sentLedger = sesStoreLedger(local().ses.endpoint, "eu-west-1");
    const client = `claimed-${Date.now()}@cliente.es`;
    await openTicket(deps, client);
    const ack = (await deps.outbox.pending()).find((p) => p.effect.kind === "send-client");
    if (!ack) throw new Error("no acknowledgement pending");
    expect(await deps.outbox.claim(ack.ticketId, ack.effect.id, clock.now())).toBe("fresh");
    expect(await sweepOutbox(deps)).toMatchObject({ performed: 0 }); // too young, and in flight
    clock.set("2026-11-23T08:25:00Z");
    await sweepOutbox(deps);
    await sweepOutbox(deps);
    expect(await mailTo(local(), client)).toHaveLength(1);
  });

  it("an SES Send event is recorded against its outbox effect (the ledger on AWS)", async () => {
    const deps = await freshDeps(local(), new ManualClock(new Date("2026-11-23T08:15:00Z")));
    const handler = makeSesEventsHandler(async () => deps);
    await handler({
      source: "aws.ses",
      region: "eu-west-1",
      "detail-type": "Email Sent",
      detail: {
        eventType: "Send",
        mail: { messageId: "0102abc", tags: { effect: [effectTag("T-1001", "ev-1#0")] } },
      },
    });
    expect(await deps.mail.sentMessageId("T-1001", "ev-1#0")).toBe("<0102abc@eu-west-1.amazonses.com>");
  });
});
