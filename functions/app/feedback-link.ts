import { createHmac } from "node:crypto";

/** A signed link to the feedback page of one ticket: nobody can rate another's ticket. */
export function feedbackLink(base: string, ticketId: string, secret: string): string {
  const signature = createHmac("sha256", secret)
    .update(`aviso-feedback:${ticketId}`)
    .digest("base64url")
    .slice(0, 16);
  return `${base.replace(/\/$/, "")}/${ticketId}?sig=${signature}`;
}

export function verifyFeedbackSignature(ticketId: string, signature: string, secret: string): boolean {
  const expected = new URL(feedbackLink("http://x", ticketId, secret)).searchParams.get("sig");
  return typeof signature === "string" && signature.length === expected?.length && signature === expected;
}
