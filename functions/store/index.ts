/** The DynamoDB adapters of every storage port, over one table. */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Stores } from "../app/ports";
import { DynamoMailLedger } from "./mail-ledger";
import { DynamoOutbox } from "./outbox";
import { DynamoFeedback, DynamoQuarantine, DynamoReports } from "./records";
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
