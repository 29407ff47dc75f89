import { describe, expect, it } from "vitest";
import { SesEventDetailSchema, triageSesEvent } from "../../functions/app/bounces";
import { effectTag } from "../../functions/mail/compose";

/*
 * SES email sending events as they reach the ses-events function: the EventBridge envelope (version,
 * id, detail-type, source, account, time, region, resources, detail), with `detail` the event
 * publishing record of the SES Developer Guide, "Examples of event data that Amazon SES publishes"
 * (docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html), field for field.
 * The guide has no transient bounce sample: that one is its permanent bounce with a documented
 * Transient bounce type and subtype ("Bounce types", notification-contents.html). aviso's own
 * message tags (`ticket`, `effect`) sit beside the `ses:*` tags, as the guide's custom tags do.
 */
const MESSAGE_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000";

function envelope(detailType: string, detail: Record<string, unknown>) {
  return {
    version: "0",
    id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": detailType,
    source: "aws.ses",
    account: "123456789012",
    time: "2017-08-05T00:41:02Z",
    region: "us-east-1",
    resources: [],
    detail,
  };
}

function mail(timestamp: string, tags: Record<string, string[]> = {}) {
  return {
    timestamp,
    source: "Sender Name <sender@example.com>",
    sourceArn: "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
    sendingAccountId: "123456789012",
    messageId: MESSAGE_ID,
    destination: ["recipient@example.com"],
    headersTruncated: false,
    headers: [
      { name: "From", value: "Sender Name <sender@example.com>" },
      { name: "To", value: "recipient@example.com" },
      { name: "Subject", value: "Message sent from Amazon SES" },
      { name: "MIME-Version", value: "1.0" },
      {
        name: "Content-Type",
        value: 'multipart/alternative; boundary="----=_Part_7307378_1629847660.1516840721503"',
      },
    ],
    commonHeaders: {
      from: ["Sender Name <sender@example.com>"],
      to: ["recipient@example.com"],
      messageId: MESSAGE_ID,
      subject: "Message sent from Amazon SES",
    },
    tags: {
      "ses:configuration-set": ["ConfigSet"],
      "ses:source-ip": ["192.0.2.0"],
      "ses:from-domain": ["example.com"],
      "ses:caller-identity": ["ses_user"],
      ...tags,
    },
  };
}

const bounce = (bounceType: string, bounceSubType: string, tags?: Record<string, string[]>) =>
  envelope("Email Bounced", {
    eventType: "Bounce",
    bounce: {
      bounceType,
      bounceSubType,
      bouncedRecipients: [
        {
          emailAddress: "recipient@example.com",
          action: "failed",
          status: "5.1.1",
          diagnosticCode: "smtp; 550 5.1.1 user unknown",
        },
      ],
      timestamp: "2017-08-05T00:41:02.669Z",
      feedbackId: "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
      reportingMTA: "dsn; mta.example.com",
    },
    mail: mail("2017-08-05T00:40:02.012Z", tags),
  });

const complaint = (tags?: Record<string, string[]>) =>
  envelope("Email Complaint Received", {
    eventType: "Complaint",
    complaint: {
      complainedRecipients: [{ emailAddress: "recipient@example.com" }],
      timestamp: "2017-08-05T00:41:02.669Z",
      feedbackId: "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
      userAgent:
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36",
      complaintFeedbackType: "abuse",
      arrivalDate: "2017-08-05T00:41:02.669Z",
    },
    mail: mail("2017-08-05T00:40:01.123Z", tags),
  });

const send = (tags?: Record<string, string[]>) =>
  envelope("Email Sent", { eventType: "Send", mail: mail("2016-10-14T05:02:16.645Z", tags), send: {} });

const delivery = (tags?: Record<string, string[]>) =>
  envelope("Email Delivered", {
    eventType: "Delivery",
    mail: mail("2016-10-19T23:20:52.240Z", tags),
    delivery: {
      timestamp: "2016-10-19T23:21:04.133Z",
      processingTimeMillis: 11893,
      recipients: ["recipient@example.com"],
      smtpResponse: "250 2.6.0 Message received",
      reportingMTA: "mta.example.com",
    },
  });

const ours = { ticket: ["T-1042"], effect: [effectTag("T-1042", "ev-7#0")] };
const triage = (event: { detail: unknown }) => triageSesEvent(SesEventDetailSchema.parse(event.detail));

describe("bounce triage of SES events (AWS's published samples)", () => {
  it("a permanent bounce flags the address and tells the technicians of its ticket", () => {
    expect(triage(bounce("Permanent", "General", ours))).toEqual({
      kind: "flag",
      flags: [
        {
          address: "recipient@example.com",
          reason: "permanent bounce (General): smtp; 550 5.1.1 user unknown",
          notice: {
            type: "delivery-failed",
            id: `ses:${MESSAGE_ID}:recipient@example.com`,
            ticketId: "T-1042",
            address: "recipient@example.com",
            reason: "permanent bounce (General): smtp; 550 5.1.1 user unknown",
          },
        },
      ],
    });
  });

  it("a permanent bounce of a mail that names no ticket (or a malformed one) flags the address and tells no one", () => {
    const expected = {
      kind: "flag",
      flags: [
        {
          address: "recipient@example.com",
          reason: "permanent bounce (General): smtp; 550 5.1.1 user unknown",
        },
      ],
    };
    expect(triage(bounce("Permanent", "General"))).toEqual(expected);
    expect(triage(bounce("Permanent", "General", { ticket: ["1042"] }))).toEqual(expected);
  });

  it("a transient bounce, or one SES could not classify, is only logged", () => {
    expect(triage(bounce("Transient", "MailboxFull", ours))).toEqual({
      kind: "transient-bounce",
      sesMessageId: MESSAGE_ID,
      subType: "MailboxFull",
    });
    expect(triage(bounce("Undetermined", "Undetermined", ours))).toMatchObject({ kind: "transient-bounce" });
  });

  it("a complaint flags the address as having marked our mail as spam, and tells the technicians", () => {
    const result = triage(complaint(ours));
    expect(result).toMatchObject({
      kind: "flag",
      flags: [
        {
          address: "recipient@example.com",
          reason: "marked our mail as spam (abuse)",
          notice: { type: "delivery-failed", ticketId: "T-1042", address: "recipient@example.com" },
        },
      ],
    });
  });

  it("a Send event of one of our outbox effects is recorded against it; one without our tag is ignored", () => {
    expect(triage(send(ours))).toEqual({
      kind: "sent",
      effect: { ticketId: "T-1042", effectId: "ev-7#0" },
      sesMessageId: MESSAGE_ID,
    });
    expect(triage(send())).toEqual({ kind: "ignored" });
  });

  it("a delivery flags nothing", () => {
    expect(triage(delivery(ours))).toEqual({ kind: "ignored" });
  });

  it("accepts the samples' other fields and keeps only what the triage reads", () => {
    const parsed = SesEventDetailSchema.parse(bounce("Permanent", "General", ours).detail);
    expect(Object.keys(parsed).sort()).toEqual(["bounce", "eventType", "mail"]);
    expect(parsed.mail.tags?.ticket).toEqual(["T-1042"]);
  });
});
