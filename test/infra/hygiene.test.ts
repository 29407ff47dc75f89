import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { bigAviso, REGION, synthAws } from "./aws-synth";

/*
 * Finding 13: what a stack delete must keep (the signing secret: every reply address and feedback link
 * already sent depends on it; the table), stack traces that point at the source, and the mail
 * authentication receivers check (a custom MAIL FROM domain with its MX and SPF, and DMARC).
 */
let synth: Awaited<ReturnType<typeof synthAws>>;
beforeAll(async () => {
  synth = await synthAws();
}, 180_000);

describe("what a stack delete keeps", () => {
  it("retains the signing secret", () => {
    const secrets = synth.ofType("AWS::SecretsManager::Secret");
    expect(secrets).toHaveLength(1);
    expect(secrets[0]?.[1]).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
  });

  it("protects the table from deletion, and retains it", () => {
    const tables = synth.ofType("AWS::DynamoDB::Table");
    expect(tables).toHaveLength(1);
    expect(tables[0]?.[1]).toMatchObject({
      DeletionPolicy: "Retain",
      Properties: expect.objectContaining({ DeletionProtectionEnabled: true }),
    });
  });
});

describe("stack traces", () => {
  it("map to the source in every function (source maps are bundled; Node must be told to use them)", () => {
    const functions = synth.functions();
    expect(functions).toHaveLength(6);
    for (const [, f] of functions) {
      expect((f.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        NODE_OPTIONS: "--enable-source-maps",
      });
    }
  });
});

describe("mail authentication with a hosted zone", () => {
  const records = () => synth.ofType("AWS::Route53::RecordSet").map(([, r]) => r.Properties);
  const named = (type: string, name: string) =>
    records().filter((r) => r.Type === type && r.Name === name && r.HostedZoneId === "Z0123456789");

  it("sends with MAIL FROM bounce.<domain>, its MX and SPF in the zone", () => {
    synth.template.hasResourceProperties("AWS::SES::EmailIdentity", {
      EmailIdentity: "support.example.com",
      MailFromAttributes: {
        MailFromDomain: "bounce.support.example.com",
        BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
      },
    });
    expect(named("MX", "bounce.support.example.com.").map((r) => r.ResourceRecords)).toEqual([
      [`10 feedback-smtp.${REGION}.amazonses.com`],
    ]);
    expect(named("TXT", "bounce.support.example.com.").map((r) => r.ResourceRecords)).toEqual([
      ['"v=spf1 include:amazonses.com ~all"'],
    ]);
  });

  it("publishes a DMARC policy for the support domain", () => {
    const dmarc = named("TXT", "_dmarc.support.example.com.");
    expect(dmarc).toHaveLength(1);
    expect(dmarc[0]?.ResourceRecords).toEqual(['"v=DMARC1; p=quarantine; adkim=r; aspf=r"']);
  });

  it("creates no MAIL FROM and no records without a zone", async () => {
    const { hostedZone: _zone, ...withoutZone } = bigAviso;
    const bare = await synthAws(withoutZone, "AvisoNoZone");
    bare.template.resourceCountIs("AWS::Route53::RecordSet", 0);
    bare.template.hasResourceProperties("AWS::SES::EmailIdentity", {
      EmailIdentity: "support.example.com",
      MailFromAttributes: Match.absent(),
    });
  }, 180_000);
});
