import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { CLIENT_TEMPLATES } from "../../functions/core";
import { queuePurpose } from "./handler";

export interface ObservabilityProps {
  /** Every function, by name: each gets an error alarm and a line in the invocation and error graphs. */
  functions: Record<string, lambda.Function>;
  /** Every queue of failed work (dead letters, on-failure destinations): each message means work may be late. */
  deadLetters: Record<string, sqs.IQueue>;
  outbox: lambda.Function;
  /** Working hours of the default calendar's day: the line the longest silence should stay under. */
  businessDayHours: number;
  /** Where alarms are mailed; without it, alarms only show in the console. */
  alarmEmail?: string;
}

/** Alarms and a dashboard: a dead letter means a message may be late; errors mean someone should look. */
export class Observability extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    for (const [name, queue] of Object.entries(props.deadLetters)) {
      this.alarms.push(
        queue
          .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) })
          .createAlarm(this, `${name}DeadLetters`, {
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            alarmDescription: `aviso: ${queuePurpose(queue) ?? `${name}: failed work`} reached queue ${name} (see "Operating aviso" in the README)`,
          }),
      );
    }
    for (const [name, f] of Object.entries(props.functions)) {
      this.alarms.push(
        f.metricErrors({ period: Duration.minutes(5) }).createAlarm(this, `${name}Errors`, {
          threshold: 1,
          evaluationPeriods: 1,
          alarmDescription: `aviso: ${name} failed`,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    // The global inbound cap (issue 14): mail over it is kept in quarantine, not acted on, until the
    // lead releases it. InboundCapped is written by the inbound function (app/inbound-cap.ts).
    this.alarms.push(
      new cloudwatch.Metric({
        namespace: "aviso",
        metricName: "InboundCapped",
        dimensionsMap: { service: "aviso" },
        statistic: "Sum",
        period: Duration.minutes(5),
      }).createAlarm(this, "InboundCapped", {
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription:
          'aviso: the global inbound cap held mail in quarantine (kind "rate-limited"): a flood, or a cap too low; GET /quarantine, then release or discard (see "Operating aviso" in the README)',
      }),
    );
    // Bounded effect retries (issue 15): an effect given up is mailed to the technicians; the alarm
    // is what is left when that mail cannot go either.
    this.alarms.push(
      new cloudwatch.Metric({
        namespace: "aviso",
        metricName: "EffectsGivenUp",
        dimensionsMap: { service: "aviso" },
        statistic: "Sum",
        period: Duration.minutes(5),
      }).createAlarm(this, "EffectsGivenUp", {
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription:
          'aviso: an outbox effect kept failing and was given up; the technicians were mailed what did not happen (see "Operating aviso" in the README)',
      }),
    );
    if (props.alarmEmail) {
      const topic = new sns.Topic(this, "Alarms", { enforceSSL: true });
      // enforceSSL's Deny-only topic policy replaces SNS's default one: CloudWatch must be let in again,
      // for this account's alarms only.
      const stack = Stack.of(this);
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
          actions: ["sns:Publish"],
          resources: [topic.topicArn],
          conditions: {
            ArnLike: {
              "aws:SourceArn": stack.formatArn({
                service: "cloudwatch",
                resource: "alarm",
                resourceName: "*",
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            },
            StringEquals: { "aws:SourceAccount": stack.account },
          },
        }),
      );
      topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      // Alarm notifications carry no customer data: no KMS key for them (cdk-nag's AwsSolutions asks none).
      for (const alarm of this.alarms) alarm.addAlarmAction(new cwActions.SnsAction(topic));
    }

    const functions = Object.values(props.functions);
    new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: `${Stack.of(this).stackName}-aviso`,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: "Invocations",
            left: functions.map((f) => f.metricInvocations()),
          }),
          new cloudwatch.GraphWidget({ title: "Errors", left: functions.map((f) => f.metricErrors()) }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: "Dead letters",
            left: Object.values(props.deadLetters).map((q) => q.metricApproximateNumberOfMessagesVisible()),
          }),
          new cloudwatch.GraphWidget({
            title: "Outbox duration (ms)",
            left: [props.outbox.metricDuration()],
          }),
        ],
        ...leadViewWidgets(props.businessDayHours),
      ],
    });
  }
}

/** The support lead's figures (the EMF the handlers write through Powertools, namespace "aviso"). */
function leadViewWidgets(businessDayHours: number): cloudwatch.IWidget[][] {
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
        leftAnnotations: [{ value: businessDayHours, label: "one business day", color: "#d13212" }],
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
