import { RemovalPolicy, Stack } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { Data } from "./data";
import { deadLetterQueue, handlerFunction, keepFailedInvocations } from "./handler";
import { acknowledge } from "./nag";

/**
 * Ticket systems and scripts reach aviso through an EventBridge bus and an IAM-signed HTTP API, both
 * served by the ticket-events function; clients' feedback links are the API's only unsigned routes.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly bus: events.EventBus;
  readonly ticketEvents: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: { data: Data }) {
    super(scope, id);
    const stack = Stack.of(this);
    this.ticketEvents = handlerFunction(this, "TicketEventsFunction", props.data, "ticket-events.ts");
    keepFailedInvocations(
      this,
      "TicketEventsFailures",
      this.ticketEvents,
      "ticket-events (bus events, weekly report)",
    );

    this.bus = new events.EventBus(this, "Bus", { eventBusName: `${stack.stackName}-tickets` });
    new events.Rule(this, "TicketEventsRule", {
      eventBus: this.bus,
      eventPattern: { detailType: ["aviso.ticket-event"] },
      targets: [
        new targets.LambdaFunction(this.ticketEvents, {
          retryAttempts: 4,
          deadLetterQueue: deadLetterQueue(
            this,
            "EventsDeadLetters",
            "ticket events the bus could not deliver to ticket-events",
          ),
        }),
      ],
    });

    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new apigw.HttpApi(this, "Api", {
      description: "aviso ticket API (IAM-signed); feedback links are signed per ticket",
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: true,
    });
    const stage = this.httpApi.defaultStage?.node.defaultChild as apigw.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: "$context.requestId",
        ip: "$context.identity.sourceIp",
        caller: "$context.identity.caller",
        route: "$context.routeKey",
        status: "$context.status",
        latency: "$context.responseLatency",
      }),
    };
    const integration = new HttpLambdaIntegration("TicketEventsIntegration", this.ticketEvents);
    this.httpApi.addRoutes({ path: "/tickets", methods: [apigw.HttpMethod.GET], integration });
    this.httpApi.addRoutes({ path: "/tickets/{id}", methods: [apigw.HttpMethod.GET], integration });
    this.httpApi.addRoutes({ path: "/tickets/{id}/events", methods: [apigw.HttpMethod.POST], integration });
    const feedbackRoutes = this.httpApi.addRoutes({
      path: "/feedback/{id}",
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST],
      integration,
      authorizer: new apigw.HttpNoneAuthorizer(),
    });
    for (const route of feedbackRoutes) {
      acknowledge(
        route,
        "AwsSolutions-APIG4",
        "Clients open feedback links from their mail: each link carries an HMAC signature of its ticket, checked by the function.",
      );
    }
  }

  /** The public base URL of the feedback links in the resolution mail. */
  get feedbackUrl(): string {
    return `${this.httpApi.apiEndpoint}/feedback`;
  }
}
