/** The DynamoDB adapters of every storage port, over one table. */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Stores } from "../app/ports";
import { DynamoFeedback } from "./feedback";
import { DynamoMailLedger } from "./mail-ledger";
import { DynamoOutbox } from "./outbox";
import { DynamoQuarantine } from "./quarantine";
import { DynamoReports } from "./reports";
import { DynamoThrottle } from "./throttle";
import { DynamoTicketRepository } from "./tickets";

export function dynamoStores(doc: DynamoDBDocumentClient, tableName: string): Stores {
  const table = { doc, name: tableName };
  return {
    tickets: new DynamoTicketRepository(table),
    outbox: new DynamoOutbox(table),
    mail: new DynamoMailLedger(table),
    throttle: new DynamoThrottle(table),
    quarantine: new DynamoQuarantine(table),
    feedback: new DynamoFeedback(table),
    reports: new DynamoReports(table),
  };
}

export {
  DynamoFeedback,
  DynamoMailLedger,
  DynamoOutbox,
  DynamoQuarantine,
  DynamoReports,
  DynamoThrottle,
  DynamoTicketRepository,
};
