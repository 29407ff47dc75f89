import type { S3Client } from "@aws-sdk/client-s3";
import type { IncidentIndexStore } from "../app/ports";
import { type ClientSource, lazyClient } from "./ses";

/** Where the index lives in its bucket. */
export const INCIDENT_INDEX_KEY = "aviso/similar-incidents.json";

const status = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * The similar-incidents index as one S3 object, replaced with S3's conditional writes: If-Match on
 * the ETag that was read, If-None-Match "*" for the first write. S3 answers 412 Precondition Failed
 * when another writer got there first and 409 ConditionalRequestConflict when one is writing now
 * (and 404 for an If-Match on an object deleted meanwhile): all three mean "read again and retry",
 * which the caller does. A read with the ETag it holds costs no transfer when nothing changed (304).
 */
export class S3IncidentIndexStore implements IncidentIndexStore {
  private readonly client: () => Promise<S3Client>;

  constructor(
    client: ClientSource<S3Client>,
    private readonly bucket: string,
    private readonly key = INCIDENT_INDEX_KEY,
  ) {
    this.client = lazyClient(client);
  }

  async load(knownVersion?: string) {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    try {
      const result = await (await this.client()).send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          ...(knownVersion ? { IfNoneMatch: knownVersion } : {}),
        }),
      );
      const document = await (result.Body as { transformToString(): Promise<string> }).transformToString();
      if (!result.ETag) throw new Error(`s3://${this.bucket}/${this.key} came without an ETag`);
      return { document, version: result.ETag };
    } catch (error) {
      if (status(error) === 304 || (error as Error).name === "NotModified") return "unchanged" as const;
      if ((error as Error).name === "NoSuchKey" || status(error) === 404) return undefined;
      throw error;
    }
  }

  async save(document: string, expectedVersion: string | undefined): Promise<string | false> {
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    try {
      const result = await (await this.client()).send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: document,
          ContentType: "application/json",
          ...(expectedVersion ? { IfMatch: expectedVersion } : { IfNoneMatch: "*" }),
        }),
      );
      if (!result.ETag) throw new Error(`s3://${this.bucket}/${this.key} was written without an ETag`);
      return result.ETag;
    } catch (error) {
      const code = status(error);
      const name = (error as Error).name;
      if (
        code === 412 ||
        code === 409 ||
        name === "PreconditionFailed" ||
        name === "ConditionalRequestConflict"
      )
        return false;
      if ((code === 404 || name === "NoSuchKey") && expectedVersion) return false;
      throw error;
    }
  }
}
