import type { SESv2Client, SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import type { Mailer } from "../app/outbox";
import { assertSesSendEmail } from "../mail/ses-contract";

/** A client, or a factory that makes one on first use (keeps the SDK out of other functions' cold start). */
export type ClientSource<T> = T | (() => Promise<T>);

export function lazyClient<T extends object>(source: ClientSource<T>): () => Promise<T> {
  let client: Promise<T> | undefined;
  return () =>
    (client ??= typeof source === "function" ? (source as () => Promise<T>)() : Promise.resolve(source));
}

/**
 * Sends with SESv2. Every request is first held to SESv2's documented contract (mail/ses-contract.ts),
 * so the local SES server, which accepts anything, refuses what AWS would. SES replaces the
 * Message-ID header, so the id it returns is what clients' replies will cite:
 * `<MessageId@email.amazonses.com>` in us-east-1, `<MessageId@<region>.amazonses.com>` elsewhere.
 */
export class SesMailer implements Mailer {
  private readonly client: () => Promise<SESv2Client>;

  constructor(
    client: ClientSource<SESv2Client>,
    private readonly region: string,
    /** The verified identity (the support domain): From and Reply-To must be its addresses. */
    private readonly identityDomain?: string,
  ) {
    this.client = lazyClient(client);
  }

  async send(input: SendEmailCommandInput): Promise<{ messageId: string }> {
    assertSesSendEmail(input, this.identityDomain ? { domain: this.identityDomain } : {});
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
