/**
 * The application on the in-memory stores, with a clock tests move, a mailer that keeps what it is
 * given (held to SESv2's contract) and a scheduler that keeps the armed timers. The unit tests of
 * app/ build their world from this; DynamoDB Local runs the same ports in test/integration.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { type OutboxDeps, performOutboxItem } from "../../functions/app/outbox";
import { type AvisoConfig, loadConfig } from "../../functions/config";
import type { MetricPoint, TimerName } from "../../functions/core";
import { assertSesSendEmail } from "../../functions/mail/ses-contract";
import { memoryStores } from "../../functions/store/memory";

export const quiet = { info: () => {}, warn: () => {}, error: () => {} };

export const WORLD_SECRET = "unit-secret-0123456789";

export function memoryWorld(options: { start?: string; config?: Partial<AvisoConfig> } = {}) {
  let now = new Date(options.start ?? "2026-11-23T08:15:00Z");
  const sent: SendEmailCommandInput[] = [];
  const timers = new Map<string, string>();
  const metrics: MetricPoint[] = [];
  const stores = memoryStores();
  const deps = {
    ...stores,
    config: loadConfig({
      supportAddress: "soporte@aviso.test",
      technicians: [{ address: "lucia@aviso.test", name: "Lucía" }],
      feedbackUrl: "http://127.0.0.1:3000/feedback",
      tokenSecret: WORLD_SECRET,
      trustLocalTechnicians: true,
      defaultLocale: "es",
      ...options.config,
    }),
    clock: { now: () => new Date(now) },
    log: quiet,
    metrics: { record: (points: MetricPoint[]) => void metrics.push(...points) },
    mailer: {
      send: async (input: SendEmailCommandInput) => {
        assertSesSendEmail(input, { domain: "aviso.test" });
        sent.push(input);
        return { messageId: `<m${sent.length}@ses.test>` };
      },
    },
    scheduler: {
      set: async (ticketId: string, name: TimerName, at: string) =>
        void timers.set(`${ticketId}-${name}`, at),
      cancel: async (ticketId: string, name: TimerName) => void timers.delete(`${ticketId}-${name}`),
    },
    rawMail: { put: async (id: string) => `memory://${id}` },
  } satisfies OutboxDeps & Record<string, unknown>;
  return {
    deps,
    sent,
    timers,
    metrics,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    /** Every pending effect, performed once, as the stream would drive the outbox. */
    drain: async () => {
      for (const item of await stores.outbox.pending()) await performOutboxItem(deps, item);
    },
  };
}

/** The addresses a request goes to (display names dropped). */
export const recipients = (input: SendEmailCommandInput) =>
  (input.Destination?.ToAddresses ?? []).map((to) => /<([^>]+)>/.exec(to)?.[1] ?? to);
