import { type SESv2Client, SendEmailCommand, type SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import type { Mailer } from "../app/outbox";

/**
 * Sends with SESv2. SES replaces the Message-ID header, so the id it returns is what clients'
 * replies will cite: `<MessageId@email.amazonses.com>` in us-east-1, `<MessageId@<region>.amazonses.com>` elsewhere.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly region: string,
  ) {}

  async send(input: SendEmailCommandInput): Promise<{ messageId: string }> {
    const result = await this.client.send(new SendEmailCommand(input));
    const domain = this.region === "us-east-1" ? "email.amazonses.com" : `${this.region}.amazonses.com`;
    return { messageId: `<${result.MessageId}@${domain}>` };
  }
}
