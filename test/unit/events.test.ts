import { describe, expect, it } from "vitest";
import { EventValidationError, parseEvent } from "../../functions/core";

describe("event schemas", () => {
  it("accepts the DESIGN §3 JSON shape with command words and Spanish aliases", () => {
    const event = parseEvent({
      type: "diagnostico",
      ticketId: "T-1042",
      id: "e1",
      actor: "tech@x.es",
      text: "Driver",
    });
    expect(event.type).toBe("diagnosis");
    expect(
      parseEvent({
        type: "escalado",
        ticketId: "T-1",
        id: "e",
        actor: "t@x.es",
        text: "vendor",
        escalatedTo: "HP",
      }).type,
    ).toBe("escalate");
    expect(
      parseEvent({
        type: "plan",
        ticketId: "T-1",
        id: "e",
        actor: "t@x.es",
        text: "x",
        eta: "2026-11-24 17:00",
      }).type,
    ).toBe("plan");
  });

  it("names the wrong field", () => {
    const attempt = () =>
      parseEvent({ type: "plan", ticketId: "T-1", id: "e", actor: "t@x.es", text: "x", eta: "tomorrow" });
    expect(attempt).toThrow(EventValidationError);
    expect(attempt).toThrow(/eta/);
    expect(() => parseEvent({ type: "feedback", ticketId: "T-1", id: "e", rating: 7 })).toThrow(/rating/);
    expect(() =>
      parseEvent({ type: "diagnosis", ticketId: "1042", id: "e", actor: "t@x.es", text: "x" }),
    ).toThrow(/ticketId/);
    expect(() => parseEvent({ type: "explode", ticketId: "T-1", id: "e" })).toThrow(/type/);
    expect(() => parseEvent({ type: "resolve", ticketId: "T-1", id: "e", actor: "t@x.es" })).toThrow(/fix/);
  });

  it("lists every issue, not just the first", () => {
    try {
      parseEvent({ type: "escalate", ticketId: "T-1", id: "e", actor: "not-an-address", text: "" });
      expect.unreachable();
    } catch (error) {
      const paths = (error as EventValidationError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(["actor.address", "text", "escalatedTo"]));
    }
  });
});
