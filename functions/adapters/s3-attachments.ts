import type { S3Client } from "@aws-sdk/client-s3";
import type { AttachmentStore, StoredAttachment } from "../app/attachments";
import { contentDisposition } from "../app/attachments";
import { type ClientSource, lazyClient } from "./ses";

/** The key prefix of kept attachments in the raw-mail bucket: `attachments/<ticketId>/<sha256>/<name>`. */
export const ATTACHMENTS_PREFIX = "attachments/";

/**
 * A client mail's attachments in the raw-mail bucket (encrypted and retained like the raw mail), by
 * ticket and hash. Downloads go through our own signed link (app/attachment-links.ts), which answers
 * with a presigned GET minted at the click: a URL presigned with a Lambda role's temporary credentials
 * stops working when those credentials expire, whatever expiry it was given (at most 7 days with
 * SigV4 and long-term keys), so one made when the notice was sent could die within hours.
 */
export class S3AttachmentStore implements AttachmentStore {
  private readonly client: () => Promise<S3Client>;

  constructor(
    client: ClientSource<S3Client>,
    private readonly bucket: string,
  ) {
    this.client = lazyClient(client);
  }

  static key(ticketId: string, sha256: string, name: string): string {
    return `${ATTACHMENTS_PREFIX}${ticketId}/${sha256}/${name}`;
  }

  async put(ticketId: string, attachment: StoredAttachment & { sha256: string }): Promise<string> {
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    const key = S3AttachmentStore.key(ticketId, attachment.sha256, attachment.name);
    await (await this.client()).send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: attachment.content,
        ContentType: attachment.contentType,
        ContentDisposition: contentDisposition(attachment.name),
      }),
    );
    return `s3://${this.bucket}/${key}`;
  }

  async get(ticketId: string, sha256: string): Promise<StoredAttachment | undefined> {
    const key = await this.find(ticketId, sha256);
    if (!key) return undefined;
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    const result = await (await this.client()).send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const body = result.Body as { transformToByteArray(): Promise<Uint8Array> };
    return {
      name: key.slice(key.lastIndexOf("/") + 1),
      contentType: result.ContentType ?? "application/octet-stream",
      content: Buffer.from(await body.transformToByteArray()),
    };
  }

  async presignedGet(ticketId: string, sha256: string, seconds: number): Promise<string | undefined> {
    const key = await this.find(ticketId, sha256);
    if (!key) return undefined;
    const [{ GetObjectCommand }, { getSignedUrl }] = await Promise.all([
      import("@aws-sdk/client-s3"),
      import("@aws-sdk/s3-request-presigner"),
    ]);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: contentDisposition(key.slice(key.lastIndexOf("/") + 1)),
    });
    return getSignedUrl(await this.client(), command, { expiresIn: seconds });
  }

  /** Every kept attachment of a ticket deleted (forgetting a client); how many there were. */
  /**
   * Deletes every kept file of a ticket, every version of each (the bucket is versioned: a plain
   * delete would leave the bytes as an old version); returns how many files there were.
   */
  async removeTicket(ticketId: string): Promise<number> {
    const { DeleteObjectCommand, ListObjectVersionsCommand } = await import("@aws-sdk/client-s3");
    const client = await this.client();
    const files = new Set<string>();
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: `${ATTACHMENTS_PREFIX}${ticketId}/`,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
        }),
      );
      for (const version of page.Versions ?? []) if (version.Key) files.add(version.Key);
      for (const version of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
        if (!version.Key) continue;
        await client.send(
          new DeleteObjectCommand({
            Bucket: this.bucket,
            Key: version.Key,
            ...(version.VersionId && version.VersionId !== "null" ? { VersionId: version.VersionId } : {}),
          }),
        );
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    return files.size;
  }

  private async find(ticketId: string, sha256: string): Promise<string | undefined> {
    const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
    const listed = await (await this.client()).send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: `${ATTACHMENTS_PREFIX}${ticketId}/${sha256}/`,
        MaxKeys: 1,
      }),
    );
    return listed.Contents?.[0]?.Key;
  }
}
