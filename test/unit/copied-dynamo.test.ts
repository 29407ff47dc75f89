/**
 * Colleagues in copy at their most, on the real local parts (DynamoDB Local, the local SES server):
 * a request copying 50 people (the most a ticket takes from one mail) still gets its acknowledgement,
 * copied to as many as one mail's reads and SES's 50 recipients allow.
 */
import { expect, it } from "vitest";
import { receiveMail } from "../../functions/app/inbound";
import { performOutboxItem } from "../../functions/app/outbox";
import { storedMail } from "../../infra/local/ses-local";
import { freshDeps, ManualClock, useHarness } from "../integration/harness";

const local = useHarness();

it("a request copying 50 colleagues is acknowledged on DynamoDB Local, copied to 48 of them", async () => {
  const clock = new ManualClock(new Date("2026-11-23T08:15:00Z"));
  const harness = local();
  const deps = await freshDeps(harness, clock);
  const stamp = Date.now();
  const client = `ana-${stamp}@cliente.es`;
  const colleagues = Array.from({ length: 50 }, (_, i) => `c${i + 1}-${stamp}@cliente.es`);
  const raw = [
    `From: Ana <${client}>`,
    "To: soporte@aviso.test",
    `Cc: ${colleagues.join(", ")}`,
    "Subject: No imprime",
    `Message-ID: <many-${stamp}@cliente.es>`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Desde ayer no imprime nadie de la oficina.",
  ].join("\r\n");
  const opened = await receiveMail(deps, Buffer.from(raw));
  expect(opened).toMatchObject({ outcome: "applied", newTicket: true });
  const ticketId = opened.outcome === "applied" ? opened.ticketId : "";
  expect((await deps.tickets.load(ticketId))?.copied).toHaveLength(50);
  for (const item of await deps.outbox.pending()) await performOutboxItem(deps, item);
  const ack = (await deps.outbox.list(ticketId)).find((item) => item.effect.kind === "send-client");
  expect(ack?.result).toMatchObject({ outcome: "sent" });
  const [mail] = (await storedMail(harness.ses.endpoint)).filter((m) =>
    m.destination.to.some((to) => to.includes(client)),
  );
  expect(mail?.destination.cc.map((cc) => cc.replace(/^.*<|>$/g, ""))).toEqual(colleagues.slice(0, 48));
}, 60_000);
