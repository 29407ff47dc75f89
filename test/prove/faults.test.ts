import { describe, expect, it } from "vitest";
import { FAULTS, runFaultInjection } from "../../tools/prove/faults";
import { useHarness } from "../integration/harness";

const local = useHarness();

describe("fault injection over DynamoDB Local and the local SES server (short run; `npm run bench` runs 1,000 tickets)", () => {
  it("sends every client message of the fault-free reference exactly once, whatever fails", async () => {
    const report = await runFaultInjection({
      endpoints: { dynamo: local().dynamo.endpoint, ses: local().ses.endpoint },
      tickets: 24,
      seed: 7,
      faultRate: 0.25,
    });
    console.log(JSON.stringify(report));
    expect(report.examples).toEqual([]);
    expect(report.clientMessagesExpected).toBeGreaterThan(80);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    expect(report.unexpected).toBe(0);
    expect(report.referenceDuplicated).toBe(0);
    expect(report.clientMessagesSent).toBe(report.clientMessagesExpected);
    // Every kind of fault happened at least once, so the zeros above mean something.
    for (const fault of FAULTS) expect(report.faultsInjected[fault], fault).toBeGreaterThan(0);
  }, 300_000);
});
