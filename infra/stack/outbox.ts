import { Duration, Stack } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as ses from "aws-cdk-lib/aws-ses";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import * as keys from "../../functions/store/keys";
import type { Data } from "./data";
import { deadLetterQueue, handlerFunction, keepFailedInvocations } from "./handler";
import type { Timers } from "./timers";

export interface OutboxProps {
  data: Data;
  timers: Timers;
  /** The mail domain aviso sends from (its SES identity). */
  domain: string;
}

/**
 * The transactional outbox (DESIGN §2): the table's stream, filtered to outbox inserts, triggers the
 * outbox function, which sends mail through SES and creates and deletes timers; a sweep every five
 * minutes performs what the stream left. SES's configuration set reports sends, bounces and
 * complaints to the ses-events function.
 */
export class Outbox extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly function: nodejs.NodejsFunction;
  readonly sesEvents: nodejs.NodejsFunction;
  readonly deadLetters: sqs.Queue;
  private readonly sendMail: iam.PolicyStatement;

  constructor(scope: Construct, id: string, props: OutboxProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.configurationSet = new ses.ConfigurationSet(this, "ConfigurationSet", {
      reputationMetrics: true,
      sendingEnabled: true,
    });
    this.sendMail = new iam.PolicyStatement({
      actions: ["ses:SendEmail"],
      resources: [
        stack.formatArn({ service: "ses", resource: "identity", resourceName: props.domain }),
        stack.formatArn({
          service: "ses",
          resource: "configuration-set",
          resourceName: this.configurationSet.configurationSetName,
        }),
      ],
    });

    this.deadLetters = deadLetterQueue(this, "DeadLetters", "outbox stream records that failed every retry");
    this.function = handlerFunction(this, "Function", props.data, "outbox.ts");
    this.grantSend(this.function);
    props.timers.grantManageSchedules(this.function);
    this.function.addEventSource(
      new DynamoEventSource(props.data.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        onFailure: new SqsDlq(this.deadLetters),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual("INSERT"),
            dynamodb: { Keys: { SK: { S: lambda.FilterRule.beginsWith(keys.outboxPrefix) } } },
          }),
        ],
      }),
    );
    // The outbox sweep: effects the stream left (retries exhausted, a crash mid-send) are performed.
    // A failed sweep is kept like any failed invocation (the next one runs five minutes later anyway).
    keepFailedInvocations(this, "SweepFailures", this.function, "outbox sweep");
    new events.Rule(this, "SweepRule", {
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });

    // Bounces and complaints: the configuration set publishes them to the default bus. Sends too: each
    // is recorded against its outbox effect, so a retry after a crash between SES accepting a mail and
    // the effect being marked done does not send it twice.
    this.sesEvents = handlerFunction(this, "SesEventsFunction", props.data, "ses-events.ts");
    keepFailedInvocations(this, "SesEventsFailures", this.sesEvents, "ses-events");
    const defaultBus = events.EventBus.fromEventBusName(this, "DefaultBus", "default");
    this.configurationSet.addEventDestination("BouncesAndComplaints", {
      destination: ses.EventDestination.eventBus(defaultBus),
      events: [ses.EmailSendingEvent.SEND, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    new events.Rule(this, "SesEventsRule", {
      eventPattern: {
        source: ["aws.ses"],
        detailType: ["Email Sent", "Email Bounced", "Email Complaint Received"],
        // Only aviso's own mail: SES tags every event with the configuration set it was sent through.
        detail: { mail: { tags: { "ses:configuration-set": [this.configurationSet.configurationSetName] } } },
      },
      targets: [
        new targets.LambdaFunction(this.sesEvents, {
          retryAttempts: 4,
          deadLetterQueue: deadLetterQueue(
            this,
            "SesEventsDeadLetters",
            "SES events the bus could not deliver to ses-events",
          ),
        }),
      ],
    });
  }

  /** Lets `grantee` send mail from aviso's identity through its configuration set. */
  grantSend(grantee: lambda.Function): void {
    grantee.addToRolePolicy(this.sendMail);
  }
}
