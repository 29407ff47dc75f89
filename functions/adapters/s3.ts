import type { S3Client } from "@aws-sdk/client-s3";
import { type ClientSource, lazyClient } from "./ses";

/** Raw mail in the encrypted bucket the SES receipt rule writes to (aviso only reads it). */
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
}
