/**
 * Issue 14, finding 4 (in part): flags never expired and nothing could clear them; there was no
 * global inbound cap. Flags now expire (auto-responder 7 days, bounce 30, complaint 90), are listed
 * (GET /flags) and cleared (DELETE /flags/{address}); the global cap holds mail as "rate-limited".
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { handleAdminRequest } from "../../functions/app/admin";
import { receiveMail } from "../../functions/app/inbound";
import { checkInboundCap, INBOUND_ALL, inboundCapDecision } from "../../functions/app/inbound-cap";
import { FLAG_LIFETIME_DAYS, flagLifetimeDays } from "../../functions/app/ports";
import { loadConfig } from "../../functions/config";
import { memoryWorld } from "../support/memory-world";

const DAY = 86_400_000;

function world(start?: string) {
  return memoryWorld({ ...(start ? { start } : {}), config: { maxInboundMailsPer10Minutes: 3 } });
}

let seq = 0;
function mail(from: string, subject: string, body: string) {
  seq += 1;
  return Buffer.from(
    `From: ${from}\r\nTo: soporte@aviso.test\r\nSubject: ${subject}\r\nMessage-ID: <f${seq}-${Date.now()}@cliente.es>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

const to = (input: SendEmailCommandInput) =>
  (input.Destination?.ToAddresses ?? []).map((a) => /<([^>]+)>/.exec(a)?.[1] ?? a);

const responderReason =
  "looks like an auto-responder: 3 new requests today, each within 5 minutes of our last mail to it; no more automatic mail to it";

describe("flags expire", () => {
  it("each kind has its lifetime, read from the reasons aviso writes", () => {
    expect(flagLifetimeDays(responderReason)).toBe(7);
    expect(flagLifetimeDays("permanent bounce (General): 550 no such user")).toBe(30);
    expect(flagLifetimeDays("marked our mail as spam (abuse)")).toBe(90);
    expect(FLAG_LIFETIME_DAYS).toEqual({ "auto-responder": 7, bounce: 30, complaint: 90 });
  });

  it("a client flagged as an auto-responder (forged mail can do it) is mailed again after 7 days", async () => {
    const w = world();
    await w.deps.throttle.flagAddress("ana@cliente.es", responderReason, w.deps.clock.now());
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."));
    await w.drain();
    expect(w.sent.flatMap(to)).not.toContain("ana@cliente.es");
    w.advance(7 * DAY + 60_000);
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "Tampoco escanea", "El escáner tampoco."));
    await w.drain();
    expect(w.sent.flatMap(to)).toContain("ana@cliente.es");
    expect(await w.deps.throttle.isFlagged("ana@cliente.es", w.deps.clock.now())).toBeUndefined();
  });

  it("a bounce flag holds 30 days, not 7", async () => {
    const w = world();
    await w.deps.throttle.flagAddress("ana@cliente.es", "permanent bounce (General)", w.deps.clock.now());
    w.advance(8 * DAY);
    expect(await w.deps.throttle.isFlagged("ana@cliente.es", w.deps.clock.now())).toBe(
      "permanent bounce (General)",
    );
    w.advance(23 * DAY);
    expect(await w.deps.throttle.isFlagged("ana@cliente.es", w.deps.clock.now())).toBeUndefined();
  });
});

describe("an expired flag is no flag", () => {
  it("the auto-responder watch flags an address again once its old flag expired", async () => {
    // The default global cap: four mails in four minutes are no flood.
    const w = memoryWorld();
    const ana = "ana@cliente.es";
    await w.deps.throttle.flagAddress(ana, responderReason, w.deps.clock.now());
    w.advance(8 * DAY);
    expect(await w.deps.throttle.isFlagged(ana, w.deps.clock.now())).toBeUndefined();
    // It answers each acknowledgement with a new request within a minute, as a looping responder does.
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await receiveMail(w.deps, mail(`Ana <${ana}>`, `Respuesta ${i}`, `Mensaje ${i}.`)));
      await w.drain();
      w.advance(60_000);
    }
    const flagged = await w.deps.throttle.flags(w.deps.clock.now());
    expect(flagged).toEqual([
      expect.objectContaining({
        address: ana,
        reason: responderReason,
        until: expect.stringMatching(/^2026-12-08/),
      }),
    ]);
    // Three acknowledgements went out; the fourth request's did not: the new flag holds.
    expect(w.sent.flatMap(to).filter((a) => a === ana)).toHaveLength(3);
    const last = outcomes[3];
    expect(last?.outcome !== "quarantined" && last?.ticketId).toBe("T-1004");
    const timeline = await w.deps.tickets.timeline("T-1004");
    expect(timeline.map((e) => e.type)).toContain("delivery-failed");
  });
});

describe("flags are listed and cleared by the lead", () => {
  it("GET /flags lists them; DELETE /flags/{address} lifts one, and the client is mailed again at once", async () => {
    const w = world();
    const at = w.deps.clock.now();
    await w.deps.throttle.flagAddress("Ana@Cliente.es", responderReason, at);
    const list = await handleAdminRequest(w.deps, { method: "GET", path: "/flags" });
    expect(list?.status).toBe(200);
    expect(JSON.parse(list?.body ?? "")).toEqual({
      flags: [
        {
          address: "ana@cliente.es",
          reason: responderReason,
          at: at.toISOString(),
          until: new Date(at.getTime() + 7 * DAY).toISOString(),
        },
      ],
    });
    const cleared = await handleAdminRequest(w.deps, {
      method: "DELETE",
      path: "/flags/ana%40cliente.es",
    });
    expect(cleared).toMatchObject({ status: 200 });
    expect(JSON.parse(cleared?.body ?? "")).toEqual({ address: "ana@cliente.es", cleared: true });
    expect(
      (await handleAdminRequest(w.deps, { method: "DELETE", path: "/flags/ana@cliente.es" }))?.status,
    ).toBe(404);
    expect(
      (await handleAdminRequest(w.deps, { method: "DELETE", path: "/flags/not-an-address" }))?.status,
    ).toBe(400);
    await receiveMail(w.deps, mail("Ana <ana@cliente.es>", "No imprime", "Desde ayer no imprime."));
    await w.drain();
    expect(w.sent.flatMap(to)).toContain("ana@cliente.es");
    expect(
      JSON.parse((await handleAdminRequest(w.deps, { method: "GET", path: "/flags" }))?.body ?? ""),
    ).toEqual({
      flags: [],
    });
  });

  it("a route that is not the lead's is left to the API (undefined)", async () => {
    const w = world();
    expect(await handleAdminRequest(w.deps, { method: "GET", path: "/tickets" })).toBeUndefined();
    expect(await handleAdminRequest(w.deps, { method: "POST", path: "/flags" })).toBeUndefined();
  });
});

describe("the global inbound cap", () => {
  it("inboundCapDecision holds the mail that exceeds the cap, and every later one in the window", () => {
    expect(inboundCapDecision(300, 300)).toEqual({ hold: false });
    const held = inboundCapDecision(301, 300);
    expect(held).toMatchObject({ hold: true, metrics: [{ name: "InboundCapped", unit: "Count", value: 1 }] });
    expect(held.hold && held.reason).toMatch(/301 mails in ten minutes \(at most 300\)/);
  });

  it("checkInboundCap counts every mail in one window, records InboundCapped when it holds, and a new window starts afresh", async () => {
    const w = world("2026-11-23T08:10:00Z");
    const now = w.deps.clock.now();
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await checkInboundCap(w.deps, now));
    expect(results.map(Boolean)).toEqual([false, false, false, true, true]);
    expect(w.metrics.filter((p) => p.name === "InboundCapped")).toHaveLength(2);
    expect(await w.deps.throttle.peekWindow(INBOUND_ALL, 600, now)).toBe(5);
    expect(await checkInboundCap(w.deps, new Date(now.getTime() + 600_000))).toBeUndefined();
  });

  it("the cap is a configuration field with a default", () => {
    const base = {
      supportAddress: "soporte@aviso.test",
      technicians: [{ address: "lucia@aviso.test" }],
      tokenSecret: "unit-secret-0123456789",
      feedbackUrl: "http://127.0.0.1:3000/feedback",
    };
    expect(loadConfig(base).maxInboundMailsPer10Minutes).toBe(300);
    expect(loadConfig(base).closedTicketRetentionDays).toBe(400);
    expect(() => loadConfig({ ...base, maxInboundMailsPer10Minutes: 0 })).toThrow(
      /maxInboundMailsPer10Minutes/,
    );
  });
});
