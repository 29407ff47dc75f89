/**
 * Forgets a client locally (DESIGN §7; issue 14, finding 10): the same erasure as the API's
 * DELETE /clients/{address}, on the local runtime's table, plus every kept raw mail from the address
 * in the runtime's mail folder. Prints one JSON object: what was removed (or, with --dry-run, what
 * would be).
 *
 *   npm run --silent aviso -- forget ana@cliente.es [--dry-run] [--data-dir .aviso] [--dynamodb-port 8000]
 *
 * With the runtime running it uses its DynamoDB Local; otherwise it opens the persisted table under
 * <data-dir>/dynamodb (npm start -- --persist), if there is one.
 */
import { existsSync } from "node:fs";
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { clientAddress, type ForgetResult, forgetClient } from "../functions/app/forget";
import { dynamoStores } from "../functions/store";
import { fileIncidentIndexStore } from "../functions/store/incident-index-file";
import { attachmentFolder, dynamoClient, LOCAL_TABLE, mailFolder } from "../infra/local/deps";
import { startDynamoDbLocal } from "../infra/local/dynamodb-local";
import { assertPortFree, freePort } from "../infra/local/ports";

const USAGE = `usage: npm run --silent aviso -- forget <address> [--dry-run] [--data-dir DIR] [--dynamodb-port N]`;
const quiet = { info: () => {}, warn: () => {}, error: (m: string, d?: object) => console.error(m, d ?? "") };

/** `npm run aviso -- forget …` (tools/aviso.ts hands it the arguments after `forget`). */
export async function forgetCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "dry-run": { type: "boolean", default: false },
      "data-dir": { type: "string", default: join(import.meta.dirname, "../.aviso") },
      "dynamodb-port": { type: "string", default: "8000" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const address = clientAddress(positionals[0]);
  if (!address || positionals.length !== 1) {
    console.error(`aviso forget: give one mail address\n${USAGE}`);
    return 2;
  }
  const dryRun = values["dry-run"];
  const dataDir = values["data-dir"];
  const folder = mailFolder(join(dataDir, "mail"));

  // The table: the running runtime's, or the persisted one opened for this run, or none.
  const port = Number(values["dynamodb-port"]);
  let stop: (() => Promise<void>) | undefined;
  let endpoint: string | undefined;
  const running = await assertPortFree(port, "DynamoDB Local").then(
    () => false,
    () => true,
  );
  if (running) endpoint = `http://127.0.0.1:${port}`;
  else if (existsSync(join(dataDir, "dynamodb"))) {
    const local = await startDynamoDbLocal({ port: await freePort(), dataDir: join(dataDir, "dynamodb") });
    endpoint = local.endpoint;
    stop = local.stop;
  }
  let result: ForgetResult | undefined;
  try {
    if (endpoint) {
      const doc = DynamoDBDocumentClient.from(dynamoClient(endpoint), {
        marshallOptions: { removeUndefinedValues: true },
      });
      const { reports } = dynamoStores(doc, LOCAL_TABLE);
      try {
        const indexFile = join(dataDir, "similar-incidents.json");
        result = await forgetClient(
          {
            reports,
            rawMailReader: folder.reader,
            attachments: attachmentFolder(join(dataDir, "attachments")),
            log: quiet,
            ...(existsSync(indexFile) ? { incidentIndex: fileIncidentIndexStore(indexFile) } : {}),
          },
          address,
          { dryRun },
        );
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    }
  } finally {
    await stop?.();
  }
  // Raw mail the table does not point at (a ticket's own mails): every kept mail from the address.
  const dir = join(dataDir, "mail");
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith(".eml")) : [];
  const fromThem: string[] = [];
  for (const name of files)
    if (await sentBy(join(dir, name), address)) fromThem.push(`file://${join(dir, name)}`);
  let removedFiles = 0;
  if (!dryRun) for (const ref of fromThem) if (await folder.reader.remove(ref)) removedFiles += 1;
  console.log(
    JSON.stringify(
      {
        address,
        dryRun,
        table: endpoint
          ? running
            ? "the running runtime's"
            : "persisted"
          : "none (no runtime, nothing persisted)",
        ...(result ?? {}),
        mailFolder: { fromAddress: fromThem.length, removed: removedFiles },
      },
      null,
      2,
    ),
  );
  return 0;
}

/** Whether a kept mail's header names the address as its sender (From, Sender, Reply-To). */
async function sentBy(file: string, address: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString("latin1");
    const end = text.search(/\r?\n\r?\n/);
    const head = (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, " ");
    return head
      .split(/\r?\n/)
      .filter((line) => /^(from|sender|reply-to):/i.test(line))
      .some((line) => line.toLowerCase().includes(address));
  } finally {
    await handle.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  forgetCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`aviso forget: ${(error as Error).message}`);
      process.exit(1);
    },
  );
