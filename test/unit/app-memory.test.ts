/**
 * The application layer on the in-memory stores: mail in, decisions, effects and their typed
 * results, in milliseconds. The same ports run on DynamoDB Local in test/integration.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { applyEvent } from "../../functions/app/apply";
import { receiveMail } from "../../functions/app/inbound";
import { performOutboxItem, sweepOutbox } from "../../functions/app/outbox";
import { memoryWorld } from "../support/memory-world";

function world(start?: string) {
  return memoryWorld(start ? { start } : {});
}

function mail(from: string, subject: string, body: string, extra: Record<string, string> = {}) {
  const headers = {
    From: from,
    To: "soporte@aviso.test",
    Subject: subject,
    "Message-ID": `<${Math.random().toString(36).slice(2)}@cliente.es>`,
    "Content-Type": "text/plain; charset=utf-8",
    ...extra,
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`);
}

const recipients = (input: SendEmailCommandInput) =>
  (input.Destination?.ToAddresses ?? []).map((to) => /<([^>]+)>/.exec(to)?.[1] ?? to);

describe("the application on in-memory stores", () => {
  it("a new request: one ticket, an acknowledgement to the client, a notice to the technicians, typed results", async () => {
    const w = world();
    const outcome = await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."),
    );
    expect(outcome).toMatchObject({
      outcome: "applied",
      ticketId: "T-1001",
      kind: "new-request",
      newTicket: true,
    });
    await w.drain();
    expect(w.sent.map(recipients)).toEqual([["ana@cliente.es"], ["lucia@aviso.test"]]);
    const outbox = await w.deps.outbox.list("T-1001");
    const results = outbox.map((item) => item.result?.outcome);
    expect(results).toContain("sent");
    expect(results).toContain("timer-set");
    const ack = outbox.find((i) => i.effect.kind === "send-client");
    expect(ack?.result).toEqual({ outcome: "sent", messageId: "<m1@ses.test>" });
    expect(w.metrics.find((p) => p.name === "ClientMessagesSent")).toMatchObject({
      dimensions: { kind: "acknowledgement" },
    });
  });

  it("receiveMail says what really happened: a second delivery is a duplicate, a command for a closed state is rejected", async () => {
    const w = world();
    const raw = mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.");
    await receiveMail(w.deps, raw);
    expect(await receiveMail(w.deps, raw)).toMatchObject({ outcome: "duplicate", ticketId: "T-1001" });
    await applyEvent(w.deps, {
      type: "resolve",
      id: "r1",
      ticketId: "T-1001",
      actor: "lucia@aviso.test",
      fix: "Driver reinstalled.",
    });
    await applyEvent(w.deps, { type: "confirm", id: "c1", ticketId: "T-1001" });
    const late = mail("Lucía <lucia@aviso.test>", "Re: [#T-1001] No imprime", "#diagnosis el driver", {
      "In-Reply-To": "<x@y>",
    });
    const tagged = await receiveMail(w.deps, late);
    expect(tagged).toMatchObject({ outcome: "rejected", ticketId: "T-1001" });
    expect(tagged.outcome === "rejected" && tagged.reason).toBeTruthy();
  });

  it("a flagged client: the effect is done as suppressed, with who and why, and the metric counts it", async () => {
    const w = world();
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."));
    await w.deps.throttle.flagAddress("ana@cliente.es", "hard bounce", w.deps.clock.now());
    await w.drain();
    const ack = (await w.deps.outbox.list("T-1001")).find((i) => i.effect.kind === "send-client");
    expect(ack).toMatchObject({
      status: "done",
      result: {
        outcome: "suppressed",
        skipped: [{ address: "ana@cliente.es", why: "flagged", detail: "hard bounce" }],
      },
    });
    expect(w.metrics.some((p) => p.name === "MailSuppressed")).toBe(true);
    expect(w.sent.map(recipients)).toEqual([["lucia@aviso.test"]]);
  });

  it("a late timer effect is superseded, not performed; the sweep finishes what a crash left", async () => {
    const w = world();
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."));
    const [first] = await w.deps.outbox.pending();
    if (!first) throw new Error("no effects");
    // A crash right after the claim: the sweep takes it again once the lease is over.
    expect(await w.deps.outbox.claim("T-1001", first.effect.id, w.deps.clock.now())).toBe("fresh");
    w.advance(10 * 60_000);
    const swept = await sweepOutbox(w.deps);
    expect(swept.failed).toBe(0);
    expect((await w.deps.outbox.pending()).length).toBe(0);
    expect(w.sent).toHaveLength(2);
    await applyEvent(w.deps, {
      type: "diagnosis",
      id: "d1",
      ticketId: "T-1001",
      actor: "lucia@aviso.test",
      text: "Driver.",
    });
    const eod = (await w.deps.outbox.list("T-1001")).find(
      (i) => i.effect.kind === "set-timer" && i.effect.name === "eod",
    );
    expect(eod?.result?.outcome).toBe("timer-set");
    if (!eod) throw new Error("no eod timer");
    // The same set-timer performed late (a redelivery after the diagnosis disarmed it): superseded.
    const late = {
      ...eod,
      effect: { ...eod.effect, id: `${eod.effect.id}-late` },
      status: "pending" as const,
    };
    w.deps.table.outbox.set(`T-1001\u0000${late.effect.id}`, late);
    expect(await performOutboxItem(w.deps, late)).toBe("done");
    expect((await w.deps.outbox.item("T-1001", late.effect.id))?.result).toEqual({
      outcome: "superseded",
      timer: "eod",
    });
  });
});
