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
import type { InboundDeps } from "../../app/inbound";
import type { OutboxDeps } from "../../app/outbox";
import { configFromEnv } from "../../config";
import { Store, TicketStore } from "../../store/store";
import type { RawMailSource } from "../inbound-email";

export const logger = new PowertoolsLogger({ serviceName: "aviso" });
/** The figures of DESIGN's lead view, as EMF in namespace "aviso" (the stack's dashboard reads them). */
export const metrics = powertoolsMetrics(new PowertoolsMetrics({ namespace: "aviso", serviceName: "aviso" }));

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

let cached: Promise<OutboxDeps & InboundDeps & { rawSource: RawMailSource }> | undefined;
let cachedTicketOnly: Promise<InboundDeps & { rawSource: RawMailSource }> | undefined;

/** Everything a handler needs, built once per cold start from the environment the stack sets. */
export function awsDeps() {
  cached ??= build((doc, table) => new Store(doc, table)).then((deps) => ({
    ...deps,
    sentLedger: {
      sentMessageId: (ticketId: string, effectId: string) => deps.store.sentMessageId(ticketId, effectId),
    },
  }));
  return cached;
}

/**
 * The same, with only the ticket part of the store (load, commit, message index, caps, quarantine).
 * The inbound and timer functions use it so their bundles leave out the outbox, digest and
 * feedback queries they never run: a smaller bundle is a faster cold start on the path that
 * acknowledges a client.
 */
export function awsTicketDeps() {
  cachedTicketOnly ??= build((doc, table) => new TicketStore(doc, table));
  return cachedTicketOnly;
}

async function build<S extends TicketStore>(makeStore: (doc: DynamoDBDocumentClient, table: string) => S) {
  const region = required("AWS_REGION");
  const secrets = new SecretsManagerClient({ region, logger: sdkLogger });
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: required("TOKEN_SECRET_ARN") }));
  const config = configFromEnv(process.env, { tokenSecret: secret.SecretString });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region, logger: sdkLogger }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const store = makeStore(doc, required("TABLE_NAME"));
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
    async (ticketId) =>
      (await store.loadTicket(ticketId))?.client.calendar.timeZone ?? config.technicianTimeZone,
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
    store,
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
