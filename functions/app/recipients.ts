import type { AvisoConfig } from "../config";
import type { Effect, Person, Ticket } from "../core";

/** Who a staff notice or call task goes to, by its audience, from the configuration. */
export const techniciansOf = (config: AvisoConfig): Person[] =>
  config.technicians.map((t) => ({ address: t.address, ...(t.name ? { name: t.name } : {}) }));

export function staffRecipients(
  config: AvisoConfig,
  effect: Extract<Effect, { kind: "notify" | "call-task" }>,
): Person[] {
  const technicians = techniciansOf(config);
  if (effect.kind === "call-task") return effect.technician ? [effect.technician] : technicians;
  switch (effect.audience) {
    case "technicians":
      return technicians;
    case "technician":
      return effect.to ? [effect.to] : technicians;
    case "account-manager":
      return config.accountManager ? [{ address: config.accountManager }] : [];
    case "lead":
      return config.supportLead ? [{ address: config.supportLead }] : [];
  }
}

/**
 * The technicians, the account manager and the support lead of the configuration. Notices to them
 * are exempt from the per-address loop cap, not held for a digest: a new ticket, a call task or a low
 * rating is worth as much as the eleventh as the first, and a digest would delay exactly the notices
 * a burst makes urgent. These addresses are ours, so the cap protects nobody outside, and the loop
 * it guards against (mail answering mail) has one staff path, the command error, which stays capped.
 * The global cap still counts every staff mail and holds (retries later, never drops) past it, and
 * flags still apply: they come from SES's own bounce and complaint reports, and mailing a staff
 * address that bounces would feed a delivery-failed notice loop.
 */
export function isConfiguredStaff(config: AvisoConfig, address: string): boolean {
  const a = address.toLowerCase();
  return (
    config.technicians.some((t) => t.address.toLowerCase() === a) ||
    config.accountManager?.toLowerCase() === a ||
    config.supportLead?.toLowerCase() === a
  );
}

/**
 * Colleagues a client mail copies at most. SES takes 50 recipients a mail (To, Cc and Bcc); the
 * mailing state of a mail's addresses is one BatchGetItem of at most 100 keys, two per address plus
 * two: 49 addresses, the client and 48 colleagues.
 */
export const MAX_COPIED_PER_MAIL = 48;

/**
 * Whom a client message copies (Cc, issue 16): the ticket's copied addresses as they stand, each once
 * whatever its case, never the client, the support address (nor its plus-addresses) or a technician,
 * at most MAX_COPIED_PER_MAIL; `dropped` are those past it. An unauthenticated opening's colleagues
 * are copied too, on mail that echoes nothing of the request (the no-echo rule holds for them as well).
 */
export function clientCopies(
  config: AvisoConfig,
  ticket: Pick<Ticket, "client" | "copied" | "technician" | "clientAuthenticated"> | undefined,
): { cc: Person[]; dropped: string[] } {
  if (!ticket) return { cc: [], dropped: [] };
  // A forged opening must not make aviso mail dozens of addresses of the forger's choosing: when the
  // sender's domain did not authenticate, colleagues are copied only once a technician took it up.
  if (ticket.clientAuthenticated === false && !ticket.technician) return { cc: [], dropped: [] };
  const support = config.supportAddress.toLowerCase();
  const [supportLocal = "", supportDomain = ""] = support.split("@");
  const excluded = new Set(
    [
      support,
      ticket.client.address,
      ticket.technician?.address ?? "",
      ...config.technicians.map((t) => t.address),
    ].map((a) => a.toLowerCase()),
  );
  const addresses = (ticket.copied ?? []).map((a) => a.trim().toLowerCase());
  const copied = [...new Set(addresses)].filter((address) => {
    const [local = "", domain = ""] = address.split("@");
    return !excluded.has(address) && !(domain === supportDomain && local.startsWith(`${supportLocal}+`));
  });
  return {
    cc: copied.slice(0, MAX_COPIED_PER_MAIL).map((address) => ({ address })),
    dropped: copied.slice(MAX_COPIED_PER_MAIL),
  };
}
