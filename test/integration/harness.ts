import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll } from "vitest";
import { SesMailer } from "../../functions/adapters/ses";
import type { Clock, Logger } from "../../functions/app/apply";
import type { OutboxDeps, TimerScheduler } from "../../functions/app/outbox";
import type { Stores } from "../../functions/app/ports";
import { type AvisoConfig, loadConfig } from "../../functions/config";
import type { TimerName } from "../../functions/core";
import { dynamoStores } from "../../functions/store";
import { tableDefinition } from "../../functions/store/table";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../infra/local/dynamodb-local";
import { freePort } from "../../infra/local/ports";
import { type SesLocal, startSesLocal, storedMail } from "../../infra/local/ses-local";

export const credentials = { accessKeyId: "local", secretAccessKey: "local" };

export interface Harness {
  dynamo: DynamoDbLocal;
  ses: SesLocal;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const [dynamo, ses] = await Promise.all([
    startDynamoDbLocal({ port: await freePort() }),
    startSesLocal({ port: await freePort() }),
  ]);
  return { dynamo, ses, stop: async () => void (await Promise.all([dynamo.stop(), ses.stop()])) };
}

export const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now() {
    return new Date(this.current);
  }
  set(iso: string) {
    this.current = new Date(iso);
  }
}

/** Records timers instead of calling EventBridge Scheduler (asserted with aws-sdk-client-mock elsewhere). */
export class RecordingScheduler implements TimerScheduler {
  readonly timers = new Map<string, { ticketId: string; name: TimerName; at: string }>();
  async set(ticketId: string, name: TimerName, at: string) {
    this.timers.set(`${ticketId}-${name}`, { ticketId, name, at });
  }
  async cancel(ticketId: string, name: TimerName) {
    this.timers.delete(`${ticketId}-${name}`);
  }
}

let tables = 0;

/** A fresh table in the running DynamoDB Local, and deps wired to the real local servers. */
export async function freshDeps(harness: Harness, clock: ManualClock, overrides: Partial<AvisoConfig> = {}) {
  const client = new DynamoDBClient({ endpoint: harness.dynamo.endpoint, region: "local", credentials });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  tables += 1;
  const table = `aviso-test-${process.pid}-${tables}`;
  await client.send(new CreateTableCommand(tableDefinition(table)));
  const config = loadConfig({
    supportAddress: "soporte@aviso.test",
    technicians: [{ address: "lucia@aviso.test", name: "Lucía" }],
    accountManager: "cuentas@aviso.test",
    supportLead: "lead@aviso.test",
    feedbackUrl: "http://127.0.0.1:3000/feedback",
    tokenSecret: "integration-secret-0123456789",
    trustLocalTechnicians: true,
    defaultLocale: "es",
    ...overrides,
  });
  const scheduler = new RecordingScheduler();
  const sesClient = new SESv2Client({ endpoint: harness.ses.endpoint, region: "eu-west-1", credentials });
  const deps: OutboxDeps &
    Stores & {
      rawMail: { put(id: string, raw: Buffer): Promise<string> };
      scheduler: RecordingScheduler;
    } = {
    ...dynamoStores(doc, table),
    config,
    clock,
    log: quietLogger,
    mailer: new SesMailer(sesClient, "eu-west-1", "aviso.test"),
    scheduler,
    rawMail: { put: async (id) => `memory://${id}` },
  };
  return deps;
}

export async function mailTo(harness: Harness, address: string) {
  const all = await storedMail(harness.ses.endpoint);
  return all.filter((m) => m.destination.to.some((to) => to.includes(address)));
}

/** Starts DynamoDB Local and the local SES server before a test file's tests and stops them after. */
export function useHarness(): () => Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness();
  }, 120_000);
  afterAll(async () => {
    await harness?.stop();
  });
  return () => {
    if (!harness) throw new Error("the local parts did not start");
    return harness;
  };
}
