import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as s3 from "aws-cdk-lib/aws-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../infra/app";
import { deployConfig } from "../../infra/config";
import { buildTemplates } from "../../tools/build-templates";
import { synthWithNag } from "./nag";

const aviso = {
  domain: "support.example.com",
  supportAddress: "help@support.example.com",
  technicians: [{ address: "tech@example.com", name: "Tech" }],
  supportLead: "lead@example.com",
  technicianTimeZone: "Europe/Madrid",
  defaultLocale: "es",
  activateReceiptRuleSet: true,
  alarmEmail: "ops@example.com",
};

let template: Template;
let outdir: string;
beforeAll(async () => {
  await buildTemplates();
  const { app, stack } = buildApp({ aviso, stackName: "AvisoTest" });
  app.synth(); // runs cdk-nag AwsSolutions; throws on any unacknowledged finding
  template = Template.fromStack(stack);
  outdir = app.outdir;
}, 180_000);

describe("the stack", () => {
  it("has the single table of DESIGN §2: keys, on demand, PITR, TTL, stream", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "PK", KeyType: "HASH" },
        { AttributeName: "SK", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      StreamSpecification: { StreamViewType: "NEW_IMAGE" },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: "Pending",
          KeySchema: [
            { AttributeName: "pending", KeyType: "HASH" },
            { AttributeName: "createdAt", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "KEYS_ONLY" },
        }),
        Match.objectLike({
          IndexName: "Active",
          KeySchema: [
            { AttributeName: "activeShard", KeyType: "HASH" },
            { AttributeName: "activeUntil", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["ticket"] },
        }),
      ],
    });
  });

  it("keeps raw mail encrypted, private and SSL-only, with a lifecycle", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: Match.anyValue(),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: "Enabled" },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 400 })]) },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("receives mail with SES: raw to S3 first, then the inbound function", () => {
    template.hasResourceProperties("AWS::SES::ReceiptRule", {
      Rule: {
        Recipients: ["support.example.com"],
        ScanEnabled: true,
        TlsPolicy: "Require",
        Actions: [
          { S3Action: Match.objectLike({ ObjectKeyPrefix: "inbound/" }) },
          { LambdaAction: Match.objectLike({ InvocationType: "Event" }) },
        ],
      },
    });
    template.resourceCountIs("Custom::AWS", 1); // activation, asked for in the config
    template.hasResourceProperties("AWS::SES::EmailIdentity", { DkimAttributes: { SigningEnabled: true } });
  });

  it("runs five arm64 nodejs22.x functions, traced, with the SDK left out of the bundle", () => {
    const functions = template.findResources("AWS::Lambda::Function", {
      Properties: { Runtime: "nodejs22.x", Architectures: ["arm64"], TracingConfig: { Mode: "Active" } },
    });
    expect(Object.keys(functions)).toHaveLength(6);
  });

  it("ships the configuration, holidays written out, beside every function's code", () => {
    const functions = Object.values(
      template.findResources("AWS::Lambda::Function", { Properties: { Runtime: "nodejs22.x" } }),
    );
    expect(functions).toHaveLength(6);
    for (const f of functions) {
      const asset = join(outdir, `asset.${(f.Properties.Code.S3Key as string).replace(/\.zip$/, "")}`);
      expect(readdirSync(asset).sort()).toEqual(["aviso-config.json", "index.mjs", "index.mjs.map"]);
      const shipped = JSON.parse(readFileSync(join(asset, "aviso-config.json"), "utf8"));
      expect(shipped).toMatchObject({ supportAddress: aviso.supportAddress, technicians: aviso.technicians });
      expect(shipped.defaultCalendar.holidays.dates).toContain("2030-12-25");
      expect(shipped.feedbackUrl).toBeUndefined(); // a deploy-time value: AVISO_FEEDBACK_URL
      expect(f.Properties.Environment.Variables.AVISO_CONFIG).toBeUndefined();
    }
  });

  it("triggers the outbox on outbox inserts only, with partial batch failures and a DLQ", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BisectBatchOnFunctionError: true,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ["INSERT"],
              dynamodb: { Keys: { SK: { S: [{ prefix: "OUT#" }] } } },
            }),
          },
        ],
      },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it("names resources in IAM wherever a resource can be named", () => {
    const policies = template.findResources("AWS::IAM::Policy");
    const starred: string[] = [];
    for (const [id, policy] of Object.entries(policies)) {
      for (const statement of policy.Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
      }[]) {
        const actions = ([] as string[]).concat(statement.Action);
        // These accept no resource-level permission in IAM at all.
        const unscopable = (a: string) =>
          a.startsWith("xray:") ||
          a === "ses:SetActiveReceiptRuleSet" ||
          a === "dynamodb:ListStreams" ||
          a === "scheduler:ListSchedules";
        if (statement.Resource === "*" && !actions.every(unscopable)) {
          starred.push(`${id}: ${actions.join(",")}`);
        }
      }
    }
    expect(starred).toEqual([]);
    const statements = Object.values(policies).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const scheduling = statements.find((st) =>
      ([] as string[]).concat(st.Action).includes("scheduler:CreateSchedule"),
    );
    expect(JSON.stringify(scheduling?.Resource)).toContain(":schedule/AvisoTest-timers/*");
    const sending = statements.find((st) => ([] as string[]).concat(st.Action).includes("ses:SendEmail"));
    expect(JSON.stringify(sending?.Resource)).toMatch(/identity\/support\.example\.com.*configuration-set/);
  });

  it("has a schedule group and a role only EventBridge Scheduler can assume", () => {
    template.resourceCountIs("AWS::Scheduler::ScheduleGroup", 1);
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: "scheduler.amazonaws.com" } })],
      },
    });
  });

  it("alarms on dead letters and errors, and has a dashboard", () => {
    expect(Object.keys(template.findResources("AWS::CloudWatch::Alarm")).length).toBeGreaterThanOrEqual(7);
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    // SES Send events reach ses-events (the sent ledger), and the outbox is swept every five minutes.
    template.hasResourceProperties("AWS::SES::ConfigurationSetEventDestination", {
      EventDestination: Match.objectLike({
        MatchingEventTypes: Match.arrayWith(["send", "bounce", "complaint"]),
      }),
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { source: ["aws.ses"], "detail-type": Match.arrayWith(["Email Sent"]) },
    });
    template.hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "rate(5 minutes)" });
    // The lead's weekly report: a Scheduler cron in the lead's time zone, invoking the outbox function.
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 9 ? * MON *)",
      ScheduleExpressionTimezone: "Europe/Madrid",
      Target: Match.objectLike({ Input: JSON.stringify({ aviso: "weekly-report" }) }),
    });
    // The lead's figures, read from the EMF the handlers write (namespace "aviso").
    const dashboard = JSON.stringify(Object.values(template.findResources("AWS::CloudWatch::Dashboard"))[0]);
    for (const figure of [
      "SilenceBusinessHours",
      "TimeToAcknowledgementSeconds",
      "TimeToDiagnosisBusinessHours",
      "TimeToResolutionBusinessHours",
      "ClientMessagesSent",
      "Escalations",
      "Reopenings",
      "Rating",
    ])
      expect(dashboard).toContain(`\\"aviso\\",\\"${figure}\\"`);
    template.hasResourceProperties("AWS::ApiGatewayV2::Route", {
      RouteKey: "POST /tickets/{id}/events",
      AuthorizationType: "AWS_IAM",
    });
  });
});

describe("cdk-nag", () => {
  it("fails the synth on a finding nobody acknowledged (so a clean synth means something)", () => {
    const { app, stack } = buildApp({ aviso, stackName: "AvisoNagProbe", "aws:cdk:bundling-stacks": [] });
    new s3.Bucket(stack, "CarelessBucket");
    const { failed, findings } = synthWithNag(app);
    expect(failed).toBe(true);
    // Exactly the careless bucket's two findings: no access logs, no SSL-only policy.
    expect(findings).toEqual([
      { rule: "AwsSolutions-S1", severity: "error", path: "AvisoNagProbe/CarelessBucket/Resource" },
      { rule: "AwsSolutions-S10", severity: "error", path: "AvisoNagProbe/CarelessBucket/Resource" },
    ]);
  }, 180_000);
});

describe("deployment configuration", () => {
  it("names each wrong field", () => {
    const wrong = () =>
      deployConfig({ ...aviso, domain: "not a domain", technicians: [{ address: "nope" }] });
    expect(wrong).toThrow(/aviso\.domain: must be a domain name/);
    expect(wrong).toThrow(/aviso\.technicians\.0\.address/);
    expect(() => deployConfig({ ...aviso, supportAddress: "help@elsewhere.com" })).toThrow(
      /aviso\.supportAddress/,
    );
    expect(() => deployConfig('{"domain": ')).toThrow(/not valid JSON/);
    expect(() => deployConfig({ ...aviso, holidayYears: { first: 2030, last: 2029 } })).toThrow(
      /aviso\.holidayYears\.last/,
    );
  });
});
