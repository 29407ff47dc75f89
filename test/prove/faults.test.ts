import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../infra/local/dynamodb-local";
import { freePort } from "../../infra/local/ports";
import { type SesLocal, startSesLocal } from "../../infra/local/ses-local";
import { FAULTS, runFaultInjection } from "../../tools/prove/faults";

let dynamo: DynamoDbLocal;
let ses: SesLocal;
beforeAll(async () => {
  [dynamo, ses] = await Promise.all([
    startDynamoDbLocal({ port: await freePort() }),
    startSesLocal({ port: await freePort() }),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([dynamo?.stop(), ses?.stop()]);
});

describe("fault injection over DynamoDB Local and the local SES server (short run; `npm run bench` runs 1,000 tickets)", () => {
  it("sends every client message of the fault-free reference exactly once, whatever fails", async () => {
    const report = await runFaultInjection({
      endpoints: { dynamo: dynamo.endpoint, ses: ses.endpoint },
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
