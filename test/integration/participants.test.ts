/**
 * DESIGN §7 on the real local parts: the participants a ticket keeps survive DynamoDB (the ticket
 * item's schema), a colleague the client copied steers the ticket, a stranger does not.
 */
import { describe, expect, it } from "vitest";
import { applyEvent } from "../../functions/app/apply";
import { receiveMail } from "../../functions/app/inbound";
import { type OutboxDeps, performOutboxItem } from "../../functions/app/outbox";
import { freshDeps, ManualClock, mailTo, useHarness } from "./harness";

const local = useHarness();

function rawMail(headers: Record<string, string>, body: string) {
  const all = { "MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8", ...headers };
  const head = Object.entries(all).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body.replace(/\n/g, "\r\n")}`);
}

async function drain(deps: OutboxDeps) {
  for (const item of await deps.outbox.pending()) await performOutboxItem(deps, item);
}

describe("participants on DynamoDB Local", () => {
  it("a copied colleague reopens the ticket; a stranger's tagged mail opens their own, and the client hears nothing of it", async () => {
    const clock = new ManualClock(new Date("2026-11-23T08:15:00Z"));
    const deps = await freshDeps(local(), clock);
    const stamp = Date.now();
    const client = `ana-${stamp}@cliente.es`;
    const colleague = `pedro-${stamp}@cliente.es`;
    const stranger = `eve-${stamp}@evil.example`;
    const opened = await receiveMail(
      deps,
      rawMail(
        {
          From: `Ana <${client}>`,
          To: "soporte@aviso.test",
          Cc: `Pedro <${colleague}>`,
          Subject: "No imprime",
          "Message-ID": `<o-${stamp}@cliente.es>`,
        },
        "Desde ayer no imprime.",
      ),
    );
    const ticketId = opened.outcome === "applied" ? opened.ticketId : "";
    expect((await deps.tickets.load(ticketId))?.copied).toEqual([colleague]);
    await applyEvent(deps, {
      type: "resolve",
      id: `r-${stamp}`,
      ticketId,
      actor: "lucia@aviso.test",
      fix: "Driver reinstalled.",
    });
    await drain(deps);
    clock.set("2026-11-23T10:00:00Z");

    const strangers = await receiveMail(
      deps,
      rawMail(
        {
          From: stranger,
          To: "soporte@aviso.test",
          Subject: `Re: [#${ticketId}] No imprime`,
          "Message-ID": `<s-${stamp}@evil.example>`,
        },
        "It still does not work. Log in at http://evil.example/login",
      ),
    );
    expect(strangers).toMatchObject({ outcome: "applied", newTicket: true, pointedAt: ticketId });
    expect((await deps.tickets.load(ticketId))?.status).toBe("resolved");

    const colleagues = await receiveMail(
      deps,
      rawMail(
        {
          From: `Pedro <${colleague}>`,
          To: "soporte@aviso.test",
          Subject: `Re: [#${ticketId}] No imprime`,
          "Message-ID": `<c-${stamp}@cliente.es>`,
        },
        "Sigue sin imprimir.",
      ),
    );
    expect(colleagues).toMatchObject({ outcome: "applied", ticketId, newTicket: false });
    expect((await deps.tickets.load(ticketId))?.status).toBe("open");
    await drain(deps);

    const toClient = await mailTo(local(), client);
    expect(toClient.map((m) => `${m.subject}\n${m.body.text}`).join("\n")).not.toContain("evil.example");
    const notices = (await mailTo(local(), "lucia@aviso.test")).filter(
      (m) => m.subject.includes(`[#${ticketId}]`) && m.subject.includes(stranger),
    );
    expect(notices).toHaveLength(1);
  }, 60_000);
});
