/**
 * Issue 14, finding 4 (spam relay), DESIGN §7 "Nothing is echoed to the unauthenticated": a mail
 * whose From domain SES did not authenticate may name anyone as its sender, so aviso mails that
 * address nothing the sender wrote (neither the request nor its subject, in the acknowledgement or
 * any later message). The technicians still read all of it.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { applyEvent } from "../../functions/app/apply";
import { receiveMail } from "../../functions/app/inbound";
import { decide, parseEvent, policySettings } from "../../functions/core";
import { memoryWorld, recipients } from "../support/memory-world";

const victim = "victima@empresa.example";
const spam = "Gana 10.000 euros hoy en http://evil.example/premio";
const subject = "Tu premio te espera: http://evil.example";

/** What SES says of a mail "from" a domain without DMARC policy that the attacker cannot sign for. */
const forged = { spf: "PASS", dkim: "GRAY", dmarc: "GRAY", spam: "PASS", virus: "PASS" };
const genuine = { spf: "PASS", dkim: "PASS", dmarc: "PASS", spam: "PASS", virus: "PASS" };

function mail(body: string, title = subject, extra: string[] = []) {
  return Buffer.from(
    [
      `From: Víctima <${victim}>`,
      "To: soporte@aviso.test",
      `Subject: ${title}`,
      `Message-ID: <${Math.random().toString(36).slice(2)}@empresa.example>`,
      ...extra,
      "Content-Type: text/plain; charset=utf-8",
      "",
      body,
    ].join("\r\n"),
  );
}

const whole = (input: SendEmailCommandInput) => {
  const simple = input.Content?.Simple;
  return [simple?.Subject?.Data, simple?.Body?.Text?.Data, simple?.Body?.Html?.Data].join("\n");
};

async function opened(verdicts?: typeof forged, request = mail(spam)) {
  // As on AWS: no trust of the local runtime's (its mail has no verdicts at all).
  const w = memoryWorld({ config: { trustLocalTechnicians: false } });
  const outcome = await receiveMail(w.deps, request, verdicts ? { verdicts } : {});
  expect(outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001", newTicket: true });
  await w.drain();
  const toVictim = w.sent.filter((m) => recipients(m).includes(victim));
  const toStaff = w.sent.filter((m) => recipients(m).includes("lucia@aviso.test"));
  return { w, toVictim, toStaff };
}

describe("nothing is echoed to an unauthenticated sender", () => {
  it("a forged From gets an acknowledgement with neither the request nor its subject; the technicians get both", async () => {
    const { toVictim, toStaff } = await opened(forged);
    expect(toVictim).toHaveLength(1);
    expect(whole(toVictim[0] as SendEmailCommandInput)).toContain("T-1001");
    expect(whole(toVictim[0] as SendEmailCommandInput)).not.toContain("evil.example");
    expect(whole(toVictim[0] as SendEmailCommandInput)).not.toContain("10.000 euros");
    expect(toStaff).toHaveLength(1);
    expect(whole(toStaff[0] as SendEmailCommandInput)).toContain(spam);
    expect(whole(toStaff[0] as SendEmailCommandInput)).toContain(subject);
  });

  it("an authenticated sender's acknowledgement quotes the request and its subject", async () => {
    const { toVictim } = await opened(genuine);
    expect(whole(toVictim[0] as SendEmailCommandInput)).toContain("Gana 10.000 euros hoy");
    expect((toVictim[0] as SendEmailCommandInput).Content?.Simple?.Subject?.Data).toContain(subject);
  });

  it("without SES verdicts (the local runtime) the acknowledgement quotes as before", async () => {
    const { toVictim } = await opened();
    expect(whole(toVictim[0] as SendEmailCommandInput)).toContain("Gana 10.000 euros hoy");
  });

  it("later automatic messages to the forged sender (end of day) do not carry its subject either", async () => {
    const { w } = await opened(forged);
    const before = w.sent.length;
    const ticket = await w.deps.tickets.load("T-1001");
    const eod = ticket?.timers.eod as string;
    await applyEvent(w.deps, { type: "timer", id: "eod-1", ticketId: "T-1001", name: "eod", dueAt: eod });
    await w.drain();
    const later = w.sent.slice(before);
    expect(later.map((m) => recipients(m))).toEqual([[victim]]);
    expect(whole(later[0] as SendEmailCommandInput)).not.toContain("evil.example");
  });

  it("an unauthenticated 'still broken' reply reopens the ticket: the technicians read it, the client mail does not repeat it", async () => {
    const { w } = await opened(genuine, mail("No me llegan los correos.", "Correo"));
    await applyEvent(w.deps, {
      type: "resolve",
      id: "r1",
      ticketId: "T-1001",
      actor: "lucia@aviso.test",
      fix: "Filtro de correo ajustado.",
    });
    await w.drain();
    const before = w.sent.length;
    const lure = "Sigue sin funcionar, entrad en http://evil.example/login para verlo";
    const outcome = await receiveMail(w.deps, mail(lure, "Re: [#T-1001] algo", ["In-Reply-To: <x@y>"]), {
      verdicts: forged,
    });
    expect(outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001", kind: "reply" });
    expect((await w.deps.tickets.load("T-1001"))?.status).toBe("open");
    await w.drain();
    const later = w.sent.slice(before);
    const toVictim = later.filter((m) => recipients(m).includes(victim));
    const toStaff = later.filter((m) => recipients(m).includes("lucia@aviso.test"));
    expect(toVictim).toHaveLength(1);
    expect(whole(toVictim[0] as SendEmailCommandInput)).not.toContain("evil.example");
    expect(whole(toStaff[0] as SendEmailCommandInput)).toContain(lure);
  });
});

describe("the policy's part", () => {
  const settings = policySettings();
  const event = (authenticated?: boolean) =>
    parseEvent({
      type: "client-new",
      id: "e1",
      ticketId: "T-1001",
      from: { address: victim },
      subject,
      text: spam,
      ...(authenticated === undefined ? {} : { authenticated }),
    });
  const acknowledgement = (authenticated?: boolean) =>
    decide(undefined, event(authenticated), "2026-11-23T08:15:00Z", settings).effects.find(
      (e) => e.kind === "send-client",
    );

  it("an event whose sender did not authenticate: the acknowledgement's data holds no request, no subject", () => {
    expect(acknowledgement(false)?.data).not.toHaveProperty("request");
    expect(acknowledgement(false)?.data.subject).toBe("");
  });

  it("an authenticated sender, or an event that does not say (the API, the local runtime): quoted", () => {
    for (const authenticated of [true, undefined]) {
      expect(acknowledgement(authenticated)?.data).toMatchObject({ request: spam, subject });
    }
  });
});
