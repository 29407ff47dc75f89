import type { Server } from "node:http";
import * as sesLocalModule from "aws-ses-v2-local";
import { sesMessageIdHeader } from "../../functions/adapters/ses";
import { assertPortFree } from "./ports";

export interface SesLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts aws-ses-v2-local: its page lists every mail sent, GET /store returns them as JSON. */
export async function startSesLocal(options: { port: number }): Promise<SesLocal> {
  await assertPortFree(options.port, "local SES");
  // A CommonJS module: its default export arrives as .default or as the module itself.
  const mod = sesLocalModule as unknown as {
    default: typeof sesLocalModule.default | { default: typeof sesLocalModule.default };
  };
  const start = typeof mod.default === "function" ? mod.default : mod.default.default;
  const server: Server = await start({ host: "127.0.0.1", port: options.port });
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    port: options.port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface StoredMail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  at: number;
}

export async function storedMail(endpoint: string): Promise<StoredMail[]> {
  return storedMailSince(endpoint);
}

/** Mail the local SES server accepted since an epoch second (all of it without one). */
export async function storedMailSince(endpoint: string, since?: number): Promise<StoredMail[]> {
  const response = await fetch(`${endpoint}/store${since === undefined ? "" : `?since=${since}`}`);
  const body = (await response.json()) as { emails: StoredMail[] };
  return body.emails;
}

/**
 * The local SES server as the sent-mail ledger: a mail carrying an effect's X-Aviso-Effect header was
 * accepted. (On AWS the same answer comes from SES Send events; see functions/handlers/ses-events.ts.)
 */
export function sesStoreLedger(endpoint: string, region: string) {
  // Read incrementally: each lookup fetches only what the server accepted since the last one.
  const accepted = new Map<string, string>();
  let since: number | undefined;
  return {
    async sentMessageId(ticketId: string, effectId: string): Promise<string | undefined> {
      const fetchedAt = Math.floor(Date.now() / 1000) - 2;
      for (const mail of await storedMailSince(endpoint, since))
        for (const header of mail.headers ?? [])
          if (header.name.toLowerCase() === "x-aviso-effect")
            accepted.set(header.value, sesMessageIdHeader(mail.messageId, region));
      since = fetchedAt;
      return accepted.get(`${ticketId}/${effectId}`);
    },
  };
}
