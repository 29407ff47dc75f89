import type { SESv2Client, SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import type { Mailer } from "../app/outbox";

/** A client, or a factory that makes one on first use (keeps the SDK out of other functions' cold start). */
export type ClientSource<T> = T | (() => Promise<T>);

export function lazyClient<T extends object>(source: ClientSource<T>): () => Promise<T> {
  let client: Promise<T> | undefined;
  return () =>
    (client ??= typeof source === "function" ? (source as () => Promise<T>)() : Promise.resolve(source));
}

/**
 * Sends with SESv2. SES replaces the Message-ID header, so the id it returns is what clients'
 * replies will cite: `<MessageId@email.amazonses.com>` in us-east-1, `<MessageId@<region>.amazonses.com>` elsewhere.
 */
export class SesMailer implements Mailer {
  private readonly client: () => Promise<SESv2Client>;

  constructor(
    client: ClientSource<SESv2Client>,
    private readonly region: string,
  ) {
    this.client = lazyClient(client);
  }

  async send(input: SendEmailCommandInput): Promise<{ messageId: string }> {
    const { SendEmailCommand } = await import("@aws-sdk/client-sesv2");
    const result = await (await this.client()).send(new SendEmailCommand(input));
    return { messageId: sesMessageIdHeader(result.MessageId ?? "", this.region) };
  }
}

/** The Message-ID header SES gives a mail, from the id its API and its events report. */
export function sesMessageIdHeader(sesMessageId: string, region: string): string {
  const domain = region === "us-east-1" ? "email.amazonses.com" : `${region}.amazonses.com`;
  return `<${sesMessageId}@${domain}>`;
}
