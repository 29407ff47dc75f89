import { join } from "node:path";
import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as route53 from "aws-cdk-lib/aws-route53";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as secrets from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import * as sesActions from "aws-cdk-lib/aws-ses-actions";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import * as cr from "aws-cdk-lib/custom-resources";
import type { Construct } from "constructs";
import { CLIENT_TEMPLATES, policySettings } from "../functions/core";
import { expandHolidays } from "../functions/core/holidays";
import { TTL_ATTRIBUTE, tableDefinition } from "../functions/store/table";
import type { DeployConfig } from "./config";

const ROOT = join(import.meta.dirname, "..");
const RAW_PREFIX = "inbound/";

export interface AvisoStackProps extends StackProps {
  config: DeployConfig;
}

/** Everything of DESIGN §2 on AWS: mail in and out, the table with its outbox, timers, API, alarms. */
/** The support lead's figures (the EMF the handlers write through Powertools, namespace "aviso"). */
function leadViewWidgets(): cloudwatch.IWidget[][] {
  const metric = (metricName: string, statistic: string, label: string, kind?: string) =>
    new cloudwatch.Metric({
      namespace: "aviso",
      metricName,
      statistic,
      label,
      period: Duration.days(1),
      dimensionsMap: kind ? { service: "aviso", kind } : { service: "aviso" },
    });
  return [
    [
      new cloudwatch.GraphWidget({
        title: "Longest silence before a client message (business hours)",
        left: [
          metric("SilenceBusinessHours", "Maximum", "longest"),
          metric("SilenceBusinessHours", "p90", "p90"),
        ],
        leftAnnotations: [{ value: 9, label: "one business day", color: "#d13212" }],
      }),
      new cloudwatch.GraphWidget({
        title: "Time to acknowledgement (s)",
        left: [
          metric("TimeToAcknowledgementSeconds", "p50", "p50"),
          metric("TimeToAcknowledgementSeconds", "p95", "p95"),
        ],
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: "Time to diagnosis and to resolution (business hours)",
        left: [
          metric("TimeToDiagnosisBusinessHours", "Average", "diagnosis, average"),
          metric("TimeToDiagnosisBusinessHours", "p90", "diagnosis, p90"),
          metric("TimeToResolutionBusinessHours", "Average", "resolution, average"),
          metric("TimeToResolutionBusinessHours", "p90", "resolution, p90"),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: "Client messages sent, by kind",
        stacked: true,
        left: CLIENT_TEMPLATES.map((kind) => metric("ClientMessagesSent", "Sum", kind, kind)),
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: "Opened, escalated, reopened",
        left: [
          metric("TicketsOpened", "Sum", "opened"),
          metric("Escalations", "Sum", "escalations"),
          metric("Reopenings", "Sum", "reopenings"),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: "Ratings (1–5)",
        left: [metric("Rating", "Average", "average rating")],
        right: [metric("Rating", "SampleCount", "ratings")],
        leftYAxis: { min: 1, max: 5 },
      }),
    ],
  ];
}

export class AvisoStack extends Stack {
  readonly table: dynamodb.Table;
  readonly functions: Record<
    "inboundEmail" | "outbox" | "timers" | "ticketEvents" | "sesEvents",
    nodejs.NodejsFunction
  >;

  constructor(scope: Construct, id: string, props: AvisoStackProps) {
    super(scope, id, props);
    const config = props.config;

    // The same key schema the local runtime creates its table from.
    const definition = tableDefinition("aviso");
    const keyName = (type: "HASH" | "RANGE") =>
      definition.KeySchema?.find((k) => k.KeyType === type)?.AttributeName as string;
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: keyName("HASH"), type: dynamodb.AttributeType.STRING },
      sortKey: { name: keyName("RANGE"), type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of definition.GlobalSecondaryIndexes ?? []) {
      const keyOf = (type: "HASH" | "RANGE") => {
        const name = index.KeySchema?.find((k) => k.KeyType === type)?.AttributeName as string;
        return { name, type: dynamodb.AttributeType.STRING };
      };
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName as string,
        partitionKey: keyOf("HASH"),
        sortKey: keyOf("RANGE"),
      });
    }

    const accessLogs = new s3.Bucket(this, "AccessLogs", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This is the bucket that receives the access logs.",
    });
    const rawMail = new s3.Bucket(this, "RawMail", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: "raw-mail/",
      lifecycleRules: [
        {
          expiration: Duration.days(config.rawMailRetentionDays),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const tokenSecret = new secrets.Secret(this, "TokenSecret", {
      description: "aviso: signs the ticket tokens in reply addresses and feedback links",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(tokenSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Rotating the signing key would invalidate every reply address and feedback link already in clients' mailboxes.",
    });

    const dlq = (name: string) => {
      const queue = new sqs.Queue(this, `${name}Dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(queue).acknowledge({
        id: "AwsSolutions-SQS3",
        reason: "This queue is itself a dead-letter queue.",
      });
      return queue;
    };
    const outboxDlq = dlq("Outbox");
    const timersDlq = dlq("Timers");
    const inboundDlq = dlq("Inbound");

    const bus = new events.EventBus(this, "Bus", { eventBusName: `${this.stackName}-tickets` });
    const scheduleGroup = new scheduler.CfnScheduleGroup(this, "Timers", {
      name: `${this.stackName}-timers`,
    });
    const schedulerRole = new iam.Role(this, "SchedulerRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": this.account } },
      }),
      description: "EventBridge Scheduler invokes the aviso timers function",
    });
    timersDlq.grantSendMessages(schedulerRole);

    const configurationSet = new ses.ConfigurationSet(this, "ConfigurationSet", {
      reputationMetrics: true,
      sendingEnabled: true,
    });
    const zone = config.hostedZone
      ? route53.PublicHostedZone.fromHostedZoneAttributes(this, "Zone", {
          hostedZoneId: config.hostedZone.id,
          zoneName: config.hostedZone.name,
        })
      : undefined;
    new ses.EmailIdentity(this, "Identity", {
      identity: zone
        ? ses.Identity.publicHostedZone(zone as route53.IPublicHostedZone)
        : ses.Identity.domain(config.domain),
      configurationSet,
      dkimSigning: true,
    });
    if (zone) {
      new route53.MxRecord(this, "Mx", {
        zone,
        recordName: config.domain,
        values: [{ priority: 10, hostName: `inbound-smtp.${this.region}.amazonaws.com` }],
      });
    }

    const apiLogs = new logs.LogGroup(this, "ApiAccessLogs", {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new apigw.HttpApi(this, "Api", {
      description: "aviso ticket API (IAM-signed); feedback links are signed per ticket",
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: true,
    });
    const stage = api.defaultStage?.node.defaultChild as apigw.CfnStage;
    stage.accessLogSettings = {
      destinationArn: apiLogs.logGroupArn,
      format: JSON.stringify({
        requestId: "$context.requestId",
        ip: "$context.identity.sourceIp",
        caller: "$context.identity.caller",
        route: "$context.routeKey",
        status: "$context.status",
        latency: "$context.responseLatency",
      }),
    };
    const timersName = `${this.stackName}-timers`;
    const appEnvironment = {
      AVISO_CONFIG: JSON.stringify({
        supportAddress: config.supportAddress,
        supportName: config.supportName,
        technicians: config.technicians,
        ...(config.accountManager ? { accountManager: config.accountManager } : {}),
        ...(config.supportLead ? { supportLead: config.supportLead } : {}),
        technicianTimeZone: config.technicianTimeZone,
        defaultLocale: config.defaultLocale,
        // Holidays as dates for this year and the next ten: the functions never load holiday data.
        defaultCalendar: expandHolidays(
          config.defaultCalendar ?? policySettings().defaultCalendar,
          new Date().getFullYear() - 1,
          new Date().getFullYear() + 10,
        ),
        policy: config.policy,
        feedbackUrl: `${api.apiEndpoint}/feedback`,
      }),
      TABLE_NAME: this.table.tableName,
      RAW_BUCKET: rawMail.bucketName,
      RAW_PREFIX,
      TOKEN_SECRET_ARN: tokenSecret.secretArn,
      SCHEDULE_GROUP: scheduleGroup.name as string,
      SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
      TIMERS_DLQ_ARN: timersDlq.queueArn,
      CONFIGURATION_SET: configurationSet.configurationSetName,
      TIMERS_FUNCTION_ARN: `arn:${this.partition}:lambda:${this.region}:${this.account}:function:${timersName}`,
      POWERTOOLS_SERVICE_NAME: "aviso",
    };

    const fn = (name: string, entry: string, extra: Partial<nodejs.NodejsFunctionProps> = {}) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: logs.RetentionDays.THREE_MONTHS,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const f = new nodejs.NodejsFunction(this, name, {
        entry: join(ROOT, "functions/handlers/aws", entry),
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 512,
        timeout: Duration.seconds(30),
        logGroup,
        tracing: lambda.Tracing.ACTIVE,
        environment: appEnvironment,
        projectRoot: ROOT,
        depsLockFilePath: join(ROOT, "package-lock.json"),
        bundling: {
          format: nodejs.OutputFormat.ESM,
          minify: true,
          sourceMap: true,
          target: "node22",
          mainFields: ["module", "main"],
          externalModules: ["@aws-sdk/*"],
          // CommonJS packages bundled into ESM still call require() for Node built-ins.
          banner:
            "import { createRequire as __avisoRequire } from 'node:module'; const require = __avisoRequire(import.meta.url);",
          forceDockerBundling: false,
        },
        ...extra,
      });
      this.table.grantReadWriteData(f);
      tokenSecret.grantRead(f);
      return f;
    };

    const timers = fn("TimersFunction", "timers.ts", { functionName: timersName });
    const outbox = fn("OutboxFunction", "outbox.ts");
    const inboundEmail = fn("InboundEmailFunction", "inbound-email.ts", {
      deadLetterQueue: inboundDlq,
      retryAttempts: 2,
    });
    const ticketEvents = fn("TicketEventsFunction", "ticket-events.ts");
    const sesEvents = fn("SesEventsFunction", "ses-events.ts");
    this.functions = { inboundEmail, outbox, timers, ticketEvents, sesEvents };
    // Bounces and complaints: the configuration set publishes them to the default bus.
    const defaultBus = events.EventBus.fromEventBusName(this, "DefaultBus", "default");
    // Sends too: each is recorded against its outbox effect, so a retry after a crash between SES
    // accepting a mail and the effect being marked done does not send it twice.
    configurationSet.addEventDestination("BouncesAndComplaints", {
      destination: ses.EventDestination.eventBus(defaultBus),
      events: [ses.EmailSendingEvent.SEND, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    new events.Rule(this, "SesEventsRule", {
      eventPattern: {
        source: ["aws.ses"],
        detailType: ["Email Sent", "Email Bounced", "Email Complaint Received"],
      },
      targets: [
        new targets.LambdaFunction(sesEvents, { retryAttempts: 4, deadLetterQueue: dlq("SesEvents") }),
      ],
    });
    timers.grantInvoke(schedulerRole);
    // The outbox sweep: effects the stream left (retries exhausted, a crash mid-send) are performed.
    new events.Rule(this, "OutboxSweepRule", {
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(outbox, { retryAttempts: 2 })],
    });

    rawMail.grantRead(inboundEmail, `${RAW_PREFIX}*`);
    rawMail.grantPut(ticketEvents, "api/*");
    const sendMail = new iam.PolicyStatement({
      actions: ["ses:SendEmail"],
      resources: [
        `arn:${this.partition}:ses:${this.region}:${this.account}:identity/${config.domain}`,
        `arn:${this.partition}:ses:${this.region}:${this.account}:configuration-set/${configurationSet.configurationSetName}`,
      ],
    });
    outbox.addToRolePolicy(sendMail);
    // The support lead's weekly report: Monday 09:00 in the lead's (the technicians') time zone.
    if (config.supportLead) {
      new scheduler.CfnSchedule(this, "WeeklyReport", {
        description: "aviso: the support lead's weekly report",
        scheduleExpression: "cron(0 9 ? * MON *)",
        scheduleExpressionTimezone: config.technicianTimeZone,
        flexibleTimeWindow: { mode: "OFF" },
        target: {
          arn: ticketEvents.functionArn,
          roleArn: schedulerRole.roleArn,
          input: JSON.stringify({ aviso: "weekly-report" }),
          retryPolicy: { maximumRetryAttempts: 3 },
        },
      });
      ticketEvents.grantInvoke(schedulerRole);
      ticketEvents.addToRolePolicy(sendMail);
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${this.getLogicalId(ticketEvents.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason:
          "CDK's invoke grant covers the ticket-events function's versions and aliases (the weekly report).",
      });
    }
    outbox.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
        resources: [
          `arn:${this.partition}:scheduler:${this.region}:${this.account}:schedule/${scheduleGroup.name}/*`,
        ],
      }),
    );
    schedulerRole.grantPassRole(outbox.grantPrincipal);
    outbox.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        onFailure: new SqsDlq(outboxDlq),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual("INSERT"),
            dynamodb: { Keys: { SK: { S: lambda.FilterRule.beginsWith("OUT#") } } },
          }),
        ],
      }),
    );

    // Mail in: SES keeps the raw mail in S3, then hands the receipt to the inbound function.
    const ruleSet = config.existingReceiptRuleSet
      ? ses.ReceiptRuleSet.fromReceiptRuleSetName(this, "RuleSet", config.existingReceiptRuleSet)
      : new ses.ReceiptRuleSet(this, "RuleSet", { receiptRuleSetName: `${this.stackName}-inbound` });
    const rule = ruleSet.addRule("Support", {
      recipients: [config.domain],
      scanEnabled: true,
      tlsPolicy: ses.TlsPolicy.REQUIRE,
      actions: [
        new sesActions.S3({ bucket: rawMail, objectKeyPrefix: RAW_PREFIX }),
        new sesActions.Lambda({
          function: inboundEmail,
          invocationType: sesActions.LambdaInvocationType.EVENT,
        }),
      ],
    });
    if (config.activateReceiptRuleSet && !config.existingReceiptRuleSet) {
      const activate = new cr.AwsCustomResource(this, "ActivateRuleSet", {
        onCreate: {
          service: "SES",
          action: "setActiveReceiptRuleSet",
          parameters: { RuleSetName: (ruleSet as ses.ReceiptRuleSet).receiptRuleSetName },
          physicalResourceId: cr.PhysicalResourceId.of(`${this.stackName}-active-rule-set`),
        },
        onDelete: { service: "SES", action: "setActiveReceiptRuleSet", parameters: {} },
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({ actions: ["ses:SetActiveReceiptRuleSet"], resources: ["*"] }),
        ]),
        installLatestAwsSdk: false,
      });
      activate.node.addDependency(rule);
      Validations.of(activate).acknowledge({
        id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        reason: "ses:SetActiveReceiptRuleSet does not support resource-level permissions.",
      });
      const provider = this.node.tryFindChild(
        cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, "").replace(/^/, "AWS"),
      );
      if (provider) {
        Validations.of(provider).acknowledge({
          id: "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
          reason: "CDK's custom-resource provider writes its own logs with the narrow managed policy.",
        });
      }
    }

    // Ticket systems and scripts: the EventBridge bus and the IAM-signed HTTP API.
    new events.Rule(this, "TicketEventsRule", {
      eventBus: bus,
      eventPattern: { detailType: ["aviso.ticket-event"] },
      targets: [
        new targets.LambdaFunction(ticketEvents, { retryAttempts: 4, deadLetterQueue: dlq("Events") }),
      ],
    });
    const integration = new HttpLambdaIntegration("TicketEventsIntegration", ticketEvents);
    api.addRoutes({ path: "/tickets", methods: [apigw.HttpMethod.GET], integration });
    api.addRoutes({ path: "/tickets/{id}", methods: [apigw.HttpMethod.GET], integration });
    api.addRoutes({ path: "/tickets/{id}/events", methods: [apigw.HttpMethod.POST], integration });
    const feedbackRoutes = api.addRoutes({
      path: "/feedback/{id}",
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST],
      integration,
      authorizer: new apigw.HttpNoneAuthorizer(),
    });
    for (const route of feedbackRoutes) {
      Validations.of(route).acknowledge({
        id: "AwsSolutions-APIG4",
        reason:
          "Clients open feedback links from their mail: each link carries an HMAC signature of its ticket, checked by the function.",
      });
    }
    // Alarms and a dashboard: a dead letter means a message may be late; errors mean someone should look.
    const alarmTopic = config.alarmEmail ? new sns.Topic(this, "Alarms", { enforceSSL: true }) : undefined;
    if (alarmTopic && config.alarmEmail)
      alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    if (alarmTopic) {
      Validations.of(alarmTopic).acknowledge({
        id: "AwsSolutions-SNS2",
        reason: "Alarm notifications carry no customer data; SSE adds a KMS key to manage for nothing.",
      });
    }
    const alarms: cloudwatch.Alarm[] = [];
    for (const [name, queue] of [
      ["Outbox", outboxDlq],
      ["Timers", timersDlq],
      ["Inbound", inboundDlq],
    ] as const) {
      alarms.push(
        queue
          .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) })
          .createAlarm(this, `${name}DeadLetters`, {
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            alarmDescription: `aviso: ${name.toLowerCase()} work reached its dead-letter queue`,
          }),
      );
    }
    for (const [name, f] of Object.entries(this.functions)) {
      alarms.push(
        f.metricErrors({ period: Duration.minutes(5) }).createAlarm(this, `${name}Errors`, {
          threshold: 1,
          evaluationPeriods: 1,
          alarmDescription: `aviso: ${name} failed`,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    if (alarmTopic) for (const alarm of alarms) alarm.addAlarmAction(new cwActions.SnsAction(alarmTopic));
    new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: `${this.stackName}-aviso`,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: "Invocations",
            left: Object.values(this.functions).map((f) => f.metricInvocations()),
          }),
          new cloudwatch.GraphWidget({
            title: "Errors",
            left: Object.values(this.functions).map((f) => f.metricErrors()),
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: "Dead letters",
            left: [outboxDlq, timersDlq, inboundDlq].map((q) => q.metricApproximateNumberOfMessagesVisible()),
          }),
          new cloudwatch.GraphWidget({ title: "Outbox duration (ms)", left: [outbox.metricDuration()] }),
        ],
        ...leadViewWidgets(),
      ],
    });

    const ack = (scope: Construct, id: string, reason: string) =>
      Validations.of(scope).acknowledge({ id: `AwsSolutions::${id}`, reason });
    for (const f of Object.values(this.functions)) {
      ack(
        f,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "The narrow managed policy that lets the function write its own logs.",
      );
      ack(
        f,
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords) has no resource-level permissions.",
      );
      ack(
        f,
        `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.table.node.defaultChild as dynamodb.CfnTable)}.Arn>/index/*]`,
        "CDK's table grant covers the table's one index (Pending, the outbox sweep's sparse index).",
      );
      ack(
        f,
        "AwsSolutions-L1",
        "aviso targets nodejs22.x, the runtime it is built and tested for; moving to a newer runtime is a tested upgrade, not a default.",
      );
    }
    for (const action of ["s3:Abort*", "s3:GetBucket*", "s3:GetObject*", "s3:List*"]) {
      ack(
        inboundEmail,
        `AwsSolutions-IAM5[Action::${action}]`,
        "CDK's read grant on the raw-mail bucket, limited to the inbound/ prefix.",
      );
      ack(
        ticketEvents,
        `AwsSolutions-IAM5[Action::${action}]`,
        "CDK's put grant on the raw-mail bucket, limited to the api/ prefix.",
      );
    }
    ack(
      inboundEmail,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(rawMail.node.defaultChild as s3.CfnBucket)}.Arn>/inbound/*]`,
      "Raw mail arrives under one key per message, all under inbound/.",
    );
    ack(
      ticketEvents,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(rawMail.node.defaultChild as s3.CfnBucket)}.Arn>/api/*]`,
      "Raw mail posted through the API is kept under api/, one key per message.",
    );
    ack(
      outbox,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${this.region}:<AWS::AccountId>:schedule/${scheduleGroup.name}/*]`,
      "One schedule per ticket timer, named at run time, all inside aviso's own schedule group.",
    );
    ack(
      schedulerRole,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(timers.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      "CDK's invoke grant covers the function's versions and aliases.",
    );
  }
}
