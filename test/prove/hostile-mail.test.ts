import { describe, expect, it } from "vitest";
import { ADVERSARIAL_SHAPES, MUTATIONS, runAdversarial, runFuzzer } from "../../tools/prove/fuzz";
import { RESPONDERS, runLoopTests } from "../../tools/prove/loop";
import { useHarness } from "../integration/harness";

const local = useHarness();

describe("hostile and broken mail (short run; `npm run bench` mutates 10,000)", () => {
  it("keeps every mutated corpus mail raw, then processes or quarantines it with a reason; nothing throws", async () => {
    const report = await runFuzzer({ dynamoEndpoint: local().dynamo.endpoint, mails: 300, seed: 11 });
    expect(report.examples).toEqual([]);
    expect(report.crashes).toBe(0);
    expect(report.silentDrops).toBe(0);
    expect(report.rawNotKept).toBe(0);
    expect(report.quarantineEntriesMissing).toBe(0);
    expect(report.processed + report.quarantined).toBe(300);
    expect(report.processed).toBeGreaterThan(0);
    expect(report.quarantined).toBeGreaterThan(0);
    for (const mutation of MUTATIONS) expect(report.mutations[mutation], mutation).toBeGreaterThan(0);
  }, 300_000);
});

describe("adversarial bodies: one mail never freezes the mailbox (short run; `npm run bench` sends 10,000)", () => {
  it('takes the issue\'s 20 KB "1234" + "from <" x 3,400 body through the inbound path, inspected in under a second', async () => {
    const report = await runAdversarial({
      dynamoEndpoint: local().dynamo.endpoint,
      mails: 1,
      bodies: [`1234${"from <".repeat(3_400)}`],
    });
    expect(report.examples).toEqual([]);
    expect(report.processed + report.quarantined).toBe(1);
    expect(report.slowestInspectionMs).toBeLessThan(1000);
  }, 300_000);

  it("inspects 300 generated adversarial mails each in under a second; none crashes or is dropped", async () => {
    const report = await runAdversarial({ dynamoEndpoint: local().dynamo.endpoint, mails: 300, seed: 5 });
    expect(report.examples).toEqual([]);
    expect(report.crashes).toBe(0);
    expect(report.silentDrops).toBe(0);
    expect(report.rawNotKept).toBe(0);
    expect(report.quarantineEntriesMissing).toBe(0);
    expect(report.processed + report.quarantined).toBe(300);
    for (const shape of ADVERSARIAL_SHAPES) expect(report.shapes[shape], shape).toBeGreaterThan(0);
    expect(report.slowestInspectionMs, report.slowestInspection).toBeLessThan(1000);
  }, 300_000);
});

describe("loops, bounce storms and spoofing over a simulated day", () => {
  it("sends any auto-responder at most 10 automatic mails a day, flags a bouncing address, ignores spoofed commands", async () => {
    const report = await runLoopTests({ dynamo: local().dynamo.endpoint, ses: local().ses.endpoint });
    for (const kind of RESPONDERS) {
      expect(report.automaticMailsToResponder[kind], kind).toBeLessThanOrEqual(10);
      expect(report.automaticMailsToResponder[kind], kind).toBeGreaterThan(0); // it was mailed: a real test
      expect(report.responderMails[kind], kind).toBeGreaterThan(0);
    }
    expect(report.bounceStorm).toMatchObject({ flagged: true, mailsAfterFlag: 0, techniciansTold: true });
    expect(report.spoofing).toEqual({ attempts: 5, accepted: 0, genuineAccepted: true });
  }, 300_000);
});
