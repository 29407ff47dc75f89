import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as route53 from "aws-cdk-lib/aws-route53";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as ses from "aws-cdk-lib/aws-ses";
import * as sesActions from "aws-cdk-lib/aws-ses-actions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import { ATTACHMENTS_PREFIX } from "../../functions/adapters/s3-attachments";
import type { DeployConfig } from "../config";
import type { Data } from "./data";
import { deadLetterQueue, handlerFunction } from "./handler";
import { acknowledge, wildcardResource } from "./nag";

/** Where SES keeps each received mail in the raw-mail bucket. */
export const RAW_PREFIX = "inbound/";
/** What a function does with kept attachments (each names the S3 actions it needs). */
export type AttachmentUse = "keep" | "read" | "remove";

export interface MailInProps {
  data: Data;
  config: DeployConfig;
  /** The outbox's configuration set, which the domain's identity sends through. */
  configurationSet: ses.IConfigurationSet;
}

/**
 * Mail in (DESIGN §2): the domain's SES identity (DKIM, and MX when the zone is given), a receipt rule
 * that keeps the raw mail in an encrypted, versioned bucket first and then hands the receipt to the
 * inbound function, which only reads what SES wrote.
 */
export class MailIn extends Construct {
  readonly rawMail: s3.Bucket;
  /** Where the stack's buckets log their server access (each under a prefix of its own). */
  readonly accessLogs: s3.Bucket;
  readonly function: nodejs.NodejsFunction;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: MailInProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);

    this.accessLogs = new s3.Bucket(this, "AccessLogs", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // No access logs of its own: cdk-nag (S1) knows it as the raw-mail bucket's log target.
    this.rawMail = new s3.Bucket(this, "RawMail", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "raw-mail/",
      // One rule for the whole bucket: raw mail (inbound/) and the attachments kept from it
      // (attachments/) expire alike, as the README's privacy table states.
      lifecycleRules: [
        {
          expiration: Duration.days(config.rawMailRetentionDays),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const zone = config.hostedZone
      ? route53.PublicHostedZone.fromHostedZoneAttributes(this, "Zone", {
          hostedZoneId: config.hostedZone.id,
          zoneName: config.hostedZone.name,
        })
      : undefined;
    // The identity is the support domain itself, even when the zone is its parent's: aviso owns no
    // identity, DKIM key or default configuration set of the organisation's own mail.
    // With the zone, mail leaves with a MAIL FROM of aviso's own (bounce.<domain>), so SPF aligns
    // with the From domain for DMARC; until its MX resolves, SES uses its default MAIL FROM.
    const mailFromDomain = `bounce.${config.domain}`;
    const identity = new ses.EmailIdentity(this, "Identity", {
      identity: ses.Identity.domain(config.domain),
      configurationSet: props.configurationSet,
      dkimSigning: true,
      ...(zone
        ? { mailFromDomain, mailFromBehaviorOnMxFailure: ses.MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE }
        : {}),
    });
    if (zone) {
      // SES's DKIM names are fully qualified (<token>._domainkey.<domain>): the trailing dot keeps
      // Route 53 from appending the zone's name.
      identity.dkimRecords.forEach((record, i) => {
        new route53.CnameRecord(this, `Dkim${i + 1}`, {
          zone,
          recordName: `${record.name}.`,
          domainName: record.value,
          ttl: Duration.minutes(30),
        });
      });
      new route53.MxRecord(this, "Mx", {
        zone,
        recordName: config.domain,
        values: [{ priority: 10, hostName: `inbound-smtp.${stack.region}.amazonaws.com` }],
      });
      new route53.MxRecord(this, "MailFromMx", {
        zone,
        recordName: mailFromDomain,
        values: [{ priority: 10, hostName: `feedback-smtp.${stack.region}.amazonses.com` }],
      });
      new route53.TxtRecord(this, "MailFromSpf", {
        zone,
        recordName: mailFromDomain,
        values: ["v=spf1 include:amazonses.com ~all"],
      });
      // DMARC for the support domain: DKIM (d=<domain>) and SPF (bounce.<domain>) both align relaxed.
      new route53.TxtRecord(this, "Dmarc", {
        zone,
        recordName: `_dmarc.${config.domain}`,
        values: ["v=DMARC1; p=quarantine; adkim=r; aspf=r"],
      });
    }

    this.deadLetters = deadLetterQueue(
      this,
      "DeadLetters",
      "received mail the inbound function failed on (SES receipts)",
    );
    this.function = handlerFunction(this, "Function", props.data, "inbound-email.ts", {
      deadLetterQueue: this.deadLetters,
      retryAttempts: 2,
    });
    this.rawMail.grantRead(this.function, `${RAW_PREFIX}*`);
    for (const action of ["s3:GetObject*", "s3:GetBucket*", "s3:List*"]) {
      acknowledge(
        this.function,
        `AwsSolutions-IAM5[Action::${action}]`,
        "CDK's read grant on the raw-mail bucket, limited to the inbound/ prefix.",
      );
    }
    acknowledge(
      this.function,
      wildcardResource(this.function, this.rawMail.arnForObjects(`${RAW_PREFIX}*`)),
      "Raw mail arrives under one key per message, all under inbound/.",
    );
    this.grantAttachments(this.function, ["keep"]);

    // SES keeps the raw mail in S3, then hands the receipt to the inbound function.
    const ruleSet = config.existingReceiptRuleSet
      ? ses.ReceiptRuleSet.fromReceiptRuleSetName(this, "RuleSet", config.existingReceiptRuleSet)
      : new ses.ReceiptRuleSet(this, "RuleSet", { receiptRuleSetName: `${stack.stackName}-inbound` });
    const rule = ruleSet.addRule("Support", {
      recipients: [config.domain],
      scanEnabled: true,
      tlsPolicy: ses.TlsPolicy.REQUIRE,
      actions: [
        new sesActions.S3({ bucket: this.rawMail, objectKeyPrefix: RAW_PREFIX }),
        new sesActions.Lambda({
          function: this.function,
          invocationType: sesActions.LambdaInvocationType.EVENT,
        }),
      ],
    });
    if (config.activateReceiptRuleSet && !config.existingReceiptRuleSet) {
      this.activate(ruleSet.receiptRuleSetName, rule);
    }
  }

  /**
   * Lets `grantee` delete kept raw mail, every version (S3RawMail.delete): closed tickets expired by
   * the daily jobs take their raw mail with them. Only under inbound/.
   */
  grantDeleteRawMail(grantee: lambda.Function): void {
    const objects = this.rawMail.arnForObjects(`${RAW_PREFIX}*`);
    grantee.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
        resources: [objects],
      }),
    );
    grantee.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucketVersions"],
        resources: [this.rawMail.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${RAW_PREFIX}*`] } },
      }),
    );
    acknowledge(
      grantee,
      wildcardResource(grantee, objects),
      "Raw mail arrives under one key per message, all under inbound/.",
    );
  }

  /**
   * Lets `grantee` use the attachments kept under attachments/ (S3AttachmentStore): keep (PutObject,
   * the inbound function; the API, whose release of held mail keeps them too), read (GetObject, also
   * what a presigned GET is signed with; the outbox, the API) and remove (DeleteObject; forgetting,
   * retention). Reading and removing find a file by listing its ticket's or hash's prefix, so those
   * may list the bucket under attachments/ only.
   */
  grantAttachments(grantee: lambda.Function, uses: AttachmentUse[]): void {
    const objects = this.rawMail.arnForObjects(`${ATTACHMENTS_PREFIX}*`);
    // Removing deletes every version (the bucket is versioned): a forgotten client's files must not
    // linger as old versions.
    const actions = {
      keep: ["s3:PutObject"],
      read: ["s3:GetObject"],
      remove: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
    };
    grantee.addToRolePolicy(
      new iam.PolicyStatement({ actions: uses.flatMap((use) => actions[use]), resources: [objects] }),
    );
    if (uses.some((use) => use !== "keep"))
      grantee.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["s3:ListBucket", ...(uses.includes("remove") ? ["s3:ListBucketVersions"] : [])],
          resources: [this.rawMail.bucketArn],
          conditions: { StringLike: { "s3:prefix": [`${ATTACHMENTS_PREFIX}*`] } },
        }),
      );
    acknowledge(
      grantee,
      wildcardResource(grantee, objects),
      "Attachments are kept under one key per ticket, hash and name, all under attachments/.",
    );
  }

  /** Makes aviso's rule set the active one (only one per region can be), and inactive again on delete. */
  private activate(ruleSetName: string, rule: ses.ReceiptRule): void {
    const stack = Stack.of(this);
    const activate = new cr.AwsCustomResource(this, "ActivateRuleSet", {
      onCreate: {
        service: "SES",
        action: "setActiveReceiptRuleSet",
        parameters: { RuleSetName: ruleSetName },
        physicalResourceId: cr.PhysicalResourceId.of(`${stack.stackName}-active-rule-set`),
      },
      onDelete: { service: "SES", action: "setActiveReceiptRuleSet", parameters: {} },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ["ses:SetActiveReceiptRuleSet"], resources: ["*"] }),
      ]),
      installLatestAwsSdk: false,
    });
    activate.node.addDependency(rule);
    acknowledge(
      activate,
      "AwsSolutions-IAM5[Resource::*]",
      "ses:SetActiveReceiptRuleSet does not support resource-level permissions.",
    );
    // CDK's custom-resource provider: one function per stack, made by the first AwsCustomResource.
    const provider = stack.node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, "")}`,
    );
    if (provider) {
      acknowledge(
        provider,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "CDK's custom-resource provider writes its own logs with the narrow managed policy.",
      );
    }
  }
}
