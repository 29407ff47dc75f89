/**
 * Issue 16, colleagues in copy: the addresses a client copied on the opening mail (the ticket's
 * `copied`, changed by #cc / #copia) are copied (Cc) on every client message of the ticket, stay
 * participants, and are held to the same flags and loop cap as the client, one by one.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { applyEvent } from "../../functions/app/apply";
import type { Logger } from "../../functions/app/clock";
import { receiveMail } from "../../functions/app/inbound";
import { OUTBOUND_PER_ADDRESS_PER_10_MIN, performOutboxItem } from "../../functions/app/outbox";
import { composeSendEmail } from "../../functions/mail/compose";
import { replyAddress } from "../../functions/mail/thread";
import { memoryWorld, WORLD_SECRET } from "../support/memory-world";

let sequence = 0;
function mail(from: string, subject: string, body: string, extra: Record<string, string> = {}) {
  sequence += 1;
  const headers = {
    From: from,
    To: "soporte@aviso.test",
    Subject: subject,
    "Message-ID": `<c${sequence}.${Math.random().toString(36).slice(2)}@cliente.es>`,
    "Content-Type": "text/plain; charset=utf-8",
    ...extra,
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`);
}

const bare = (value: string) => (/<([^>]+)>/.exec(value)?.[1] ?? value).toLowerCase();
const to = (input: SendEmailCommandInput) => (input.Destination?.ToAddresses ?? []).map(bare);
const cc = (input: SendEmailCommandInput) => (input.Destination?.CcAddresses ?? []).map(bare);
const isStaffMail = (input: SendEmailCommandInput) => to(input).includes("lucia@aviso.test");

function world() {
  const warnings: { message: string; data?: Record<string, unknown> }[] = [];
  const base = memoryWorld();
  const log: Logger = {
    ...base.deps.log,
    warn: (message, data) => void warnings.push({ message, ...(data ? { data } : {}) }),
  };
  (base.deps as { log: Logger }).log = log;
  const technician = (body: string) =>
    receiveMail(base.deps, mail("Lucía <lucia@aviso.test>", "Re: [#T-1001] No imprime", body));
  return { ...base, warnings, technician, clientMail: () => base.sent.filter((m) => !isStaffMail(m)) };
}

describe("composeSendEmail", () => {
  it("puts the copied people in Destination.CcAddresses, and leaves it out when nobody is copied", () => {
    const base = {
      from: { address: "soporte@aviso.test", name: "Soporte" },
      to: [{ address: "ana@cliente.es", name: "Ana" }],
      replyTo: "soporte+T-1@aviso.test",
      rendered: { subject: "s", text: "t", html: "<p>h</p>" },
      ticketId: "T-1",
      thread: [],
      automatic: true,
    };
    const input = composeSendEmail({ ...base, cc: [{ address: "pedro@cliente.es", name: "Pedro" }] });
    expect(input.Destination).toEqual({
      ToAddresses: ['"Ana" <ana@cliente.es>'],
      CcAddresses: ['"Pedro" <pedro@cliente.es>'],
    });
    expect(input.ReplyToAddresses).toEqual(["soporte+T-1@aviso.test"]);
    expect(composeSendEmail(base).Destination).toEqual({ ToAddresses: ['"Ana" <ana@cliente.es>'] });
    expect(composeSendEmail({ ...base, cc: [] }).Destination).toEqual({
      ToAddresses: ['"Ana" <ana@cliente.es>'],
    });
  });
});

describe("colleagues in copy", () => {
  it("the acknowledgement copies the colleague, whose reply-all reaches the technicians in the same ticket; #copia -colleague takes them off the next message", async () => {
    const w = world();
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.", {
        Cc: "Pedro <Pedro@Cliente.es>",
      }),
    );
    await w.drain();
    const [ack, ...others] = w.clientMail();
    expect(others).toEqual([]);
    expect(to(ack as SendEmailCommandInput)).toEqual(["ana@cliente.es"]);
    expect(cc(ack as SendEmailCommandInput)).toEqual(["pedro@cliente.es"]);
    const reply = replyAddress("soporte@aviso.test", "T-1001", WORLD_SECRET);
    expect(ack?.ReplyToAddresses).toEqual([reply]);
    // Staff notices copy nobody.
    for (const staff of w.sent.filter(isStaffMail)) expect(staff.Destination?.CcAddresses).toBeUndefined();

    // Pedro answers all: to the Reply-To, with Ana in copy, threaded on the acknowledgement.
    const before = w.sent.length;
    const outcome = await receiveMail(
      w.deps,
      mail("Pedro <pedro@cliente.es>", "Re: [#T-1001] No imprime", "Tampoco imprime en mi equipo.", {
        To: reply,
        Cc: "Ana <ana@cliente.es>",
        "In-Reply-To": "<m1@ses.test>",
      }),
    );
    expect(outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001", newTicket: false });
    await w.drain();
    const notices = w.sent.slice(before).filter(isStaffMail);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.Content?.Simple?.Subject?.Data).toContain("T-1001");
    expect(notices[0]?.Content?.Simple?.Body?.Text?.Data).toContain("Tampoco imprime en mi equipo.");
    const replied = (await w.deps.outbox.list("T-1001")).filter(
      (i) => i.effect.kind === "notify" && i.effect.template === "client-replied",
    );
    expect(replied).toHaveLength(1);
    expect(await w.deps.tickets.load("T-1002")).toBeUndefined();

    // The technician's next message still copies Pedro; after #copia -pedro it does not.
    await w.technician("#diagnostico El controlador de la impresora está dañado.");
    await w.drain();
    const diagnosis = w.clientMail().at(-1) as SendEmailCommandInput;
    expect(to(diagnosis)).toEqual(["ana@cliente.es"]);
    expect(cc(diagnosis)).toEqual(["pedro@cliente.es"]);
    expect(await w.technician("#copia -pedro@cliente.es")).toMatchObject({ outcome: "applied" });
    await w.technician("Hola Ana, gracias por los detalles; seguimos con ello.");
    await w.drain();
    const personal = w.clientMail().at(-1) as SendEmailCommandInput;
    expect(personal.Content?.Simple?.Body?.Text?.Data).toContain("gracias por los detalles");
    expect(to(personal)).toEqual(["ana@cliente.es"]);
    expect(personal.Destination?.CcAddresses).toBeUndefined();
  });

  it("never copies the support address, its plus-addresses or a technician; copies each address once, whatever its case", async () => {
    const w = world();
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.", { Cc: "pedro@cliente.es" }),
    );
    await w.drain();
    await w.technician(
      "#cc Soporte@Aviso.test, soporte+T-1001.x@aviso.test, LUCIA@aviso.test, PEDRO@cliente.es, Marta@Cliente.es",
    );
    await w.technician("Hola Ana, gracias por los detalles; seguimos con ello.");
    await w.drain();
    const last = w.clientMail().at(-1) as SendEmailCommandInput;
    expect(to(last)).toEqual(["ana@cliente.es"]);
    expect(cc(last)).toEqual(["pedro@cliente.es", "marta@cliente.es"]);
  });

  it("a flagged colleague is left out and named in the result; the client's mail still goes", async () => {
    const w = world();
    await w.deps.throttle.flagAddress("pedro@cliente.es", "permanent bounce (General)", w.deps.clock.now());
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.", {
        Cc: "Pedro <pedro@cliente.es>, Marta <marta@cliente.es>",
      }),
    );
    await w.drain();
    const ack = w.clientMail()[0] as SendEmailCommandInput;
    expect(to(ack)).toEqual(["ana@cliente.es"]);
    expect(cc(ack)).toEqual(["marta@cliente.es"]);
    const item = (await w.deps.outbox.list("T-1001")).find((i) => i.effect.kind === "send-client");
    expect(item?.result).toEqual({
      outcome: "sent",
      messageId: "<m1@ses.test>",
      skipped: [{ address: "pedro@cliente.es", why: "flagged", detail: "permanent bounce (General)" }],
    });
  });

  it("the loop cap holds per copied address: a colleague past it drops off automatic mail, the client does not", async () => {
    const w = world();
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.", { Cc: "pedro@cliente.es" }),
    );
    for (let i = 0; i < OUTBOUND_PER_ADDRESS_PER_10_MIN; i += 1)
      await w.deps.throttle.recordMailSent(["pedro@cliente.es"], true, 600, w.deps.clock.now());
    await w.drain();
    const ack = w.clientMail()[0] as SendEmailCommandInput;
    expect(to(ack)).toEqual(["ana@cliente.es"]);
    expect(ack.Destination?.CcAddresses).toBeUndefined();
    const item = (await w.deps.outbox.list("T-1001")).find((i) => i.effect.kind === "send-client");
    expect(item?.result).toMatchObject({ skipped: [{ address: "pedro@cliente.es", why: "loop-cap" }] });
    const state = await w.deps.throttle.mailingState(["ana@cliente.es"], 600, w.deps.clock.now());
    expect(state.sent.get("ana@cliente.es")).toBe(1);
  });

  it("a colleague's mail counts toward their own loop cap", async () => {
    const w = world();
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.", { Cc: "pedro@cliente.es" }),
    );
    await w.drain();
    const state = await w.deps.throttle.mailingState(["pedro@cliente.es"], 600, w.deps.clock.now());
    expect(state.sent.get("pedro@cliente.es")).toBe(1);
  });

  it("when the client cannot be mailed, the colleagues still are", async () => {
    const w = world();
    await w.deps.throttle.flagAddress("ana@cliente.es", "complaint", w.deps.clock.now());
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.", { Cc: "pedro@cliente.es" }),
    );
    await w.drain();
    const [ack] = w.clientMail();
    expect(to(ack as SendEmailCommandInput)).toEqual(["pedro@cliente.es"]);
    expect(ack?.Destination?.CcAddresses).toBeUndefined();
    const item = (await w.deps.outbox.list("T-1001")).find((i) => i.effect.kind === "send-client");
    expect(item?.result).toMatchObject({
      outcome: "sent",
      skipped: [{ address: "ana@cliente.es", why: "flagged" }],
    });
  });

  it("stays within SES's 50 recipients: past 48 copied, the rest are left off with a warning", async () => {
    const w = world();
    const people = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `c${from + i}@cliente.es`);
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.", { Cc: people(1, 30).join(", ") }),
    );
    await w.drain();
    await w.technician(`#cc ${people(31, 30).join(", ")}`);
    expect((await w.deps.tickets.load("T-1001"))?.copied).toHaveLength(60);
    await w.technician("Hola Ana, gracias por los detalles; seguimos con ello.");
    await w.drain();
    const last = w.clientMail().at(-1) as SendEmailCommandInput;
    expect(to(last)).toEqual(["ana@cliente.es"]);
    expect(cc(last)).toEqual(people(1, 48));
    expect(w.warnings.some((warning) => /at most 48/.test(warning.message))).toBe(true);
    expect(JSON.stringify(w.warnings)).toContain("c60@cliente.es");
  });

  it("an opening mail whose sender did not authenticate copies nobody until a technician takes it up, and echoes nothing", async () => {
    const w = world();
    await applyEvent(w.deps, {
      type: "client-new",
      id: "n1",
      ticketId: "T-1001",
      from: { address: "ana@cliente.es" },
      subject: "No imprime",
      text: "Desde ayer no imprime.",
      cc: [{ address: "pedro@cliente.es" }],
      authenticated: false,
    });
    await w.drain();
    expect((await w.deps.tickets.load("T-1001"))?.copied).toEqual(["pedro@cliente.es"]);
    const [ack] = w.clientMail();
    expect(to(ack as SendEmailCommandInput)).toEqual(["ana@cliente.es"]);
    // A forged opening cannot make aviso mail addresses of the forger's choosing.
    expect(cc(ack as SendEmailCommandInput)).toEqual([]);
    const simple = ack?.Content?.Simple;
    expect(`${simple?.Subject?.Data}${simple?.Body?.Text?.Data}${simple?.Body?.Html?.Data}`).not.toMatch(
      /imprime/,
    );
    // Once a technician answered, the ticket is somebody's: the colleague is copied from then on.
    await applyEvent(w.deps, {
      type: "diagnosis",
      id: "d1",
      ticketId: "T-1001",
      actor: "lucia@aviso.test",
      text: "El controlador se actualizó anoche.",
    });
    await w.drain();
    const diagnosis = w.clientMail().at(-1);
    expect(cc(diagnosis as SendEmailCommandInput)).toEqual(["pedro@cliente.es"]);
  });

  it("a retried send composes the same Destination: it is read from the ticket when the mail goes", async () => {
    const w = world();
    await receiveMail(
      w.deps,
      mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime.", { Cc: "pedro@cliente.es" }),
    );
    const attempts: SendEmailCommandInput[] = [];
    const send = w.deps.mailer.send;
    w.deps.mailer.send = async (input) => {
      attempts.push(input);
      if (attempts.length === 1)
        throw Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" });
      return send(input);
    };
    const ack = (await w.deps.outbox.pending()).find((i) => i.effect.kind === "send-client");
    if (!ack) throw new Error("no acknowledgement pending");
    await expect(performOutboxItem(w.deps, ack)).rejects.toThrow("Rate exceeded");
    await performOutboxItem(w.deps, ack);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]?.Destination).toEqual(attempts[0]?.Destination);
    expect(cc(attempts[1] as SendEmailCommandInput)).toEqual(["pedro@cliente.es"]);
  });
});
