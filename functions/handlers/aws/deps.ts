import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3IncidentIndexStore } from "../../adapters/incident-index-s3";
import { powertoolsMetrics } from "../../adapters/metrics";
import { S3RawMail, s3RawMailReader } from "../../adapters/s3";
import { S3AttachmentStore } from "../../adapters/s3-attachments";
import { EventBridgeTimerScheduler } from "../../adapters/scheduler";
import { sdkLogger } from "../../adapters/sdk-logger";
import { SesMailer } from "../../adapters/ses";
import { systemClock } from "../../app/clock";
import { configFromEnv } from "../../config";
import type { Table } from "../../store/dynamo";
import { DynamoFeedback } from "../../store/feedback";
import { DynamoMailLedger } from "../../store/mail-ledger";
import { DynamoOutbox } from "../../store/outbox";
import { DynamoQuarantine } from "../../store/quarantine";
import { DynamoReports } from "../../store/reports";
import { DynamoThrottle } from "../../store/throttle";
import { DynamoTicketReader, DynamoTicketRepository } from "../../store/tickets";
import type { RawMailSource } from "../inbound-email";
import { shippedConfig } from "./config-file";

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
let cachedTicket: ReturnType<typeof buildUnscheduled<ReturnType<typeof ticketPath>>> | undefined;
let cachedInbound:
  | Promise<
      Awaited<ReturnType<typeof awsTicketDeps>> & { rawSource: RawMailSource } & ReturnType<
          typeof keptAttachments
        >
    >
  | undefined;
let cachedTimer: ReturnType<typeof buildUnscheduled<{ tickets: DynamoTicketRepository }>> | undefined;

/**
 * Each function builds only the stores it uses, so its bundle carries no other. The inbound and
 * SES-event functions: a ticket's own path (tickets, mail ledger, throttle, quarantine).
 */
export function awsTicketDeps() {
  cachedTicket ??= retryOnFailure(buildUnscheduled(ticketPath), () => {
    cachedTicket = undefined;
  });
  return cachedTicket;
}

/**
 * A start that failed (a missing secret, a bad configuration) is not kept: the next invocation
 * tries again, so fixing the secret needs no redeployment. Until then every invocation fails.
 */
function retryOnFailure<T>(building: Promise<T>, forget: () => void): Promise<T> {
  return building.catch((error: unknown) => {
    forget();
    throw error;
  });
}

/**
 * The inbound function: a ticket's own path, the raw mail the receipt rule kept in S3, and where a
 * client mail's attachments are kept apart.
 */
export function awsInboundDeps() {
  cachedInbound ??= retryOnFailure(
    awsTicketDeps().then((deps) => ({
      ...deps,
      rawSource: s3RawSource(deps.region),
      ...keptAttachments(deps.region),
    })),
    () => {
      cachedInbound = undefined;
    },
  );
  return cachedInbound;
}

/** The raw-mail bucket; its client is loaded on first use, not at every cold start. */
function s3RawMail(region: string): S3RawMail {
  return new S3RawMail(
    async () => new (await import("@aws-sdk/client-s3")).S3Client({ region, logger: sdkLogger }),
    required("RAW_BUCKET"),
  );
}

/**
 * Kept attachments, `attachments/<ticketId>/<sha256>/<name>` in the raw-mail bucket (RAW_BUCKET, which
 * the stack gives every function): inbound mail keeps them, the outbox reads a technician's back to
 * send them, the API redirects a technicians' signed link to a presigned GET, forgetting removes them.
 * Without the variable there is no store, and attachments are listed as kept in the raw mail only.
 */
export function keptAttachments(region: string): { attachments?: S3AttachmentStore } {
  const bucket = process.env.RAW_BUCKET;
  if (!bucket) return {};
  return {
    attachments: new S3AttachmentStore(
      async () => new (await import("@aws-sdk/client-s3")).S3Client({ region, logger: sdkLogger }),
      bucket,
    ),
  };
}

function s3RawSource(region: string): RawMailSource {
  const bucket = required("RAW_BUCKET");
  const prefix = process.env.RAW_PREFIX ?? "inbound/";
  const raw = s3RawMail(region);
  return {
    get: async (messageId) => ({
      raw: await raw.get(`${prefix}${messageId}`),
      ref: `s3://${bucket}/${prefix}${messageId}`,
    }),
  };
}

/** The timers function: tickets alone (a timer only decides). */
export function awsTimerDeps() {
  cachedTimer ??= retryOnFailure(
    buildUnscheduled((table) => ({ tickets: new DynamoTicketRepository(table) })),
    () => {
      cachedTimer = undefined;
    },
  );
  return cachedTimer;
}

const ticketPath = (table: Table) => ({
  tickets: new DynamoTicketRepository(table),
  mail: new DynamoMailLedger(table),
  throttle: new DynamoThrottle(table),
  quarantine: new DynamoQuarantine(table),
});

/**
 * The outbox function: tickets, outbox, mail ledger (with the sent ledger SES Send events fill),
 * throttle, feedback, and the kept attachments a technician's reply carries.
 */
export function awsOutboxDeps() {
  cachedOutbox ??= retryOnFailure(buildOutboxDeps(), () => {
    cachedOutbox = undefined;
  });
  return cachedOutbox;
}

/**
 * The ticket-events function (API, bus, weekly report): tickets, outbox, mail ledger, feedback,
 * reports; for the lead's admin routes the throttle (flags), the quarantine and the raw mail (release
 * reads it, forgetting deletes it); kept attachments (signed links, release, forgetting); where the
 * lead signs in.
 */
export function awsApiDeps() {
  cachedApi ??= retryOnFailure(buildApiDeps(), () => {
    cachedApi = undefined;
  });
  return cachedApi;
}

async function buildOutboxDeps() {
  const deps = await build((table) => ({
    tickets: new DynamoTicketReader(table),
    mail: new DynamoMailLedger(table),
    throttle: new DynamoThrottle(table),
    outbox: new DynamoOutbox(table),
    feedback: new DynamoFeedback(table),
  }));
  return {
    ...deps,
    ...keptAttachments(deps.region),
    sentLedger: {
      sentMessageId: (ticketId: string, effectId: string) => deps.mail.sentMessageId(ticketId, effectId),
    },
  };
}

async function buildApiDeps() {
  const deps = await buildUnscheduled((table) => ({
    tickets: new DynamoTicketRepository(table),
    mail: new DynamoMailLedger(table),
    outbox: new DynamoOutbox(table),
    feedback: new DynamoFeedback(table),
    reports: new DynamoReports(table),
    throttle: new DynamoThrottle(table),
    quarantine: new DynamoQuarantine(table),
  }));
  const signInUrl = process.env.LEAD_SIGN_IN_URL;
  const clientId = process.env.LEAD_CLIENT_ID;
  const bucket = process.env.RAW_BUCKET;
  return {
    ...deps,
    // The stack always sets RAW_BUCKET; without it, release and forgetting say what they lack (501).
    ...(bucket ? { rawMailReader: s3RawMailReader(s3RawMail(deps.region), bucket) } : {}),
    ...keptAttachments(deps.region),
    ...(signInUrl && clientId ? { leadSignIn: { url: signInUrl, clientId } } : {}),
  };
}

/**
 * The secret that signs reply addresses and links, as text. Fail closed (DESIGN §7): a secret with no
 * SecretString (binary, or empty) stops the function with an error that names it; nothing else (the
 * configuration, a development value) stands in for it.
 */
export async function readTokenSecret(secrets: SecretsManagerClient, secretId: string): Promise<string> {
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!secret.SecretString)
    throw new Error(
      `the token secret ${secretId} has no SecretString: aviso signs reply addresses and links with it and does not start without it (store it as text, at least 16 characters, e.g. the stack's generated secret)`,
    );
  return secret.SecretString;
}

/**
 * What a function that creates and deletes schedules needs (the outbox, the crons' reconciler): the
 * stores and configuration, and EventBridge Scheduler. Only those functions are given Scheduler's
 * variables (the stack); they fail at start without them.
 */
export async function build<Extra extends object>(moreStores: (table: Table) => Extra) {
  let tickets: DynamoTicketReader | undefined;
  const deps = await buildUnscheduled((table) => {
    tickets = new DynamoTicketReader(table);
    return moreStores(table);
  });
  const scheduler = new EventBridgeTimerScheduler(
    async () =>
      new (await import("@aws-sdk/client-scheduler")).SchedulerClient({
        region: deps.region,
        logger: sdkLogger,
      }),
    {
      groupName: required("SCHEDULE_GROUP"),
      targetArn: required("TIMERS_FUNCTION_ARN"),
      roleArn: required("SCHEDULER_ROLE_ARN"),
      ...(process.env.TIMERS_DLQ_ARN ? { deadLetterArn: process.env.TIMERS_DLQ_ARN } : {}),
    },
    async (ticketId) =>
      (await tickets?.load(ticketId))?.client.calendar.timeZone ?? deps.config.technicianTimeZone,
  );
  return { ...deps, scheduler };
}

/** The stores, configuration, mail and logging every function has; no Scheduler (it sets no timers). */
async function buildUnscheduled<Extra extends object>(moreStores: (table: Table) => Extra) {
  const region = required("AWS_REGION");
  const secrets = new SecretsManagerClient({ region, logger: sdkLogger });
  // The configuration ships inside the bundle (aviso-config.json): it would not fit the 4 KB environment.
  const config = configFromEnv(
    { ...process.env, AVISO_CONFIG: shippedConfig() },
    {
      tokenSecret: await readTokenSecret(secrets, required("TOKEN_SECRET_ARN")),
    },
  );
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region, logger: sdkLogger }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const table: Table = { doc, name: required("TABLE_NAME") };
  const log = {
    info: (message: string, data?: Record<string, unknown>) => logger.info(message, data ?? {}),
    warn: (message: string, data?: Record<string, unknown>) => logger.warn(message, data ?? {}),
    error: (message: string, data?: Record<string, unknown>) => logger.error(message, data ?? {}),
  };
  return {
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
    ...(process.env.CONFIGURATION_SET ? { configurationSet: process.env.CONFIGURATION_SET } : {}),
    ...incidentIndex(region),
  };
}

/**
 * The similar-incidents index (issue 17), where the stack gives a function its bucket: the outbox
 * reads it for new tickets' notices and adds resolutions; the API (forgetting a client) and the crons
 * (retention) take erased tickets out. Its client is loaded on first use.
 */
function incidentIndex(region: string): { incidentIndex?: S3IncidentIndexStore } {
  const bucket = process.env.INCIDENT_INDEX_BUCKET;
  if (!bucket) return {};
  return {
    incidentIndex: new S3IncidentIndexStore(
      async () => new (await import("@aws-sdk/client-s3")).S3Client({ region, logger: sdkLogger }),
      bucket,
    ),
  };
}
