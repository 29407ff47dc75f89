import { startDynamoDbLocal } from "../../infra/local/dynamodb-local";
import { freePort } from "../../infra/local/ports";
import { startSesLocal } from "../../infra/local/ses-local";
import type { Figure } from "../bench";
import { runFaultInjection } from "../prove/faults";

/** The long fault-injection run over DynamoDB Local and the local SES server. */
export async function faultFigures(tickets: number): Promise<Figure[]> {
  const [dynamo, ses] = await Promise.all([
    startDynamoDbLocal({ port: await freePort() }),
    startSesLocal({ port: await freePort() }),
  ]);
  try {
    const r = await runFaultInjection({ endpoints: { dynamo: dynamo.endpoint, ses: ses.endpoint }, tickets });
    const injected = Object.values(r.faultsInjected).reduce((a, b) => a + b, 0);
    const kinds = Object.entries(r.faultsInjected)
      .map(([name, count]) => `${name} ${count}`)
      .join(", ");
    return [
      {
        name: "faults: tickets played (with a fault-free reference)",
        value: r.tickets,
        unit: "tickets",
        note: `${r.seconds} s`,
      },
      { name: "faults: injected", value: injected, unit: "faults", note: kinds },
      {
        name: "faults: client messages expected",
        value: r.clientMessagesExpected,
        unit: "mails",
        note: "sent by the reference",
      },
      {
        name: "faults: client messages sent",
        value: r.clientMessagesSent,
        unit: "mails",
        note: "with faults",
      },
      { name: "faults: lost client messages", value: r.lost, unit: "mails", note: r.examples.join("; ") },
      { name: "faults: duplicated client messages", value: r.duplicated, unit: "mails" },
      { name: "faults: client messages not in the reference", value: r.unexpected, unit: "mails" },
    ];
  } finally {
    await Promise.all([dynamo.stop(), ses.stop()]);
  }
}
