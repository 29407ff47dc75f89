import type { Effect, Locale } from "../core";

/**
 * What performing one outbox effect came to. Stored on the outbox item as it is: metrics, the lead's
 * page and the proof tools read these fields; logs and the API show them as they are.
 */
export type EffectResult =
  | {
      outcome: "sent";
      messageId: string;
      /** Recipients left out of this mail, each with why. */
      skipped?: SkippedRecipient[];
      /** An interrupted attempt had already been accepted by the mail system: not sent again. */
      confirmedByLedger?: true;
    }
  /** Nobody could be mailed: every recipient was flagged or over the loop cap. */
  | { outcome: "suppressed"; skipped: SkippedRecipient[] }
  /** The configuration names nobody for this audience (no account manager, no support lead). */
  | { outcome: "no-recipient"; audience: string }
  /** A timer effect performed late: the ticket has armed (or disarmed) the timer since. */
  | { outcome: "superseded"; timer: string; armed?: string }
  | { outcome: "timer-set"; timer: string; at: string }
  | { outcome: "timer-cancelled"; timer: string }
  | { outcome: "feedback-recorded" }
  /**
   * Given up after `attempts` failed attempts (see givesUp); `error` is the last one's. The technicians
   * were told by the mail `notice` (its message id), or, when that failed too, `noticeError` says why.
   */
  | {
      outcome: "failed";
      error: string;
      attempts: number;
      /** The last failure was of the kind that passes (throttling, 5xx, network). */
      transient?: true;
      notice?: string;
      noticeError?: string;
    };

export interface SkippedRecipient {
  address: string;
  why: "flagged" | "loop-cap";
  /** For a flagged address, the flag's reason. */
  detail?: string;
}

export function isSent(
  result: EffectResult | undefined,
): result is Extract<EffectResult, { outcome: "sent" }> {
  return result?.outcome === "sent";
}

/**
 * Attempts an effect gets before it is given up. The stream alone tries 11 times within a minute or
 * two (retryAttempts 10), so the count is never what lets go first on AWS: the age below is. It keeps
 * an effect first tried late (the outbox was down, the stream's records expired) from being given
 * up on its first failure, and it is enough that a failure seen 8 times is not a fluke.
 */
export const EFFECT_MAX_ATTEMPTS = 8;

/**
 * How old a failing effect must be, besides its attempts, before it is given up. A rejection (4xx,
 * an invalid request, a bug) does not pass by itself: a quarter of an hour (the stream's retries and
 * two or three sweeps) rides out a change being rolled out, and the technicians hear while the
 * ticket is still fresh. Throttling, 5xx and network failures are outages: they still count, but
 * six hours (some 70 sweeps) outlast SES and Scheduler incidents; by then a client update is long
 * overdue and a person has to step in.
 */
export const GIVE_UP_AFTER_SECONDS = { rejected: 15 * 60, transient: 6 * 3600 } as const;

const TRANSIENT_NAMES = new Set([
  "TooManyRequestsException",
  "ThrottlingException",
  "Throttling",
  "LimitExceededException",
  "ServiceQuotaExceededException",
  "InternalServerException",
  "InternalFailure",
  "ServiceUnavailable",
  "RequestTimeout",
  "TimeoutError",
  // The whole account's sending stopped: nothing about this effect is wrong, and no notice could go.
  "SendingPausedException",
  "AccountSuspendedException",
  // aviso's own hold: the global cap of automatic mail in ten minutes.
  "GlobalCapHold",
]);
const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

/** A failure that passes by itself: throttling, a 5xx, the network, a hold of aviso's own. */
export function isTransientFailure(error: unknown): boolean {
  const e = (error ?? {}) as { name?: string; code?: string; $fault?: string; $retryable?: unknown };
  return (
    e.$fault === "server" ||
    e.$retryable !== undefined ||
    TRANSIENT_NAMES.has(e.name ?? "") ||
    NETWORK_CODES.has(e.code ?? "")
  );
}

/** Whether an effect that just failed its `attempts`th attempt (counting this one) is given up. */
export function givesUp(failure: {
  attempts: number;
  createdAt: string;
  error: unknown;
  now: Date;
}): boolean {
  const ageSeconds = (failure.now.getTime() - Date.parse(failure.createdAt)) / 1000;
  const after = isTransientFailure(failure.error)
    ? GIVE_UP_AFTER_SECONDS.transient
    : GIVE_UP_AFTER_SECONDS.rejected;
  return failure.attempts >= EFFECT_MAX_ATTEMPTS && ageSeconds >= after;
}

/** The technicians' notice of a given-up effect: which, on which ticket, after how many attempts, why. */
export function giveUpNotice(
  locale: Locale,
  ticketId: string,
  effect: Effect,
  failure: string,
  attempts: number,
): { subject: string; text: string; html: string } {
  const words = GIVE_UP_WORDS[locale];
  const what = words.what(effect);
  const text = [
    words.text(what, ticketId, attempts),
    "",
    `${words.lastError}: ${failure}`,
    "",
    words.todo,
  ].join("\n");
  return {
    subject: `[#${ticketId}] ${words.subject} ${what}`,
    text,
    html: `<pre style="font-family:monospace;white-space:pre-wrap">${escapeHtml(text)}</pre>`,
  };
}

const GIVE_UP_WORDS: Record<
  Locale,
  {
    what(effect: Effect): string;
    subject: string;
    text(what: string, ticketId: string, attempts: number): string;
    lastError: string;
    todo: string;
  }
> = {
  en: {
    what: (e) =>
      e.kind === "send-client"
        ? `sending the "${e.template}" message to ${e.to.address}`
        : e.kind === "notify"
          ? `sending the "${e.template}" notice (${e.audience})`
          : e.kind === "call-task"
            ? `sending the call task (${e.reason})`
            : e.kind === "set-timer"
              ? `setting the ${e.name} timer for ${e.at}`
              : e.kind === "cancel-timer"
                ? `cancelling the ${e.name} timer`
                : "recording the client's feedback",
    subject: "aviso gave up",
    text: (what, ticketId, attempts) =>
      `aviso gave up ${what} on ticket ${ticketId} after ${attempts} attempts, and will not retry it.`,
    lastError: "Last error",
    todo: "What it was for has not happened: please see to the ticket yourself.",
  },
  es: {
    what: (e) =>
      e.kind === "send-client"
        ? `enviar el mensaje «${e.template}» a ${e.to.address}`
        : e.kind === "notify"
          ? `enviar el aviso «${e.template}» (${e.audience})`
          : e.kind === "call-task"
            ? `enviar la tarea de llamada (${e.reason})`
            : e.kind === "set-timer"
              ? `programar el temporizador ${e.name} para ${e.at}`
              : e.kind === "cancel-timer"
                ? `cancelar el temporizador ${e.name}`
                : "registrar la valoración del cliente",
    subject: "aviso ha desistido de",
    text: (what, ticketId, attempts) =>
      `aviso ha desistido de ${what} del ticket ${ticketId} tras ${attempts} intentos y no volverá a intentarlo.`,
    lastError: "Último error",
    todo: "Lo que debía hacer no ha ocurrido: ocúpate del ticket a mano.",
  },
};

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
