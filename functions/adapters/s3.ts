import type { S3Client } from "@aws-sdk/client-s3";
import type { RawMailStore } from "../app/inbound";
import { type ClientSource, lazyClient } from "./ses";

/** Raw mail in the encrypted bucket SES writes to. */
export class S3RawMail implements RawMailStore {
  private readonly client: () => Promise<S3Client>;

  constructor(
    client: ClientSource<S3Client>,
    private readonly bucket: string,
  ) {
    this.client = lazyClient(client);
  }

  async put(id: string, raw: Buffer): Promise<string> {
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    const key = `api/${id}.eml`;
    await (await this.client()).send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: raw, ContentType: "message/rfc822" }),
    );
    return `s3://${this.bucket}/${key}`;
  }

  async get(key: string): Promise<Buffer> {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    const result = await (await this.client()).send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(
      await (result.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }
}
