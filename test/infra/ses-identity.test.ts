import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, actionsOf, REGION, statementsOf, synthAws } from "./aws-synth";

/* Finding 3: with a hosted zone of the PARENT domain, SES's identity must still be the support subdomain. */
let synth: Awaited<ReturnType<typeof synthAws>>;
beforeAll(async () => {
  synth = await synthAws();
}, 180_000);

describe("SES identity with a hosted zone of the parent domain", () => {
  it("is the support subdomain, not the zone's apex", () => {
    const identities = synth.ofType("AWS::SES::EmailIdentity").map(([, r]) => r.Properties.EmailIdentity);
    expect(identities).toEqual(["support.example.com"]);
  });

  it("puts its three DKIM CNAMEs into the zone under their own fully qualified names", () => {
    const [identityId] = synth.ofType("AWS::SES::EmailIdentity")[0] ?? [];
    const dkim = synth
      .ofType("AWS::Route53::RecordSet")
      .map(([, r]) => r.Properties)
      .filter((r) => r.Type === "CNAME");
    expect(dkim).toHaveLength(3);
    for (const [i, record] of dkim.entries()) {
      expect(record.HostedZoneId).toBe("Z0123456789");
      // SES's DKIM names are fully qualified (…._domainkey.support.example.com): no zone name appended.
      expect(record.Name).toEqual({
        "Fn::Join": ["", [{ "Fn::GetAtt": [identityId, `DkimDNSTokenName${i + 1}`] }, "."]],
      });
      expect(record.ResourceRecords).toEqual([{ "Fn::GetAtt": [identityId, `DkimDNSTokenValue${i + 1}`] }]);
    }
  });

  it("routes the subdomain's mail to SES, and nothing of the apex", () => {
    const records = synth.ofType("AWS::Route53::RecordSet").map(([, r]) => r.Properties);
    const mx = records.filter((r) => r.Type === "MX" && r.Name === "support.example.com.");
    expect(mx.map((r) => [r.HostedZoneId, r.ResourceRecords])).toEqual([
      ["Z0123456789", [`10 inbound-smtp.${REGION}.amazonaws.com`]],
    ]);
    expect(records.filter((r) => r.Name === "example.com.")).toEqual([]);
  });

  it("lets the functions send from the subdomain's identity", () => {
    const sending = synth
      .ofType("AWS::IAM::Policy")
      .flatMap(([, p]) => statementsOf(p))
      .filter((s) => actionsOf(s).includes("ses:SendEmail"));
    expect(sending.length).toBeGreaterThan(0);
    for (const s of sending) {
      expect(JSON.stringify(s.Resource)).toContain(`:ses:${REGION}:${ACCOUNT}:identity/support.example.com"`);
    }
  });
});
