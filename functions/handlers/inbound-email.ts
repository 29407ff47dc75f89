import type { InboundDeps } from "../app/inbound";
import { receiveMail } from "../app/inbound";
import { InboundSesEventSchema } from "./schemas";

export interface RawMailSource {
  /** The raw mail SES stored before invoking us (the receipt rule's S3 action). */
  get(messageId: string): Promise<{ raw: Buffer; ref: string }>;
}

/** SES receipt → raw mail from S3 → receiveMail. Thin: all the work is in functions/app. */
export function makeInboundEmailHandler(deps: () => Promise<InboundDeps & { rawSource: RawMailSource }>) {
  return async (event: unknown) => {
    const parsed = InboundSesEventSchema.parse(event);
    const d = await deps();
    const results = [];
    for (const record of parsed.Records) {
      const receipt = record.ses.receipt;
      const { raw, ref } = await d.rawSource.get(record.ses.mail.messageId);
      results.push(
        await receiveMail(d, raw, {
          rawRef: ref,
          verdicts: {
            spf: receipt.spfVerdict.status,
            dkim: receipt.dkimVerdict.status,
            dmarc: receipt.dmarcVerdict.status,
            spam: receipt.spamVerdict.status,
            virus: receipt.virusVerdict.status,
          },
        }),
      );
    }
    return { results };
  };
}
