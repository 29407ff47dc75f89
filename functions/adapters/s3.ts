import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { RawMailStore } from "../app/inbound";

/** Raw mail in the encrypted bucket SES writes to. */
export class S3RawMail implements RawMailStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(id: string, raw: Buffer): Promise<string> {
    const key = `api/${id}.eml`;
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: raw, ContentType: "message/rfc822" }),
    );
    return `s3://${this.bucket}/${key}`;
  }

  async get(key: string): Promise<Buffer> {
    const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(
      await (result.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }
}
