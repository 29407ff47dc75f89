import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { sdkLogger } from "../../functions/adapters/sdk-logger";
import { SesMailer } from "../../functions/adapters/ses";
import type { AttachmentStore } from "../../functions/app/attachments";
import type { RawMailStore } from "../../functions/app/inbound";
import type { RawMailReader } from "../../functions/app/ports";
import type { RawMailSource } from "../../functions/handlers/inbound-email";
import { dynamoStores } from "../../functions/store";
import { fileIncidentIndexStore, memoryIncidentIndexStore } from "../../functions/store/incident-index-file";
import { tableDefinition } from "../../functions/store/table";
import { sesStoreLedger } from "./ses-local";
import { upgradeIndexes } from "./table-upgrade";

/** The local parts accept any signature; these only satisfy the SDK. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
export const LOCAL_TABLE = "aviso";
const SES_REGION = "eu-west-1";

export function dynamoClient(endpoint: string) {
  return new DynamoDBClient({ endpoint, region: "local", credentials: LOCAL_CREDENTIALS, logger: sdkLogger });
}

/**
 * Creates the table of DESIGN §2, or brings the indexes of one already there (a persisted data folder
 * of an earlier aviso) to today's definition.
 */
export async function ensureTable(client: DynamoDBClient, table = LOCAL_TABLE): Promise<string[]> {
  try {
    await client.send(new CreateTableCommand(tableDefinition(table)));
    return [];
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return upgradeIndexes(client, table);
  }
}

/** The raw mail folder: what SES's S3 action keeps on AWS. */
export function mailFolder(
  dir: string,
): RawMailStore & RawMailSource & { ref(id: string): string; reader: Required<RawMailReader> } {
  const file = (id: string) => join(dir, `${id.replace(/[^\w.-]/g, "_")}.eml`);
  /** A stored reference back to its file, only inside this folder (a reference is data, not a path to trust). */
  const path = (ref: string) => {
    const candidate = resolve(ref.startsWith("file://") ? fileURLToPath(ref) : ref);
    if (!candidate.startsWith(resolve(dir) + sep)) throw new Error(`not a raw mail of this runtime: ${ref}`);
    return candidate;
  };
  return {
    ref: (id) => `file://${file(id)}`,
    put: async (id, raw) => {
      await writeFile(file(id), raw);
      return `file://${file(id)}`;
    },
    get: async (id) => ({ raw: await readFile(file(id)), ref: `file://${file(id)}` }),
    reader: {
      get: async (ref) => readFile(path(ref)),
      remove: async (ref) =>
        rm(path(ref)).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code === "ENOENT") return false;
            throw error;
          },
        ),
    },
  };
}

/**
 * Kept attachments under `<dir>/<ticketId>/<sha256>/` (`.aviso/attachments` beside the raw mail): the
 * file under its safe name and its content type beside it, what S3 keeps as the object's metadata.
 */
export function attachmentFolder(
  dir: string,
): AttachmentStore & { removeTicket(ticketId: string): Promise<number> } {
  const folder = (ticketId: string, sha256?: string) => {
    if (!/^[\w-]{1,64}$/.test(ticketId) || (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)))
      throw new Error(`not an attachment of this runtime: ${ticketId}/${sha256 ?? ""}`);
    return sha256 ? join(dir, ticketId, sha256) : join(dir, ticketId);
  };
  return {
    put: async (ticketId, { sha256, name, contentType, content }) => {
      const at = folder(ticketId, sha256);
      await mkdir(at, { recursive: true });
      await writeFile(join(at, "content"), content);
      await writeFile(join(at, "meta.json"), JSON.stringify({ name, contentType }));
      return `file://${join(at, "content")}`;
    },
    get: async (ticketId, sha256) => {
      const at = folder(ticketId, sha256);
      try {
        const meta = JSON.parse(await readFile(join(at, "meta.json"), "utf8")) as {
          name: string;
          contentType: string;
        };
        return { ...meta, content: await readFile(join(at, "content")) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    removeTicket: async (ticketId) => {
      const at = folder(ticketId);
      const files = await readdir(at).catch(() => []);
      await rm(at, { recursive: true, force: true });
      return files.length;
    },
  };
}

/**
 * What the handlers need that talks to the local parts: the table, SES, the raw mail folder, and the
 * similar-incidents index: a JSON file when the runtime keeps its data (`.aviso/similar-incidents.json`),
 * else in memory like the table, so no index outlives the tickets it names.
 */
export function localParts(options: {
  dynamodb: string | DynamoDBClient;
  ses: string;
  mailDir: string;
  incidentIndexFile?: string;
}) {
  const client = typeof options.dynamodb === "string" ? dynamoClient(options.dynamodb) : options.dynamodb;
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const folder = mailFolder(options.mailDir);
  return {
    client,
    stores: dynamoStores(doc, LOCAL_TABLE),
    mailer: new SesMailer(
      new SESv2Client({
        endpoint: options.ses,
        region: SES_REGION,
        credentials: LOCAL_CREDENTIALS,
        logger: sdkLogger,
      }),
      SES_REGION,
    ),
    rawMail: { put: folder.put },
    /** `.aviso/attachments` beside `.aviso/mail` (or the runtime's data folder). */
    attachments: attachmentFolder(join(dirname(resolve(options.mailDir)), "attachments")),
    rawSource: { get: folder.get },
    /** Quarantine release and forgetting read (and delete) kept mail by its reference. */
    rawMailReader: folder.reader,
    rawRef: folder.ref,
    sentLedger: sesStoreLedger(options.ses, SES_REGION),
    incidentIndex: options.incidentIndexFile
      ? fileIncidentIndexStore(options.incidentIndexFile)
      : memoryIncidentIndexStore(),
  };
}
