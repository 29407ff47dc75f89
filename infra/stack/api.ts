import { createHash } from "node:crypto";
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer, HttpUserPoolAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import {
  ADMIN_ROUTES,
  LEAD_PAGE,
  LEAD_PAGE_ROUTES,
  type Route,
  SIGNED_PUBLIC_ROUTES,
  TICKET_ROUTES,
} from "../../functions/app/pages/lead-routes";
import type { Data } from "./data";
import { deadLetterQueue, handlerFunction, keepFailedInvocations } from "./handler";
import { RAW_PREFIX } from "./mail-in";
import { acknowledge, wildcardResource } from "./nag";

export interface ApiProps {
  data: Data;
  /** The raw-mail bucket: releasing held mail reads it, forgetting a client deletes from it. */
  rawMail: s3.IBucket;
  /** The support lead, invited to the user pool (DeployConfig.supportLead). */
  supportLead?: string;
}

/**
 * Ticket systems and scripts reach aviso through an EventBridge bus and an IAM-signed HTTP API, both
 * served by the ticket-events function. The support lead's page is served by the same API and reads
 * the same routes under /lead with a Cognito token; clients' signed links are public. The route map
 * is functions/app/pages/lead-routes.ts.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly bus: events.EventBus;
  readonly ticketEvents: nodejs.NodejsFunction;
  readonly signIn: LeadSignIn;

  constructor(scope: Construct, id: string, props: ApiProps) {
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
      description:
        "aviso ticket API: IAM-signed for scripts, /lead/... with the lead's Cognito token, feedback, status and attachment links signed per ticket",
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
        lead: "$context.authorizer.claims.username",
        route: "$context.routeKey",
        status: "$context.status",
        latency: "$context.responseLatency",
      }),
    };
    const integration = new HttpLambdaIntegration("TicketEventsIntegration", this.ticketEvents);
    const add = (
      routes: readonly Route[],
      prefix: string,
      authorizer?: apigw.IHttpRouteAuthorizer,
      authorizationScopes?: string[],
    ) =>
      routes.flatMap((route) =>
        this.httpApi.addRoutes({
          path: `${prefix}${route.path}`,
          methods: [apigw.HttpMethod[route.method]],
          integration,
          ...(authorizer ? { authorizer } : {}),
          ...(authorizationScopes ? { authorizationScopes } : {}),
        }),
      );
    // Scripts and ticket systems: the API's default authorizer, IAM.
    add([...TICKET_ROUTES, ...ADMIN_ROUTES], "");
    this.grantAdmin(props.rawMail);

    this.signIn = new LeadSignIn(this, "LeadSignIn", {
      pageUrl: `${this.httpApi.apiEndpoint}${LEAD_PAGE}`,
      lead: props.supportLead,
    });
    add(
      LEAD_PAGE_ROUTES,
      LEAD_PAGE,
      new HttpUserPoolAuthorizer("LeadAuthorizer", this.signIn.userPool, {
        userPoolClients: [this.signIn.client],
      }),
      // A scope admits access tokens only (ID tokens carry none), as API Gateway recommends.
      [cognito.OAuthScope.OPENID.scopeName],
    );
    new CfnOutput(this, "LeadPageUrl", {
      description: "The support lead's page (sign in with the user pool's invitation)",
      value: `${this.httpApi.apiEndpoint}${LEAD_PAGE}`,
    });
    new CfnOutput(this, "LeadUserPoolId", {
      description: "Cognito user pool of the lead's page: aws cognito-idp admin-create-user invites more",
      value: this.signIn.userPool.userPoolId,
    });
    this.ticketEvents.addEnvironment("LEAD_SIGN_IN_URL", this.signIn.url);
    this.ticketEvents.addEnvironment("LEAD_CLIENT_ID", this.signIn.client.userPoolClientId);

    const none = new apigw.HttpNoneAuthorizer();
    for (const route of add([{ method: "GET", path: LEAD_PAGE }], "", none))
      acknowledge(
        route,
        "AwsSolutions-APIG4",
        "The lead's page itself: HTML and a script that signs in with Cognito; it holds no data, and every route it reads is under /lead with the JWT authorizer.",
      );
    for (const route of add(SIGNED_PUBLIC_ROUTES, "", none))
      acknowledge(
        route,
        "AwsSolutions-APIG4",
        "Clients open feedback and status links from their mail, technicians the links to a kept attachment from their notices: each link carries an HMAC signature of its ticket (and file) and expiry, checked by the function.",
      );
  }

  /**
   * What the admin routes need beyond the table (functions/app/admin.ts): releasing held mail reads
   * the kept raw mail; forgetting a client deletes it, every version of it (the bucket is versioned).
   */
  private grantAdmin(rawMail: s3.IBucket) {
    const f = this.ticketEvents;
    const objects = rawMail.arnForObjects(`${RAW_PREFIX}*`);
    f.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        resources: [objects],
      }),
    );
    f.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucketVersions"],
        resources: [rawMail.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${RAW_PREFIX}*`] } },
      }),
    );
    acknowledge(
      f,
      wildcardResource(f, objects),
      "Raw mail is kept under one key per message, all under inbound/: release reads one, forgetting deletes a client's.",
    );
  }

  /** The public base URL of the feedback links in the resolution mail. */
  get feedbackUrl(): string {
    return `${this.httpApi.apiEndpoint}/feedback`;
  }
}

/**
 * The lead's sign-in (issue 15): a Cognito user pool nobody signs up to (ops invite; the stack invites
 * the configured support lead), TOTP MFA required, its managed login pages on a Cognito domain, and a
 * public app client for the page: authorization code with PKCE, no secret, back to the page only.
 */
export class LeadSignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;

  constructor(scope: Construct, id: string, props: { pageUrl: string; lead?: string | undefined }) {
    super(scope, id);
    const stack = Stack.of(this);
    this.userPool = new cognito.UserPool(this, "UserPool", {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      // Plus: threat protection blocks sign-ins from compromised credentials and risky attempts.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      userInvitation: {
        emailSubject: "aviso: your sign-in to the support lead's page",
        emailBody: `You are invited to aviso's support lead page, ${props.pageUrl}. Your user name is {username} and your temporary password is {####}. You will choose a password and set up an authenticator app (TOTP) on first sign-in.`,
      },
      // Only sign-in identities live here: the stack's invitation makes the lead's again.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.client = this.userPool.addClient("LeadPage", {
      generateSecret: false,
      preventUserExistenceErrors: true,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [props.pageUrl],
        logoutUrls: [props.pageUrl],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    // Domain prefixes are global in a region; 0-9a-f and digits never spell the reserved "aws".
    const stackHash = createHash("sha256").update(stack.stackName).digest("hex").slice(0, 8);
    this.domain = this.userPool.addDomain("Domain", {
      cognitoDomain: { domainPrefix: Fn.join("-", ["aviso", stackHash, stack.account]) },
    });
    if (props.lead)
      new cognito.CfnUserPoolUser(this, "Lead", {
        userPoolId: this.userPool.userPoolId,
        username: props.lead,
        desiredDeliveryMediums: ["EMAIL"],
        userAttributes: [
          { name: "email", value: props.lead },
          { name: "email_verified", value: "true" },
        ],
      });
  }

  /** The managed login's base URL, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  get url(): string {
    return this.domain.baseUrl();
  }
}
