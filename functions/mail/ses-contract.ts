/**
 * SESv2's documented contract for a SendEmail request (API reference: SendEmail, Destination,
 * MessageHeader, MessageTag; SES quotas), checked before every send: locally and in the tests the
 * same limits then hold as on AWS, where the local SES server would accept anything.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";

export const SES_LIMITS = {
  /** Destination: To, Cc and Bcc together. */
  recipients: 50,
  /** MessageHeader: name 1–126 printable ASCII but ":"; value 1–870 printable ASCII. */
  headerName: 126,
  headerValue: 870,
  /** MessageTag name and value: [A-Za-z0-9_-], at most 256. */
  tag: 256,
  /** The whole message, after MIME encoding (SES v2 quota). */
  messageBytes: 40 * 1024 * 1024,
} as const;

const HEADER_NAME = /^[!-9;-~]+$/;
const PRINTABLE_ASCII = /^[ -~]*$/;
const TAG = /^[A-Za-z0-9_-]+$/;

export class SesContractError extends Error {
  constructor(readonly violations: string[]) {
    super(`SendEmail request breaks the SESv2 contract: ${violations.join("; ")}`);
    this.name = "SesContractError";
  }
}

/** The addr-spec of an address header value, "Name <a@b>" or "a@b". */
function addressOf(value: string): string {
  return (/<([^<>]+)>\s*$/.exec(value)?.[1] ?? value).trim();
}

/** Every way a request breaks the contract (empty when it holds). `domain`: the verified identity. */
export function sesSendEmailViolations(
  input: SendEmailCommandInput,
  options: { domain?: string } = {},
): string[] {
  const violations: string[] = [];
  const addressHeader = (field: string, value: string) => {
    if (!PRINTABLE_ASCII.test(value))
      violations.push(
        `${field} "${value}" is not ASCII or not printable (encode the display name as RFC 2047 words)`,
      );
    if (!/^[^@\s<>]+@[^@\s<>]+$/.test(addressOf(value)))
      violations.push(`${field} "${value}" holds no address`);
  };
  const from = input.FromEmailAddress ?? "";
  addressHeader("FromEmailAddress", from);
  const domain = options.domain?.toLowerCase();
  const ofDomain = (value: string) => addressOf(value).toLowerCase().endsWith(`@${domain}`);
  if (domain && !ofDomain(from)) violations.push(`FromEmailAddress "${from}" is not an address of ${domain}`);
  for (const replyTo of input.ReplyToAddresses ?? []) {
    addressHeader("ReplyToAddresses", replyTo);
    if (domain && !ofDomain(replyTo))
      violations.push(`ReplyToAddresses "${replyTo}" is not an address of ${domain}`);
  }
  const destination = input.Destination ?? {};
  const recipients = [
    ...(destination.ToAddresses ?? []),
    ...(destination.CcAddresses ?? []),
    ...(destination.BccAddresses ?? []),
  ];
  if (recipients.length === 0) violations.push("Destination has no recipient");
  if (recipients.length > SES_LIMITS.recipients)
    violations.push(`Destination has ${recipients.length} recipients (at most ${SES_LIMITS.recipients})`);
  for (const recipient of recipients) addressHeader("Destination", recipient);
  const simple = input.Content?.Simple;
  if (!simple) violations.push("Content.Simple is missing");
  const subject = simple?.Subject?.Data ?? "";
  if (/[\r\n]/.test(subject)) violations.push("Subject holds a line break");
  for (const header of simple?.Headers ?? []) {
    const name = header.Name ?? "";
    const value = header.Value ?? "";
    if (!HEADER_NAME.test(name) || name.length > SES_LIMITS.headerName)
      violations.push(`header name "${name}" is not 1–126 printable ASCII characters without ":"`);
    if (!PRINTABLE_ASCII.test(value))
      violations.push(`header ${name}: value is not printable ASCII (no CR/LF)`);
    if (value.length < 1 || value.length > SES_LIMITS.headerValue)
      violations.push(`header ${name}: value of ${value.length} characters (1 to ${SES_LIMITS.headerValue})`);
  }
  for (const tag of input.EmailTags ?? []) {
    for (const [what, text] of [
      ["name", tag.Name ?? ""],
      ["value", tag.Value ?? ""],
    ] as const)
      if (!TAG.test(text) || text.length > SES_LIMITS.tag)
        violations.push(`tag ${tag.Name}: ${what} "${text}" is not 1–256 of [A-Za-z0-9_-]`);
  }
  // Base64 or quoted-printable bodies grow by about a third; headers are small beside them.
  const bodyBytes =
    Buffer.byteLength(simple?.Body?.Html?.Data ?? "") +
    Buffer.byteLength(simple?.Body?.Text?.Data ?? "") +
    (simple?.Attachments ?? []).reduce((sum, a) => sum + (a.RawContent?.byteLength ?? 0), 0);
  if (Math.ceil((bodyBytes * 4) / 3) > SES_LIMITS.messageBytes)
    violations.push(
      `message of about ${Math.ceil((bodyBytes * 4) / 3)} bytes encoded (at most ${SES_LIMITS.messageBytes})`,
    );
  return violations;
}

/** Throws SesContractError when the request breaks the contract. */
export function assertSesSendEmail(input: SendEmailCommandInput, options: { domain?: string } = {}): void {
  const violations = sesSendEmailViolations(input, options);
  if (violations.length > 0) throw new SesContractError(violations);
}
