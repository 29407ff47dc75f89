/**
 * Issue 14, finding 4: flags can be cleared by a technician's command, `#unflag <address>` /
 * `#desmarcar <dirección>`, taken only from an authenticated technician and recorded on the ticket.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { receiveMail } from "../../functions/app/inbound";
import { parseCommand } from "../../functions/mail/commands";
import { memoryWorld } from "../support/memory-world";

const responderReason =
  "looks like an auto-responder: 3 new requests today, each within 5 minutes of our last mail to it; no more automatic mail to it";
const ANA = "ana@cliente.es";

function world(trustLocalTechnicians = true) {
  const base = memoryWorld({ config: { trustLocalTechnicians } });
  const { deps } = base;
  return {
    ...base,
    flagAna: () => deps.throttle.flagAddress(ANA, responderReason, deps.clock.now()),
    flaggedAna: () => deps.throttle.isFlagged(ANA, deps.clock.now()),
    mailTo: (address: string) =>
      base.sent
        .filter((input) => to(input).includes(address))
        .map(
          (input) => `${input.Content?.Simple?.Subject?.Data}\n${input.Content?.Simple?.Body?.Text?.Data}`,
        ),
  };
}

let seq = 0;
function mail(from: string, subject: string, body: string) {
  seq += 1;
  return Buffer.from(
    `From: ${from}\r\nTo: soporte@aviso.test\r\nSubject: ${subject}\r\nMessage-ID: <u${seq}-${Math.random().toString(36).slice(2)}@example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

const to = (input: SendEmailCommandInput) =>
  (input.Destination?.ToAddresses ?? []).map((a) => (/<([^>]+)>/.exec(a)?.[1] ?? a).toLowerCase());

const lucia = (subject: string, body: string) => mail("Lucía <lucia@aviso.test>", subject, body);

describe("#unflag / #desmarcar: parsing", () => {
  it("reads the addresses on the command's own line, in English and Spanish", () => {
    expect(parseCommand("#unflag ana@cliente.es", "Europe/Madrid")).toEqual({
      kind: "command",
      command: { name: "unflag", word: "#unflag", text: "", addresses: ["ana@cliente.es"] },
    });
    expect(
      parseCommand("#desmarcar Ana <Ana@Cliente.es>\nGracias,\nLucía <lucia@aviso.test>", "Europe/Madrid"),
    ).toEqual({
      kind: "command",
      command: { name: "unflag", word: "#desmarcar", text: "", addresses: ["ana@cliente.es"] },
    });
  });

  it("refuses a missing or malformed address with a usage hint", () => {
    const none = parseCommand("#unflag", "Europe/Madrid");
    expect(none).toMatchObject({ kind: "error", word: "#unflag" });
    expect(none.kind === "error" && none.reason).toMatch(/#unflag needs an address/);
    const bad = parseCommand("#desmarcar ana-en-cliente", "Europe/Madrid");
    expect(bad.kind === "error" && bad.reason).toMatch(/"ana-en-cliente" is not an address/);
  });
});

describe("#unflag through receiveMail", () => {
  it("a technician lifts a client's flag in the ticket's thread: recorded on the timeline, the client is mailed again", async () => {
    const w = world();
    await w.flagAna();
    await receiveMail(w.deps, mail(`Ana <${ANA}>`, "No imprime", "Desde ayer no imprime."));
    await w.drain();
    expect(w.mailTo(ANA)).toHaveLength(0);
    const sentBefore = w.sent.length;

    const command = lucia("Re: [#T-1001] No imprime", `#unflag ${ANA}`);
    const outcome = await receiveMail(w.deps, command);
    expect(outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001", kind: "technician-command" });
    expect(await w.flaggedAna()).toBeUndefined();
    const timeline = await w.deps.tickets.timeline("T-1001");
    expect(timeline.find((e) => e.type === "note")?.summary).toBe("note by lucia@aviso.test");
    const record = timeline.find((e) => e.type === "unflag");
    expect(record?.summary).toBe(
      `#unflag by lucia@aviso.test: lifted the flag of ${ANA} (${responderReason})`,
    );
    expect(record?.data).toMatchObject({ lifted: [ANA], rawRef: expect.stringMatching(/^memory:\/\//) });
    await w.drain();
    // Nothing of the command reaches anyone: the client, or the technician (a note is internal).
    expect(w.sent).toHaveLength(sentBefore);
    // A second delivery of the same mail lifts nothing and tells nobody anything.
    expect(await receiveMail(w.deps, command)).toMatchObject({ outcome: "duplicate", ticketId: "T-1001" });
    await w.drain();
    expect(w.sent).toHaveLength(sentBefore);
    expect((await w.deps.tickets.timeline("T-1001")).filter((e) => e.type === "unflag")).toHaveLength(1);

    await receiveMail(w.deps, lucia("Re: [#T-1001] No imprime", "#diagnosis El driver está dañado."));
    await w.drain();
    expect(w.mailTo(ANA).join("\n")).toContain("El driver está dañado.");
  });

  it("an address that was not flagged: the technician is told, through the command-error notice", async () => {
    const w = world();
    await receiveMail(w.deps, mail(`Ana <${ANA}>`, "No imprime", "Desde ayer no imprime."));
    await w.drain();
    const before = w.mailTo("lucia@aviso.test").length;
    const outcome = await receiveMail(w.deps, lucia("Re: [#T-1001] No imprime", "#desmarcar bea@cliente.es"));
    expect(outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001" });
    await w.drain();
    const notices = w.mailTo("lucia@aviso.test").slice(before);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain("bea@cliente.es was not flagged");
  });

  it("without a ticket the flag is lifted all the same, and the mail stays listed for the lead as the record", async () => {
    const w = world();
    await w.flagAna();
    const outcome = await receiveMail(w.deps, lucia("Flags", `#unflag ${ANA}`));
    expect(outcome).toMatchObject({ outcome: "quarantined", kind: "technician-command" });
    expect(outcome.outcome === "quarantined" && outcome.reason).toMatch(
      /lifted the flag of ana@cliente\.es .*no ticket addressed/,
    );
    expect(await w.flaggedAna()).toBeUndefined();
  });

  it("only an authenticated technician: a client's #unflag, or an unauthenticated technician address, lifts nothing", async () => {
    const w = world(false);
    await w.flagAna();
    await receiveMail(w.deps, mail(`Ana <${ANA}>`, "No imprime", "Desde ayer no imprime."));
    const byClient = await receiveMail(w.deps, mail("Bea <bea@cliente.es>", "Hola", `#unflag ${ANA}`));
    expect(byClient).toMatchObject({ kind: "new-request" });
    const spoofed = await receiveMail(w.deps, lucia("Re: [#T-1001] No imprime", `#unflag ${ANA}`));
    expect(spoofed).not.toMatchObject({ kind: "technician-command" });
    expect(await w.flaggedAna()).toBe(responderReason);
  });
});
