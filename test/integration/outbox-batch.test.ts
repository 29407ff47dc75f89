import { describe, expect, it } from "vitest";
import { receiveMail } from "../../functions/app/inbound";
import { performTicketEffects, sweepOutbox } from "../../functions/app/outbox";
import { freshDeps, ManualClock, mailTo, useHarness } from "./harness";

const local = useHarness();

function newRequest(client: string, id: string) {
  return Buffer.from(
    [
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Date: Mon, 23 Nov 2026 09:15:00 +0100",
      `From: Ana <${client}>`,
      "To: soporte@aviso.test",
      "Subject: El servidor no arranca",
      `Message-ID: <${id}@cliente.es>`,
      "",
      "Buenos días, el servidor de ficheros no arranca desde esta mañana.",
    ].join("\r\n"),
  );
}

async function openTicket(client: string) {
  const clock = new ManualClock(new Date("2026-11-23T08:15:00Z"));
  const deps = await freshDeps(local(), clock);
  const outcome = await receiveMail(deps, newRequest(client, `req-${Date.now()}-${Math.random()}`));
  if (outcome.outcome !== "applied") throw new Error(`not applied: ${JSON.stringify(outcome)}`);
  const items = await deps.outbox.pending();
  return { deps, clock, ticketId: outcome.ticketId, items };
}

describe("one ticket's effects performed together (the outbox handler's path)", () => {
  it("claims them in one transaction, performs them in order and marks them all done", async () => {
    const client = `ana-${Date.now()}@cliente.es`;
    const { deps, ticketId, items } = await openTicket(client);
    expect(items.map((i) => i.effect.kind)).toEqual(
      expect.arrayContaining(["send-client", "notify", "set-timer"]),
    );
    expect(items.length).toBeGreaterThan(1);

    // Count the one-by-one claims: the group path takes none.
    let singleClaims = 0;
    const claimOne = deps.outbox.claim.bind(deps.outbox);
    deps.outbox.claim = async (...args) => {
      singleClaims += 1;
      return claimOne(...args);
    };
    const result = await performTicketEffects(deps, items);
    expect(result).toEqual({ performed: items.length, failed: [] });
    expect(singleClaims).toBe(0);
    const outbox = await deps.outbox.list(ticketId);
    expect(outbox.every((i) => i.status === "done" && i.result)).toBe(true);
    expect(await deps.outbox.pending()).toEqual([]);
    expect(await mailTo(local(), client)).toHaveLength(1);
    // The thread holds the client's mail and our acknowledgement, and when ours went out.
    const thread = await deps.mail.thread(ticketId);
    expect(thread).toHaveLength(2);
    expect(await deps.mail.lastClientMailSent(ticketId)).toBe("2026-11-23T08:15:00.000Z");
    expect(deps.scheduler.timers.size).toBeGreaterThan(0);

    // The same stream batch again: nothing is claimed, nothing sent twice.
    expect(await performTicketEffects(deps, items)).toEqual({ performed: 0, failed: [] });
    expect(singleClaims).toBe(items.length);
    expect(await mailTo(local(), client)).toHaveLength(1);
  });

  it("falls back to one claim per effect when another delivery holds one of them", async () => {
    const client = `bea-${Date.now()}@cliente.es`;
    const { deps, clock, ticketId, items } = await openTicket(client);
    const ack = items.find((i) => i.effect.kind === "send-client");
    if (!ack) throw new Error("no acknowledgement decided");
    // Another delivery took the acknowledgement a moment ago and is still at it.
    expect(await deps.outbox.claim(ticketId, ack.effect.id, clock.now())).toBe("fresh");
    expect(
      await deps.outbox.claimAll(
        ticketId,
        items.map((i) => i.effect.id),
        clock.now(),
      ),
    ).toBe(false);

    const result = await performTicketEffects(deps, items);
    expect(result.failed).toEqual([]);
    expect(result.performed).toBe(items.length - 1);
    const outbox = await deps.outbox.list(ticketId);
    expect(outbox.find((i) => i.effect.id === ack.effect.id)?.status).toBe("sending");
    expect(outbox.filter((i) => i.status === "done")).toHaveLength(items.length - 1);
    // The acknowledgement is the other delivery's to send: not sent from here.
    expect(await mailTo(local(), client)).toHaveLength(0);
  });

  it("hands back a failed effect and still performs the others", async () => {
    const client = `carla-${Date.now()}@cliente.es`;
    const { deps, ticketId, items } = await openTicket(client);
    const throttled = {
      ...deps,
      mailer: {
        send: async () => {
          throw Object.assign(new Error("Maximum sending rate exceeded."), {
            name: "TooManyRequestsException",
          });
        },
      },
    };
    const result = await performTicketEffects(throttled, items);
    const failedKinds = result.failed.map((f) => f.item.effect.kind).sort();
    expect(failedKinds).toEqual(["notify", "send-client"]);
    expect(result.performed).toBe(items.length - 2);
    const outbox = await deps.outbox.list(ticketId);
    for (const { item } of result.failed) {
      const stored = outbox.find((i) => i.effect.id === item.effect.id);
      expect(stored).toMatchObject({
        status: "pending",
        lastError: "Maximum sending rate exceeded.",
        attempts: 1,
      });
    }
    // The next delivery sends them.
    const retry = await performTicketEffects(
      deps,
      result.failed.map((f) => f.item),
    );
    expect(retry).toEqual({ performed: 2, failed: [] });
    expect(await mailTo(local(), client)).toHaveLength(1);
  });
});

describe("an effect SES keeps rejecting (issue 15: bounded retries)", () => {
  it("is retried for a quarter of an hour, then given up once: the technicians are told and the result reads back", async () => {
    const client = `dora-${Date.now()}@cliente.es`;
    const { deps, clock, ticketId, items } = await openTicket(client);
    const ack = items.find((i) => i.effect.kind === "send-client");
    if (!ack) throw new Error("no acknowledgement decided");
    const real = deps.mailer;
    const rejecting = {
      ...deps,
      mailer: {
        send: async (input: Parameters<typeof real.send>[0]) => {
          if (input.Destination?.ToAddresses?.some((to) => to.includes(client)))
            throw Object.assign(new Error("Header value length exceeds 870 characters: References"), {
              name: "BadRequestException",
              $fault: "client",
            });
          return real.send(input);
        },
      },
    };
    // The stream's first delivery and its ten retries.
    for (let i = 0; i < 11; i++) await performTicketEffects(rejecting, await deps.outbox.pending());
    expect(await deps.outbox.item(ticketId, ack.effect.id)).toMatchObject({
      status: "pending",
      attempts: 11,
    });

    clock.set("2026-11-23T08:30:00Z");
    expect(await sweepOutbox(rejecting)).toEqual({ performed: 1, failed: 0, inFlight: 0 });
    expect(await deps.outbox.item(ticketId, ack.effect.id)).toMatchObject({
      status: "done",
      result: {
        outcome: "failed",
        attempts: 12,
        error: "BadRequestException: Header value length exceeds 870 characters: References",
        notice: expect.stringContaining("@"),
      },
    });
    expect(await deps.outbox.pending()).toEqual([]);
    const notices = (await mailTo(local(), "lucia@aviso.test")).filter((m) =>
      m.body.text?.includes(`a ${client} del ticket ${ticketId} tras 12 intentos`),
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]?.body.text).toContain("870 characters");
    expect(await mailTo(local(), client)).toHaveLength(0);
    // A stream record delivered again finds it done.
    expect(await performTicketEffects(rejecting, [ack])).toEqual({ performed: 0, failed: [] });
  });
});

describe("the counters that went with separate items", () => {
  it("knows when an address was last mailed across a window boundary, and not beyond the window", async () => {
    const clock = new ManualClock(new Date("2026-11-23T08:15:00Z"));
    const { throttle } = await freshDeps(local(), clock);
    const address = `dani-${Date.now()}@cliente.es`;
    // 08:19:50 is in the window 08:10–08:20; 08:22 in the next one.
    await throttle.recordMailSent([address], true, 600, new Date("2026-11-23T08:19:50Z"));
    expect(await throttle.lastMailedAt(address, 600, new Date("2026-11-23T08:22:00Z"))).toBe(
      "2026-11-23T08:19:50.000Z",
    );
    expect(await throttle.lastMailedAt(address.toUpperCase(), 600, new Date("2026-11-23T08:19:55Z"))).toBe(
      "2026-11-23T08:19:50.000Z",
    );
    expect(await throttle.lastMailedAt(address, 600, new Date("2026-11-23T08:45:00Z"))).toBeUndefined();
    const state = await throttle.mailingState([address], 600, new Date("2026-11-23T08:19:59Z"));
    expect(state.sent.get(address)).toBe(1);
    expect(state.sentToAll).toBe(1);
  });

  it("adds a message to a thread once, keeping when our last mail went out", async () => {
    const clock = new ManualClock(new Date("2026-11-23T08:15:00Z"));
    const { mail } = await freshDeps(local(), clock);
    await mail.appendThread("T-1", "<client@x>");
    expect(await mail.lastClientMailSent("T-1")).toBeUndefined();
    await mail.appendThread("T-1", "<ours@x>", new Date("2026-11-23T08:16:00Z"));
    await mail.appendThread("T-1", "<ours@x>", new Date("2026-11-23T09:00:00Z"));
    expect(await mail.thread("T-1")).toEqual(["<client@x>", "<ours@x>"]);
    expect(await mail.lastClientMailSent("T-1")).toBe("2026-11-23T08:16:00.000Z");
  });
});
