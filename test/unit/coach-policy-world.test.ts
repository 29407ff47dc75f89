/**
 * The tone coach end to end on the in-memory world (issue 17's acceptance, without SMTP): a
 * technician's #plan with "sin falta" and "imposible" does not reach the client, the technician's
 * mail names "sin falta", and #enviar then sends the plan as written.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { receiveMail } from "../../functions/app/inbound";
import { memoryWorld, recipients } from "../support/memory-world";

const PLAN = "Mañana sin falta estará arreglado, es imposible que vuelva a fallar.";

function mail(from: string, subject: string, body: string) {
  const head = [
    `From: ${from}`,
    "To: soporte@aviso.test",
    `Subject: ${subject}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@example.test>`,
    "Content-Type: text/plain; charset=utf-8",
  ];
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`);
}

const text = (input: SendEmailCommandInput) => input.Content?.Simple?.Body?.Text?.Data ?? "";
const to = (address: string) => (input: SendEmailCommandInput) => recipients(input).includes(address);

describe("the tone coach on the in-memory world", () => {
  it("holds a risky #plan, tells the technician by mail, and #enviar sends it as written", async () => {
    const w = memoryWorld();
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer la impresora no imprime."),
    );
    await w.drain();
    const clientMailBefore = w.sent.filter(to("ana@cliente.es")).length;
    w.advance(3_600_000);
    const plan = await receiveMail(
      w.deps,
      mail("Lucía <lucia@aviso.test>", "Re: [#T-1001] No imprime", `#plan\n${PLAN}`),
    );
    expect(plan).toMatchObject({ outcome: "applied", ticketId: "T-1001" });
    await w.drain();
    expect(w.sent.filter(to("ana@cliente.es"))).toHaveLength(clientMailBefore);
    const coach = w.sent.filter(to("lucia@aviso.test")).at(-1) as SendEmailCommandInput;
    expect(text(coach)).toContain("sin falta");
    expect(text(coach)).toContain("#enviar");
    expect((await w.deps.tickets.load("T-1001"))?.held).toHaveLength(1);
    // The timeline keeps the command, marked as held, with the phrases the coach named.
    const entry = (await w.deps.tickets.timeline("T-1001")).find((e) => e.type === "plan");
    expect(entry?.data).toMatchObject({
      outcome: "applied",
      reason: expect.stringMatching(/held by the tone coach: .*sin falta/),
    });

    w.advance(600_000);
    await receiveMail(w.deps, mail("Lucía <lucia@aviso.test>", "Re: [#T-1001] No imprime", "#enviar"));
    await w.drain();
    const clientMail = w.sent.filter(to("ana@cliente.es"));
    expect(clientMail).toHaveLength(clientMailBefore + 1);
    expect(text(clientMail.at(-1) as SendEmailCommandInput).replace(/\s+/g, " ")).toContain(PLAN);
    const ticket = await w.deps.tickets.load("T-1001");
    expect(ticket?.held).toBeUndefined();
    expect(ticket?.plan?.text).toBe(PLAN);
  });

  it("with the coach off in the config, the same #plan reaches the client at once", async () => {
    const w = memoryWorld({ config: { policy: { coach: false } } });
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer la impresora no imprime."),
    );
    await w.drain();
    await receiveMail(w.deps, mail("Lucía <lucia@aviso.test>", "Re: [#T-1001] No imprime", `#plan\n${PLAN}`));
    await w.drain();
    const last = w.sent.filter(to("ana@cliente.es")).at(-1) as SendEmailCommandInput;
    expect(text(last).replace(/\s+/g, " ")).toContain(PLAN);
  });
});
