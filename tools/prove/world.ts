import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SesMailer } from "../../functions/adapters/ses";
import type { Mailer } from "../../functions/app/outbox";
import type { Stores } from "../../functions/app/ports";
import { loadConfig } from "../../functions/config";
import { dynamoStores } from "../../functions/store";
import { tableDefinition } from "../../functions/store/table";
import { sesStoreLedger } from "../../infra/local/ses-local";

/**
 * The world the proof tools play tickets in: a table of its own on DynamoDB Local, the local SES
 * server and the configuration the Lambdas load. With a `usage` tally it also counts what its
 * requests consume, where the AWS bill would count it (see tools/prove/cost.ts).
 */

export interface LocalEndpoints {
  dynamo: string;
  ses: string;
}

export interface World {
  name: string;
  stores: Stores;
  mailer: Mailer;
  config: ReturnType<typeof loadConfig>;
  ledger: ReturnType<typeof sesStoreLedger>;
  ses: string;
  drop(): Promise<void>;
}

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const TECHNICIANS = Array.from({ length: 2 }, (_, i) => ({
  address: `tech${i}@aviso.test`,
  name: `Tech ${i}`,
}));

/** What one played ticket used, counted where the AWS bill would count it (see tools/prove/cost.ts). */
export const USAGE = [
  "inbound mails",
  "API events",
  "timer firings",
  "commits with effects",
  "outbox effects",
  "SES messages",
  "Scheduler API calls",
  "DynamoDB read units",
  "DynamoDB write units",
  "DynamoDB requests",
] as const;
export type UsageName = (typeof USAGE)[number];
export type Usage = Record<UsageName, number>;
export const emptyUsage = (): Usage => Object.fromEntries(USAGE.map((u) => [u, 0])) as Usage;

const WRITES = new Set(["PutCommand", "UpdateCommand", "TransactWriteCommand", "DeleteCommand"]);

/** A plain-text mail as a client or a technician would send it. */
export function rawMail(headers: Record<string, string>, body: string): Buffer {
  const all = { "MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8", ...headers };
  return Buffer.from(
    `${Object.entries(all)
      .map(([k, v]) => `${k}: ${v}`)
      .join("\r\n")}\r\n\r\n${body}\r\n`,
  );
}

export async function makeWorld(endpoints: LocalEndpoints, name: string, usage?: Usage): Promise<World> {
  const client = new DynamoDBClient({ endpoint: endpoints.dynamo, region: "local", credentials });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  if (usage) {
    // Every request asks DynamoDB (Local) for the capacity it consumed, as the bill counts it.
    const send = doc.send.bind(doc) as (command: unknown) => Promise<unknown>;
    (doc as unknown as { send: (command: unknown) => Promise<unknown> }).send = async (command) => {
      const c = command as { input: Record<string, unknown>; constructor: { name: string } };
      c.input.ReturnConsumedCapacity = "TOTAL";
      const result = (await send(command)) as {
        ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
      };
      const consumed = [result.ConsumedCapacity ?? []]
        .flat()
        .reduce((sum, u) => sum + (u.CapacityUnits ?? 0), 0);
      usage[WRITES.has(c.constructor.name) ? "DynamoDB write units" : "DynamoDB read units"] += consumed;
      usage["DynamoDB requests"] += 1;
      return result;
    };
  }
  const table = `aviso-faults-${name}-${process.pid}-${Date.now()}`;
  await client.send(new CreateTableCommand(tableDefinition(table)));
  return {
    name,
    stores: dynamoStores(doc, table),
    mailer: new SesMailer(
      new SESv2Client({ endpoint: endpoints.ses, region: "eu-west-1", credentials, maxAttempts: 1 }),
      "eu-west-1",
      "aviso.test",
    ),
    config: loadConfig({
      supportAddress: "soporte@aviso.test",
      technicians: TECHNICIANS,
      supportLead: "lead@aviso.test",
      feedbackUrl: "http://127.0.0.1:3000/feedback",
      tokenSecret: "fault-injection-secret-0123456789",
      trustLocalTechnicians: true,
      defaultLocale: "es",
      defaultCalendar: {
        timeZone: "Europe/Madrid",
        workdays: [1, 2, 3, 4, 5],
        hours: { start: "09:00", end: "18:00" },
        holidays: { dates: [] },
      },
    }),
    ledger: sesStoreLedger(endpoints.ses, "eu-west-1"),
    ses: endpoints.ses,
    drop: async () => void (await client.send(new DeleteTableCommand({ TableName: table }))),
  };
}
