import { beforeAll, describe, expect, it } from "vitest";
import { synthAws } from "./aws-synth";
import { validateTemplate } from "./registry-schema";

/*
 * The template against the CloudFormation registry schemas (registry-schemas/generated, from
 * cfn-lint's copy of the registry for eu-west-1): what CloudFormation would reject at deploy time,
 * found at synth. Synthesized with a literal account and region, a parent-domain hosted zone, 25
 * technicians and Madrid's holidays (every optional part on), and without a zone.
 */
type Template = { Resources: Record<string, Record<string, unknown>> };
let withZone: Template;
let withoutZone: Template;
beforeAll(async () => {
  withZone = (await synthAws()).template.toJSON() as Template;
  const { bigAviso } = await import("./aws-synth");
  const { hostedZone: _zone, alarmEmail: _mail, ...bare } = bigAviso;
  withoutZone = (await synthAws(bare, "AvisoBare")).template.toJSON() as Template;
}, 240_000);

const copy = (t: Template): Template => JSON.parse(JSON.stringify(t));
const first = (t: Template, type: string) =>
  Object.values(t.Resources).find((r) => r.Type === type) as { Properties: Record<string, unknown> };

describe("the template against the CloudFormation registry schemas", () => {
  it("has every resource's properties as the registry declares them", () => {
    expect(validateTemplate(withZone)).toEqual([]);
    expect(validateTemplate(withoutZone)).toEqual([]);
  });

  it("checks what the registry checks (so a clean result means something)", () => {
    const broken = copy(withZone);
    first(broken, "AWS::Lambda::Function").Properties.Timeout = "30"; // CloudFormation converts it: fine
    first(broken, "AWS::Lambda::Function").Properties.MemorySize = 99; // minimum 128
    first(broken, "AWS::Lambda::Function").Properties.TracingConfig = { Mode: "On" }; // enum
    delete first(broken, "AWS::SES::EmailIdentity").Properties.EmailIdentity; // required
    first(broken, "AWS::SQS::Queue").Properties.MessageRetentionPeriod = 86_400 * 30; // maximum 14 days
    first(broken, "AWS::Logs::LogGroup").Properties.RetentionInDays = 91; // enum
    first(broken, "AWS::Events::Rule").Properties.Name = "x".repeat(65); // maxLength 64
    first(broken, "AWS::Scheduler::ScheduleGroup").Properties.Name = "no spaces allowed"; // pattern
    first(broken, "AWS::SES::EmailIdentity").Properties.DkimDNSTokenName1 = "x"; // read-only
    first(broken, "AWS::S3::Bucket").Properties.Versioning = { Status: "Enabled" }; // unknown property
    const problems = validateTemplate(broken).map((p) => `${p.path} ${p.problem}`);
    for (const expected of [
      /AWS::Lambda::Function MemorySize: 99 is less than 128/,
      /AWS::Lambda::Function TracingConfig.Mode: "On" is not one of/,
      /AWS::SES::EmailIdentity : required property EmailIdentity is missing/,
      /AWS::SQS::Queue MessageRetentionPeriod: 2592000 is more than 1209600/,
      /AWS::Logs::LogGroup RetentionInDays: 91 is not one of/,
      /AWS::Events::Rule Name: 65 characters, more than 64/,
      /AWS::Scheduler::ScheduleGroup Name: "no spaces allowed" does not match/,
      /AWS::SES::EmailIdentity DkimDNSTokenName1: read-only/,
      /AWS::S3::Bucket Versioning: not a property the schema knows/,
    ]) {
      expect(
        problems.filter((p) => expected.test(p)),
        String(expected),
      ).toHaveLength(1);
    }
    expect(problems.some((p) => p.includes("Timeout"))).toBe(false);
  });

  it("names a resource type it has no schema for, and how to add it", () => {
    const odd = { Resources: { Thing: { Type: "AWS::Made::Up", Properties: {} } } };
    expect(validateTemplate(odd)).toEqual([
      {
        resource: "Thing",
        path: "",
        problem:
          "no registry schema for AWS::Made::Up: npx tsx test/infra/registry-schemas/update.ts AWS::Made::Up",
      },
    ]);
  });
});
