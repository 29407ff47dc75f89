import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, actionsOf, REGION, statementsOf, synthAws, target } from "./aws-synth";

/*
 * Finding 5: enforceSSL writes a topic policy of one Deny, which replaces SNS's default policy; unless
 * it also allows CloudWatch (cloudwatch.amazonaws.com) to sns:Publish, no alarm ever arrives.
 */
let synth: Awaited<ReturnType<typeof synthAws>>;
beforeAll(async () => {
  synth = await synthAws();
}, 180_000);

describe("the alarm topic", () => {
  it("lets this account's CloudWatch alarms publish, and still refuses plain HTTP", () => {
    const topics = synth.ofType("AWS::SNS::Topic");
    expect(topics).toHaveLength(1);
    const topicId = topics[0]?.[0];
    const policies = synth
      .ofType("AWS::SNS::TopicPolicy")
      .filter(([, p]) => (p.Properties.Topics as unknown[]).some((t) => target(t) === topicId));
    expect(policies).toHaveLength(1);
    const statements = statementsOf(policies[0]?.[1] as never);
    const allow = statements.filter(
      (s) =>
        s.Effect === "Allow" &&
        JSON.stringify(s.Principal) === JSON.stringify({ Service: "cloudwatch.amazonaws.com" }) &&
        actionsOf(s).includes("sns:Publish") &&
        target(s.Resource) === topicId,
    );
    expect(allow).toHaveLength(1);
    // Not a confused deputy: only this account's alarms in this region.
    expect(allow[0]?.Condition).toEqual({
      ArnLike: {
        "aws:SourceArn": {
          "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, `:cloudwatch:${REGION}:${ACCOUNT}:alarm:*`]],
        },
      },
      StringEquals: { "aws:SourceAccount": ACCOUNT },
    });
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
  });

  it("is every alarm's action", () => {
    const topicId = synth.ofType("AWS::SNS::Topic")[0]?.[0];
    const alarms = synth.ofType("AWS::CloudWatch::Alarm");
    expect(
      alarms.filter(([, a]) => target((a.Properties.AlarmActions as unknown[])?.[0]) !== topicId),
    ).toEqual([]);
  });
});
