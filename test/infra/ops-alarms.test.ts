import { beforeAll, describe, expect, it } from "vitest";
import { synthAws, target } from "./aws-synth";

/*
 * Issue 14 (a global inbound cap, with an alarm) and issue 15 ("Operating aviso": each alarm, what it
 * means, what to do): every alarm of the template says what it means and notifies the alarm topic.
 */
let synth: Awaited<ReturnType<typeof synthAws>>;
beforeAll(async () => {
  synth = await synthAws();
}, 180_000);

interface AlarmProperties {
  id: string;
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  AlarmDescription?: string;
  AlarmActions?: unknown[];
  [key: string]: unknown;
}
const alarms = (): AlarmProperties[] =>
  synth.ofType("AWS::CloudWatch::Alarm").map(([id, a]) => ({ id, ...a.Properties }));

describe("the alarms", () => {
  // Each figure is written with the service dimension alone (adapters/metrics.ts: a figure with
  // dimensions of its own would be another series, one the alarm never sees).
  it.each([
    ["InboundCapped", "any mail the global inbound cap held in five minutes"],
    ["EffectsGivenUp", "any outbox effect given up in five minutes"],
  ])("%s: %s, as the functions write it", (metric) => {
    const capped = alarms().filter((a) => a.MetricName === metric);
    expect(capped).toHaveLength(1);
    expect(capped[0]).toMatchObject({
      Namespace: "aviso",
      Dimensions: [{ Name: "service", Value: "aviso" }],
      Statistic: "Sum",
      Period: 300,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
    });
  });

  it("every function has an error alarm", () => {
    const watched = alarms()
      .filter((a) => a.Namespace === "AWS/Lambda" && a.MetricName === "Errors")
      .map((a) => target(a.Dimensions?.[0]?.Value));
    expect(
      synth
        .functions()
        .map(([id]) => id)
        .sort(),
    ).toEqual([...watched].sort());
  });

  it("each says what it means and where the runbook is, and notifies the alarm topic", () => {
    const topics = synth.ofType("AWS::SNS::Topic").map(([id]) => id);
    expect(topics).toHaveLength(1);
    for (const alarm of alarms()) {
      expect(alarm.AlarmDescription, alarm.id).toMatch(/^aviso: /);
      expect((alarm.AlarmActions ?? []).map(target), alarm.id).toEqual(topics);
    }
    expect(
      alarms()
        .filter((a) => a.Namespace === "AWS/SQS")
        .every((a) => /Operating aviso/.test(String(a.AlarmDescription))),
    ).toBe(true);
  });
});
