import { describe, expect, it } from "vitest";
import { runCostModel } from "../../tools/prove/cost";
import { runLoad } from "../../tools/prove/load";
import { useHarness } from "../integration/harness";

describe("load on the local runtime over SMTP (short run; `npm run bench` runs 20 mails/s for 60 s)", () => {
  it("acknowledges every mail of a steady stream, with technician events on the API meanwhile, without errors", async () => {
    const report = await runLoad({ ratePerSecond: 10, seconds: 3 });
    expect(report.examples).toEqual([]);
    expect(report.mailsAccepted).toBe(30);
    expect(report.acknowledged).toBe(30);
    expect(report.smtpErrors + report.apiErrors).toBe(0);
    expect(report.unacknowledged).toBe(0);
    expect(report.runtimeErrors).toBe(0);
    // Measured from the hand-over to SMTP: never shorter than the time to the SMTP 250.
    expect(report.ackLatencyMs.p50).toBeGreaterThanOrEqual(report.smtpAcceptMs.p50);
    expect(report.apiEvents).toBeGreaterThan(0);
    expect(report.ackLatencyMs.p50).toBeGreaterThan(0);
  }, 180_000);
});

describe("cost model", () => {
  const local = useHarness();

  it("meters what simulated tickets use and prices it, line by line", async () => {
    const report = await runCostModel({
      endpoints: { dynamo: local().dynamo.endpoint, ses: local().ses.endpoint },
      tickets: 6,
    });
    const u = report.usagePerTicket;
    expect(u["inbound mails"]).toBeGreaterThanOrEqual(1);
    expect(u["SES messages"]).toBeGreaterThan(2);
    expect(u["DynamoDB write units"]).toBeGreaterThan(u["commits with effects"]);
    expect(u["timer firings"]).toBeGreaterThan(0);
    const total = report.lines.reduce((s, l) => s + l.usdPer1000Tickets, 0);
    expect(report.usdPer1000Tickets).toBeCloseTo(total, 3);
    expect(report.usdPer1000Tickets).toBeGreaterThan(0);
    // An open ticket's business day: one daily update and its timers.
    expect(report.openTicketDay.usage["timer firings"]).toBeGreaterThanOrEqual(1);
    expect(report.openTicketDay.usage["SES messages"]).toBeGreaterThanOrEqual(1);
    expect(report.openTicketDay.usdFor100kOpenTicketsPerDay).toBeGreaterThan(0);
  }, 300_000);
});
