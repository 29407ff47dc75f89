/**
 * Bounded effect retries (issue 15, Operations): an effect that keeps failing is given up after a
 * bounded number of attempts and the technicians are told, instead of being retried for ever by the
 * stream, the dead-letter queue and the five-minute sweep. Transient failures (throttling, 5xx) are
 * given hours before that.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import {
  EFFECT_MAX_ATTEMPTS,
  GIVE_UP_AFTER_SECONDS,
  givesUp,
  giveUpNotice,
  isSent,
  isTransientFailure,
} from "../../functions/app/effect-result";
import { receiveMail } from "../../functions/app/inbound";
import { performOutboxItem, performTicketEffects, sweepOutbox } from "../../functions/app/outbox";
import { memoryWorld, recipients } from "../support/memory-world";

const CLIENT = "ana@cliente.es";
const TECHNICIAN = "lucia@aviso.test";
const MINUTE = 60_000;

function request() {
  return Buffer.from(
    [
      `From: Ana <${CLIENT}>`,
      "To: soporte@aviso.test",
      "Subject: No imprime",
      `Message-ID: <${Math.random().toString(36).slice(2)}@cliente.es>`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Desde ayer no imprime.",
    ].join("\r\n"),
  );
}

const rejected = () =>
  Object.assign(new Error("Header value length exceeds 870 characters: References"), {
    name: "BadRequestException",
    $fault: "client",
  });
const unavailable = () =>
  Object.assign(new Error("Service unavailable"), { name: "InternalFailure", $fault: "server" });

/**
 * A world whose mailer fails every mail to the addresses `failing` answers for (with that error),
 * and sends the rest; `attempts` counts the failed calls.
 */
async function failingWorld(
  failing: (to: string[]) => Error | undefined,
  failingTimers?: () => Error | undefined,
) {
  const w = memoryWorld();
  const errors: { message: string; data?: Record<string, unknown> }[] = [];
  const send = w.deps.mailer.send;
  let attempts = 0;
  const deps = {
    ...w.deps,
    log: {
      ...w.deps.log,
      error: (message: string, data?: Record<string, unknown>) =>
        void errors.push({ message, ...(data ? { data } : {}) }),
    },
    mailer: {
      send: async (input: SendEmailCommandInput) => {
        const error = failing(recipients(input));
        if (error) {
          attempts += 1;
          throw error;
        }
        return send(input);
      },
    },
    scheduler: {
      set: async (...args: Parameters<typeof w.deps.scheduler.set>) => {
        const error = failingTimers?.();
        if (error) throw error;
        return w.deps.scheduler.set(...args);
      },
      cancel: w.deps.scheduler.cancel,
    },
  };
  const outcome = await receiveMail(deps, request());
  if (outcome.outcome !== "applied") throw new Error(`not applied: ${JSON.stringify(outcome)}`);
  const items = await deps.outbox.pending();
  const ack = items.find((i) => i.effect.kind === "send-client");
  if (!ack) throw new Error("no acknowledgement decided");
  return {
    w,
    deps,
    errors,
    items,
    ack,
    failedCalls: () => attempts,
    /** The stream's first delivery and its ten retries, seconds apart. */
    stream: async () => {
      for (let i = 0; i < 11; i++) {
        await performTicketEffects(
          deps,
          (await deps.outbox.pending()).filter((p) => p.ticketId === ack.ticketId),
        );
        w.advance(2_000);
      }
    },
    /** One run of the five-minute sweep, five minutes after the last. */
    sweep: async () => {
      w.advance(5 * MINUTE);
      return sweepOutbox(deps);
    },
    stored: () => deps.outbox.item(ack.ticketId, ack.effect.id),
  };
}

describe("an effect that keeps failing is given up, and the technicians are told", () => {
  it("a send SES rejects: retried by the stream and the sweep for a quarter of an hour, then given up once", async () => {
    const t = await failingWorld((to) => (to.includes(CLIENT) ? rejected() : undefined));
    await t.stream();
    // Eleven quick attempts are not enough: a rejection is given a quarter of an hour.
    expect(await t.stored()).toMatchObject({ status: "pending", attempts: 11 });
    await t.sweep(); // +5 min
    await t.sweep(); // +10 min
    expect(await t.stored()).toMatchObject({ status: "pending", attempts: 13 });
    await t.sweep(); // +15 min
    const stored = await t.stored();
    expect(stored).toMatchObject({
      status: "done",
      result: {
        outcome: "failed",
        attempts: 14,
        error: "BadRequestException: Header value length exceeds 870 characters: References",
      },
    });
    expect(isSent(stored?.result)).toBe(false);
    // The technicians heard about it, once: which ticket, which address, why.
    const notices = t.w.sent.filter((input) =>
      input.Content?.Simple?.Subject?.Data?.startsWith("[#T-1001] aviso ha desistido de enviar"),
    );
    expect(notices).toHaveLength(1);
    const notice = notices[0] as SendEmailCommandInput;
    expect(recipients(notice)).toEqual([TECHNICIAN]);
    expect(notice.Content?.Simple?.Subject?.Data).toContain("ana@cliente.es");
    expect(notice.Content?.Simple?.Body?.Text?.Data).toContain("870 characters");
    expect(notice.Content?.Simple?.Body?.Text?.Data).toContain("14");
    expect(stored?.result).toMatchObject({ notice: expect.stringMatching(/@ses\.test>$/) });
    expect(t.w.metrics.filter((p) => p.name === ("EffectsGivenUp" as string))).toEqual([
      { name: "EffectsGivenUp", unit: "Count", value: 1 },
    ]);
    expect(t.errors.map((e) => e.message)).toContain("effect given up; the technicians are told");

    // Nothing retries it any more: not the sweep, not a redelivered stream record.
    const calls = t.failedCalls();
    const mails = t.w.sent.length;
    for (let i = 0; i < 5; i++) expect(await t.sweep()).toEqual({ performed: 0, failed: 0, inFlight: 0 });
    expect(await performOutboxItem(t.deps, t.ack)).toBe("already-done");
    expect(t.failedCalls()).toBe(calls);
    expect(t.w.sent).toHaveLength(mails);
    expect(await t.deps.outbox.pending()).toEqual([]);
  });

  it("an effect first tried late (the outbox was down) still gets eight attempts", async () => {
    const t = await failingWorld((to) => (to.includes(CLIENT) ? rejected() : undefined));
    t.w.advance(60 * MINUTE);
    for (let i = 1; i <= 7; i++) {
      await t.sweep();
      expect(await t.stored()).toMatchObject({ status: "pending", attempts: i });
    }
    await t.sweep();
    expect(await t.stored()).toMatchObject({ status: "done", result: { outcome: "failed", attempts: 8 } });
  });

  it("throttling and 5xx count too, but an outage of hours is waited out", async () => {
    const t = await failingWorld((to) => (to.includes(CLIENT) ? unavailable() : undefined));
    await t.stream();
    // Five hours and a half of sweeps: still waiting for SES to come back.
    for (let i = 0; i < 66; i++) await t.sweep();
    expect(await t.stored()).toMatchObject({ status: "pending", attempts: 77 });
    expect(t.w.metrics.some((p) => p.name === ("EffectsGivenUp" as string))).toBe(false);
    // Six hours after it was decided, it is given up.
    for (let i = 0; i < 6; i++) await t.sweep();
    expect(await t.stored()).toMatchObject({
      status: "done",
      result: {
        outcome: "failed",
        attempts: 83,
        transient: true,
        error: "InternalFailure: Service unavailable",
      },
    });
  });

  it("an outage that ends in time loses nothing: the mail goes out", async () => {
    let down = true;
    const t = await failingWorld((to) => (down && to.includes(CLIENT) ? unavailable() : undefined));
    await t.stream();
    for (let i = 0; i < 48; i++) await t.sweep(); // four hours
    down = false;
    await t.sweep();
    const stored = await t.stored();
    expect(stored?.status).toBe("done");
    expect(isSent(stored?.result)).toBe(true);
  });

  it("when the notice cannot be sent either, the effect is still given up, and the log says nobody was told", async () => {
    const t = await failingWorld(() => rejected());
    await t.stream();
    for (let i = 0; i < 3; i++) await t.sweep();
    const stored = await t.stored();
    expect(stored).toMatchObject({
      status: "done",
      result: { outcome: "failed", attempts: 14, noticeError: expect.stringContaining("870 characters") },
    });
    expect(stored?.result).not.toHaveProperty("notice");
    expect(t.errors.map((e) => e.message)).toContain(
      "effect given up and the technicians' notice failed: nobody was told by mail",
    );
    // The technicians' own notice of the new ticket failed the same way and was given up too.
    expect((await t.deps.outbox.list("T-1001")).every((i) => i.status === "done")).toBe(true);
    const calls = t.failedCalls();
    for (let i = 0; i < 5; i++) await t.sweep();
    expect(t.failedCalls()).toBe(calls);
  });

  it("one ticket's effects performed together: the given-up ones count as performed, not as failed", async () => {
    const invalid = () =>
      Object.assign(new Error("Invalid schedule expression"), {
        name: "ValidationException",
        $fault: "client",
      });
    const t = await failingWorld((to) => (to.includes(CLIENT) ? rejected() : undefined), invalid);
    t.w.advance(60 * MINUTE);
    const batch = async () =>
      performTicketEffects(
        t.deps,
        (await t.deps.outbox.pending()).filter((p) => p.ticketId === "T-1001"),
      );
    const failing = (await t.deps.outbox.pending()).filter(
      (i) => i.effect.kind === "send-client" || i.effect.kind === "set-timer",
    );
    expect(failing.length).toBeGreaterThan(1);
    for (let i = 1; i <= 7; i++) expect((await batch()).failed).toHaveLength(failing.length);
    expect(await batch()).toEqual({ performed: failing.length, failed: [] });
    const outbox = await t.deps.outbox.list("T-1001");
    const timer = outbox.find((i) => i.effect.kind === "set-timer");
    expect(timer).toMatchObject({
      status: "done",
      result: { outcome: "failed", attempts: 8, error: "ValidationException: Invalid schedule expression" },
    });
    const timerNotice = t.w.sent.find((input) =>
      input.Content?.Simple?.Body?.Text?.Data?.includes("Invalid schedule expression"),
    );
    expect(timerNotice && recipients(timerNotice)).toEqual([TECHNICIAN]);
    expect(timerNotice?.Content?.Simple?.Subject?.Data).toContain("[#T-1001]");
    expect(outbox.every((i) => i.status === "done")).toBe(true);
  });
});

describe("what counts as a failure that passes, and when an effect is given up", () => {
  const named = (name: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(name), { name, ...extra });

  it("throttling, 5xx, the network and aviso's own global cap pass; rejections and bugs do not", () => {
    for (const error of [
      named("TooManyRequestsException", { $fault: "client" }),
      named("ThrottlingException", { $fault: "client", $retryable: { throttling: true } }),
      named("LimitExceededException", { $fault: "client" }),
      named("InternalServerException", { $fault: "server" }),
      named("SendingPausedException", { $fault: "client" }),
      named("TimeoutError"),
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
      named("GlobalCapHold"),
    ])
      expect(isTransientFailure(error), error.name).toBe(true);
    for (const error of [
      named("BadRequestException", { $fault: "client" }),
      named("MessageRejected", { $fault: "client" }),
      named("ValidationException", { $fault: "client" }),
      new TypeError("cannot read properties of undefined"),
      new Error("no template"),
      undefined,
    ])
      expect(isTransientFailure(error), String(error)).toBe(false);
  });

  it("needs both the attempts and the age: 8 attempts, and 15 minutes (rejected) or 6 hours (transient)", () => {
    expect(EFFECT_MAX_ATTEMPTS).toBe(8);
    const createdAt = "2026-11-23T08:00:00.000Z";
    const at = (seconds: number) => new Date(Date.parse(createdAt) + seconds * 1000);
    const rejected = named("BadRequestException", { $fault: "client" });
    const throttled = named("TooManyRequestsException");
    const rejectedAfter = GIVE_UP_AFTER_SECONDS.rejected;
    const transientAfter = GIVE_UP_AFTER_SECONDS.transient;
    expect(givesUp({ attempts: 8, createdAt, error: rejected, now: at(rejectedAfter) })).toBe(true);
    expect(givesUp({ attempts: 7, createdAt, error: rejected, now: at(86_400) })).toBe(false);
    expect(givesUp({ attempts: 50, createdAt, error: rejected, now: at(rejectedAfter - 1) })).toBe(false);
    expect(givesUp({ attempts: 80, createdAt, error: throttled, now: at(transientAfter - 1) })).toBe(false);
    expect(givesUp({ attempts: 8, createdAt, error: throttled, now: at(transientAfter) })).toBe(true);
  });

  it("the notice says which effect, of which ticket, after how many attempts and why, in English too", () => {
    const notice = giveUpNotice(
      "en",
      "T-1042",
      { id: "e#2", kind: "set-timer", name: "eod", at: "2026-11-24T16:30:00.000Z" },
      "ValidationException: <bad> & worse",
      8,
    );
    expect(notice.subject).toBe("[#T-1042] aviso gave up setting the eod timer for 2026-11-24T16:30:00.000Z");
    expect(notice.text).toContain("on ticket T-1042 after 8 attempts");
    expect(notice.text).toContain("Last error: ValidationException: <bad> & worse");
    expect(notice.html).toContain("&lt;bad&gt; &amp; worse");
  });
});
