import type { InboundDeps, InboundMeta } from "../app/inbound";
import { receiveMail } from "../app/inbound";
import type { MailContext } from "../mail/inspect";
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
      // SES's verdicts are the only authentication evidence on AWS (DESIGN §7); dmarcPolicy comes
      // only with a DMARC FAIL, and a FAIL under p=quarantine or p=reject is held as forged.
      const verdicts: NonNullable<InboundMeta["verdicts"]> & NonNullable<MailContext["verdicts"]> = {
        spf: receipt.spfVerdict.status,
        dkim: receipt.dkimVerdict.status,
        dmarc: receipt.dmarcVerdict.status,
        ...(receipt.dmarcPolicy ? { dmarcPolicy: receipt.dmarcPolicy } : {}),
        spam: receipt.spamVerdict.status,
        virus: receipt.virusVerdict.status,
      };
      results.push(await receiveMail(d, raw, { rawRef: ref, verdicts }));
    }
    return { results };
  };
}
