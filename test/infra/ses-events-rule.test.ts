import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, REGION, synthAws, target } from "./aws-synth";

/*
 * Finding 9: the ses-events rule took every `aws.ses` event on the default bus, so other applications'
 * bounces and complaints flagged addresses in aviso. SES event publishing puts the configuration set's
 * name among the mail's tags: `detail.mail.tags["ses:configuration-set"]` (SES Developer Guide,
 * "Examples of event data that Amazon SES publishes"; test/unit/bounces.test.ts holds those samples).
 */
let synth: Awaited<ReturnType<typeof synthAws>>;
beforeAll(async () => {
  synth = await synthAws();
}, 180_000);

/** EventBridge's matching, for what aviso's patterns use: lists of exact values, nested objects. */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, want]) => {
    const got = event[key];
    if (Array.isArray(want)) return want.some((w) => (Array.isArray(got) ? got : [got]).includes(w));
    return got !== null && typeof got === "object" && matches(want as Record<string, unknown>, got as never);
  });
}

/** The EventBridge envelope of an SES bounce, its `mail.tags` as the guide's samples have them. */
const bounceOf = (configurationSet: string) => ({
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "Email Bounced",
  source: "aws.ses",
  account: ACCOUNT,
  time: "2017-08-05T00:41:02Z",
  region: REGION,
  resources: [],
  detail: {
    eventType: "Bounce",
    mail: {
      messageId: "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
      tags: {
        "ses:configuration-set": [configurationSet],
        "ses:source-ip": ["192.0.2.0"],
        "ses:from-domain": ["example.com"],
        "ses:caller-identity": ["ses_user"],
      },
    },
  },
});

describe("the SES events rule", () => {
  it("takes only the events of aviso's own configuration set", () => {
    const [setId] = synth.ofType("AWS::SES::ConfigurationSet")[0] ?? [];
    const rules = synth
      .ofType("AWS::Events::Rule")
      .filter(
        ([, r]) =>
          JSON.stringify((r.Properties.EventPattern as { source?: string[] })?.source) === '["aws.ses"]',
      );
    expect(rules).toHaveLength(1);
    const pattern = rules[0]?.[1].Properties.EventPattern as Record<string, unknown>;
    const tags = (pattern.detail as { mail?: { tags?: Record<string, unknown[]> } } | undefined)?.mail?.tags;
    expect(Object.keys(tags ?? {})).toEqual(["ses:configuration-set"]);
    expect(target(tags?.["ses:configuration-set"]?.[0])).toBe(setId);
    // Resolved as EventBridge sees it: aviso's bounce matches, another application's does not.
    const resolved = JSON.parse(
      JSON.stringify(pattern).replace(JSON.stringify({ Ref: setId }), '"aviso-set"'),
    );
    expect(matches(resolved, bounceOf("aviso-set"))).toBe(true);
    expect(matches(resolved, bounceOf("other-application"))).toBe(false);
    expect(matches(resolved, { ...bounceOf("aviso-set"), "detail-type": "Email Delivered" })).toBe(false);
  });
});
