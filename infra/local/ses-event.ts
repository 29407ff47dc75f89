/** The event SES would send to the inbound function for this mail (verdicts: local, so GRAY). */
export function sesEvent(messageId: string, source: string, recipients: string[]) {
  const now = new Date().toISOString();
  const gray = { status: "GRAY" as const };
  return {
    Records: [
      {
        eventSource: "aws:ses",
        eventVersion: "1.0",
        ses: {
          mail: {
            timestamp: now,
            source: source || "unknown@localhost",
            messageId,
            destination: recipients,
            headersTruncated: false,
            headers: [],
            commonHeaders: {
              from: [source],
              to: recipients,
              returnPath: source,
              messageId,
              date: now,
              subject: "",
            },
          },
          receipt: {
            timestamp: now,
            processingTimeMillis: 1,
            recipients,
            spamVerdict: { status: "PASS" },
            virusVerdict: { status: "PASS" },
            spfVerdict: gray,
            dkimVerdict: gray,
            dmarcVerdict: gray,
            action: {
              type: "Lambda",
              invocationType: "Event",
              functionArn: "arn:aws:lambda:local:000000000000:function:aviso-inbound-email",
            },
          },
        },
      },
    ],
  };
}
