import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { powertoolsMetrics } from "../../adapters/metrics";
import { S3RawMail } from "../../adapters/s3";
import { EventBridgeTimerScheduler } from "../../adapters/scheduler";
import { sdkLogger } from "../../adapters/sdk-logger";
import { SesMailer } from "../../adapters/ses";
import { systemClock } from "../../app/clock";
import { configFromEnv } from "../../config";
import type { Table } from "../../store/dynamo";
import { DynamoMailLedger } from "../../store/mail-ledger";
import { DynamoOutbox } from "../../store/outbox";
import { DynamoFeedback, DynamoQuarantine, DynamoReports } from "../../store/records";
import { DynamoThrottle } from "../../store/throttle";
import { DynamoTicketRepository } from "../../store/tickets";
import type { RawMailSource } from "../inbound-email";

export const logger = new PowertoolsLogger({ serviceName: "aviso" });
/** The figures of DESIGN's lead view, as EMF in namespace "aviso" (the stack's dashboard reads them). */
export const metrics = powertoolsMetrics(new PowertoolsMetrics({ namespace: "aviso", serviceName: "aviso" }));

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

let cachedOutbox: ReturnType<typeof buildOutboxDeps> | undefined;
let cachedApi: ReturnType<typeof buildApiDeps> | undefined;
let cachedTicket: ReturnType<typeof build<object>> | undefined;

/**
 * Each function builds only the stores it uses, so its bundle carries no other: the inbound, timer
 * and SES-event functions only a ticket's own path (tickets, mail ledger, throttle, quarantine).
 */
export function awsTicketDeps() {
  cachedTicket ??= build(() => ({}));
  return cachedTicket;
}

/** The outbox function: also the outbox, feedback, and the sent ledger SES Send events fill. */
export function awsOutboxDeps() {
  cachedOutbox ??= buildOutboxDeps();
  return cachedOutbox;
}

/** The ticket-events function (API, bus, weekly report): also the outbox, feedback and reports. */
export function awsApiDeps() {
  cachedApi ??= buildApiDeps();
  return cachedApi;
}

async function buildOutboxDeps() {
  const deps = await build((table) => ({
    outbox: new DynamoOutbox(table),
    feedback: new DynamoFeedback(table),
  }));
  return {
    ...deps,
    sentLedger: {
      sentMessageId: (ticketId: string, effectId: string) => deps.mail.sentMessageId(ticketId, effectId),
    },
  };
}

function buildApiDeps() {
  return build((table) => ({
    outbox: new DynamoOutbox(table),
    feedback: new DynamoFeedback(table),
    reports: new DynamoReports(table),
  }));
}

async function build<Extra extends object>(moreStores: (table: Table) => Extra) {
  const region = required("AWS_REGION");
  const secrets = new SecretsManagerClient({ region, logger: sdkLogger });
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: required("TOKEN_SECRET_ARN") }));
  const config = configFromEnv(process.env, { tokenSecret: secret.SecretString });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region, logger: sdkLogger }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const table: Table = { doc, name: required("TABLE_NAME") };
  const tickets = new DynamoTicketRepository(table);
  const bucket = required("RAW_BUCKET");
  const prefix = process.env.RAW_PREFIX ?? "inbound/";
  // Clients that only some functions use are loaded on first use, not at every cold start.
  const raw = new S3RawMail(
    async () => new (await import("@aws-sdk/client-s3")).S3Client({ region, logger: sdkLogger }),
    bucket,
  );
  const scheduler = new EventBridgeTimerScheduler(
    async () =>
      new (await import("@aws-sdk/client-scheduler")).SchedulerClient({ region, logger: sdkLogger }),
    {
      groupName: required("SCHEDULE_GROUP"),
      targetArn: required("TIMERS_FUNCTION_ARN"),
      roleArn: required("SCHEDULER_ROLE_ARN"),
      ...(process.env.TIMERS_DLQ_ARN ? { deadLetterArn: process.env.TIMERS_DLQ_ARN } : {}),
    },
    async (ticketId) => (await tickets.load(ticketId))?.client.calendar.timeZone ?? config.technicianTimeZone,
  );
  const log = {
    info: (message: string, data?: Record<string, unknown>) => logger.info(message, data ?? {}),
    warn: (message: string, data?: Record<string, unknown>) => logger.warn(message, data ?? {}),
    error: (message: string, data?: Record<string, unknown>) => logger.error(message, data ?? {}),
  };
  const rawSource: RawMailSource = {
    get: async (messageId) => ({
      raw: await raw.get(`${prefix}${messageId}`),
      ref: `s3://${bucket}/${prefix}${messageId}`,
    }),
  };
  return {
    tickets,
    mail: new DynamoMailLedger(table),
    throttle: new DynamoThrottle(table),
    quarantine: new DynamoQuarantine(table),
    ...moreStores(table),
    config,
    clock: systemClock,
    log,
    metrics,
    region,
    mailer: new SesMailer(
      async () => new (await import("@aws-sdk/client-sesv2")).SESv2Client({ region, logger: sdkLogger }),
      region,
    ),
    scheduler,
    ...(process.env.CONFIGURATION_SET ? { configurationSet: process.env.CONFIGURATION_SET } : {}),
    rawMail: raw,
    rawSource,
  };
}
