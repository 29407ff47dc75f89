import { SMTPServer } from "smtp-server";
import type { Logger } from "../../functions/app/apply";

export interface Envelope {
  from: string;
  to: string[];
}

export interface SmtpParts {
  port: number;
  supportAddress: string;
  /** Largest mail accepted, bytes. */
  maxMailBytes: number;
  /** Keeps the raw mail (as SES's S3 action does) and returns its id. */
  keep(raw: Buffer): Promise<string>;
  /** Takes a kept mail for processing apart: SMTP does not wait for it (see Inbox). */
  accept(messageId: string, envelope: Envelope): void;
  log: Logger;
}

/** The support mailbox: an SMTP listener on 127.0.0.1 for the support address and its +tags. */
export async function startSmtp(parts: SmtpParts): Promise<{ close(): Promise<void> }> {
  const server = smtpServer(parts);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(parts.port, "127.0.0.1", () => resolve());
  });
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function smtpServer(parts: SmtpParts): SMTPServer {
  const [supportLocal, supportDomain] = parts.supportAddress.toLowerCase().split("@");
  return new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: parts.maxMailBytes,
    banner: "aviso local support mailbox",
    onRcptTo(address, _session, callback) {
      const [local = "", domain] = address.address.toLowerCase().split("@");
      if (domain === supportDomain && (local === supportLocal || local.startsWith(`${supportLocal}+`)))
        return callback();
      return callback(
        smtpError(
          550,
          `5.1.1 <${address.address}>: no such mailbox here; aviso receives mail for ${parts.supportAddress}`,
        ),
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (stream.sizeExceeded)
          return callback(
            smtpError(552, `5.3.4 message too big: aviso accepts up to ${parts.maxMailBytes} bytes`),
          );
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        // 250 once the mail is kept, as SES answers: reading it is the inbound worker's business,
        // and a slow one must not hold this sender, or any other, on the line.
        parts.keep(Buffer.concat(chunks)).then(
          (messageId) => {
            parts.accept(messageId, envelope);
            callback(null, `2.0.0 queued as ${messageId}`);
          },
          (error: Error) => {
            parts.log.error("mail not kept", { error: String(error) });
            callback(smtpError(451, `4.3.0 not kept, try again later: ${error.message}`));
          },
        );
      });
    },
  });
}

function smtpError(responseCode: number, message: string) {
  return Object.assign(new Error(message), { responseCode });
}
