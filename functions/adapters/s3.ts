import type { S3Client } from "@aws-sdk/client-s3";
import type { RawMailReader } from "../app/ports";
import { type ClientSource, lazyClient } from "./ses";

/**
 * Raw mail in the encrypted bucket the SES receipt rule writes to. aviso reads it, and deletes it only
 * to forget a client (DESIGN §7).
 */
export class S3RawMail {
  private readonly client: () => Promise<S3Client>;

  constructor(
    client: ClientSource<S3Client>,
    private readonly bucket: string,
  ) {
    this.client = lazyClient(client);
  }

  async get(key: string): Promise<Buffer> {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    const result = await (await this.client()).send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(
      await (result.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }

  /** Deletes an object and every version of it (the bucket may keep versions); false when none was there. */
  async delete(key: string): Promise<boolean> {
    const { DeleteObjectCommand, ListObjectVersionsCommand } = await import("@aws-sdk/client-s3");
    const client = await this.client();
    const listed = await client.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: key }));
    const versions = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].filter(
      (v) => v.Key === key,
    );
    if (versions.length === 0) return false;
    for (const version of versions)
      await client.send(
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(version.VersionId && version.VersionId !== "null" ? { VersionId: version.VersionId } : {}),
        }),
      );
    return true;
  }
}

/**
 * The stored references (`s3://bucket/key`) read back: quarantine release and forgetting. Only this
 * bucket's objects: a reference is data from the table, not a grant.
 */
export function s3RawMailReader(raw: S3RawMail, bucket: string): Required<RawMailReader> {
  const keyOf = (ref: string) => {
    const prefix = `s3://${bucket}/`;
    if (!ref.startsWith(prefix) || ref.length === prefix.length)
      throw new Error(`not a raw mail of this bucket: ${ref}`);
    return ref.slice(prefix.length);
  };
  return {
    get: async (ref) => raw.get(keyOf(ref)),
    remove: async (ref) => raw.delete(keyOf(ref)),
  };
}
