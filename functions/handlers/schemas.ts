import { SesRecordSchema } from "@aws-lambda-powertools/parser/schemas/ses";
import * as z from "zod";

/** Powertools' SES schema, except that real SES events can lack dmarcPolicy. */
const receipt = SesRecordSchema.shape.ses.shape.receipt.extend({
  dmarcPolicy: z.enum(["none", "quarantine", "reject"]).optional(),
});
export const InboundSesRecordSchema = SesRecordSchema.extend({
  ses: SesRecordSchema.shape.ses.extend({ receipt }),
});
export const InboundSesEventSchema = z.object({ Records: z.array(InboundSesRecordSchema).min(1) });
export type InboundSesEvent = z.infer<typeof InboundSesEventSchema>;
