/**
 * The support lead's routes over what aviso holds back (DESIGN §7: no black holes, flags expire and
 * can be cleared, forgetting). IAM routes on AWS, 127.0.0.1 locally; api.ts hands every request here
 * first, and a route that is not one of these answers undefined.
 *   GET    /quarantine                  held mail (id, time, kind, reason, from, subject); ?all=1 adds settled
 *   POST   /quarantine/{id}/release     processes the kept raw mail as a person's mail
 *   POST   /quarantine/{id}/discard     marks it discarded (kept raw until its retention ends)
 *   GET    /flags                       flags in force
 *   DELETE /flags/{address}             lifts a flag
 *   DELETE /clients/{address}           forgets a client (?dryRun=1 only counts); also POST /forget {address, dryRun}
 */
import type { AvisoConfig } from "../config";
import { composeSendEmail } from "../mail/compose";
import type { CoreDeps } from "./apply";
import { clientAddress, forgetClient } from "./forget";
import { type ApiRequest, type ApiResponse, json } from "./http";
import { type InboundDeps, type InboundMeta, receiveMail } from "./inbound";
import type { Mailer } from "./outbox";
import type {
  IncidentIndexStore,
  QuarantineEntry,
  QuarantineRepository,
  RawMailReader,
  ReportRepository,
  Stores,
} from "./ports";

/** What the routes use; each route checks for its parts, so a function built without one says so. */
export type AdminDeps = CoreDeps &
  Partial<Pick<Stores, "quarantine" | "throttle" | "reports" | "mail">> &
  Partial<Pick<InboundDeps, "rawMail" | "attachments">> & {
    rawMailReader?: RawMailReader;
    incidentIndex?: IncidentIndexStore;
  };

/** receiveMail's meta for a release: inbound.ts skips the automated-mail classification and the caps. */
export type ReleaseMeta = InboundMeta & { release: true };

const missing = (what: string) =>
  json(501, { error: `this function is not given ${what}: see functions/handlers/aws/deps.ts` });

const QUARANTINE_ID = "([\\w.@+-]{1,200})";

export async function handleAdminRequest(
  deps: AdminDeps,
  request: ApiRequest,
): Promise<ApiResponse | undefined> {
  const path = request.path.replace(/\/+$/, "") || "/";
  const method = request.method.toUpperCase();
  const settle = new RegExp(`^/quarantine/${QUARANTINE_ID}/(release|discard)$`).exec(path);
  const flagRoute = /^\/flags\/([^/]+)$/.exec(path);
  const clientRoute = /^\/clients\/([^/]+)$/.exec(path);
  const now = deps.clock.now();

  if (path === "/quarantine" && method === "GET") {
    if (!deps.quarantine) return missing("the quarantine");
    const all = ["1", "true"].includes(request.query?.all ?? "");
    const entries = (await deps.quarantine.quarantined())
      .filter((entry) => all || !entry.status)
      .sort((a, b) => b.at.localeCompare(a.at))
      .map(listed);
    return json(200, { quarantine: entries });
  }
  if (settle && method === "POST") {
    if (!deps.quarantine) return missing("the quarantine");
    const id = settle[1] ?? "";
    const entries = (await deps.quarantine.quarantined()).filter((entry) => entry.id === id);
    if (entries.length === 0) return json(404, { error: `nothing in quarantine under ${id}` });
    const held = entries.filter((entry) => !entry.status);
    if (held.length === 0)
      return json(409, { error: `${id} was ${entries[0]?.status} already`, entries: entries.map(listed) });
    if (settle[2] === "discard") {
      const settled = await settleAll(deps.quarantine, held, "discarded", now);
      deps.log.info("quarantined mail discarded", { id, entries: settled });
      return json(200, { id, discarded: settled });
    }
    return release(deps, id, held, now);
  }
  if (path === "/flags" && method === "GET") {
    if (!deps.throttle) return missing("the throttle");
    return json(200, { flags: await deps.throttle.flags(now) });
  }
  if (flagRoute && method === "DELETE") {
    if (!deps.throttle) return missing("the throttle");
    const address = clientAddress(decode(flagRoute[1]));
    if (!address) return json(400, { error: "not a mail address" });
    if (!(await deps.throttle.clearFlag(address))) return json(404, { error: `${address} is not flagged` });
    deps.log.info("flag cleared", { address });
    return json(200, { address, cleared: true });
  }
  const forgetting =
    (clientRoute && method === "DELETE") || (path === "/forget" && method === "POST") ? true : undefined;
  if (forgetting) {
    if (!deps.reports) return missing("the reports store");
    let input: { address?: unknown; dryRun?: unknown } = {};
    if (clientRoute)
      input = {
        address: decode(clientRoute[1]),
        dryRun: ["1", "true"].includes(request.query?.dryRun ?? ""),
      };
    else {
      try {
        input = JSON.parse(request.body ?? "") as typeof input;
      } catch {
        return json(400, { error: 'the body must be JSON: {"address": "…", "dryRun": false}' });
      }
    }
    const address = clientAddress(input?.address);
    if (!address) return json(400, { error: "not a mail address" });
    const result = await forgetClient(
      {
        reports: deps.reports,
        log: deps.log,
        clock: deps.clock,
        ...(deps.rawMailReader ? { rawMailReader: deps.rawMailReader } : {}),
        ...(deps.incidentIndex ? { incidentIndex: deps.incidentIndex } : {}),
        ...(deps.attachments ? { attachments: deps.attachments } : {}),
      },
      address,
      { dryRun: input.dryRun === true },
    );
    return json(200, result);
  }
  return undefined;
}

/**
 * Release: the kept raw mail goes through receiveMail again as a person's mail (meta.release). The
 * entries are marked released with what became of it; a mail held again (another reason) is listed
 * anew, so nothing disappears. When processing fails, the entries stay held.
 */
async function release(deps: AdminDeps, id: string, held: QuarantineEntry[], now: Date) {
  const { quarantine, mail, throttle, rawMailReader } = deps;
  if (!quarantine || !mail || !throttle) return missing("the mail ledger and throttle");
  if (!rawMailReader) return missing("the raw mail reader");
  // A release passes no SES verdicts, so nothing downstream would see the virus again.
  if (held.some((entry) => entry.kind === "virus"))
    return json(409, { error: `${id} was held for a virus verdict: it can be discarded, never released` });
  const first = held[0] as QuarantineEntry;
  let raw: Buffer;
  try {
    raw = await rawMailReader.get(first.rawRef);
  } catch (error) {
    return json(502, {
      error: `the kept mail cannot be read (${first.rawRef}): ${(error as Error).message}`,
    });
  }
  const inbound: InboundDeps = {
    ...deps,
    mail,
    throttle,
    quarantine,
    ...(deps.rawMail ? { rawMail: deps.rawMail } : {}),
  };
  const meta: ReleaseMeta = { rawRef: first.rawRef, release: true };
  const outcome = await receiveMail(inbound, raw, meta);
  const summary =
    outcome.outcome === "quarantined"
      ? `held again (${outcome.kind}): ${outcome.reason}`
      : `${outcome.outcome}: ${outcome.ticketId}`;
  const settled = await settleAll(quarantine, held, "released", now, summary);
  deps.log.info("quarantined mail released", { id, entries: settled, outcome: summary });
  return json(200, { id, released: settled, outcome });
}

async function settleAll(
  quarantine: NonNullable<AdminDeps["quarantine"]>,
  entries: QuarantineEntry[],
  status: "released" | "discarded",
  now: Date,
  outcome?: string,
) {
  let settled = 0;
  for (const entry of entries) if (await quarantine.settle(entry, status, now, outcome)) settled += 1;
  return settled;
}

function listed(entry: QuarantineEntry) {
  return {
    id: entry.id,
    at: entry.at,
    kind: entry.kind,
    reason: entry.reason,
    ...(entry.from ? { from: entry.from } : {}),
    ...(entry.subject ? { subject: entry.subject } : {}),
    ...(entry.ticketId ? { ticketId: entry.ticketId } : {}),
    ...(entry.status ? { status: entry.status, settledAt: entry.settledAt, outcome: entry.outcome } : {}),
  };
}

function decode(value: string | undefined): string {
  try {
    return decodeURIComponent(value ?? "");
  } catch {
    return "";
  }
}

/** The calendar day of an instant in a time zone, YYYY-MM-DD. */
function dayIn(timeZone: string, at: Date): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(at);
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/**
 * The support lead's daily digest of held mail (DESIGN §7, no black holes): one mail for a day on
 * which something was held (by default yesterday, in the technicians' time zone), none for a quiet
 * day, never two for one day. Run daily by a cron (the stack's, the local runtime's timekeeper).
 */
export async function sendQuarantineDigest(
  deps: {
    config: Pick<AvisoConfig, "supportLead" | "supportAddress" | "supportName" | "technicianTimeZone">;
    clock: { now(): Date };
    log: CoreDeps["log"];
    mailer: Mailer;
    quarantine: QuarantineRepository;
    reports: Pick<ReportRepository, "claimReport">;
    configurationSet?: string;
  },
  options: { day?: string } = {},
): Promise<{ sent: boolean; reason: string; day: string; held: number }> {
  const { config } = deps;
  const now = deps.clock.now();
  const day = options.day ?? dayIn(config.technicianTimeZone, new Date(now.getTime() - 86_400_000));
  const held = (await deps.quarantine.quarantined()).filter(
    (entry) => dayIn(config.technicianTimeZone, new Date(entry.at)) === day,
  );
  const result = (sent: boolean, reason: string) => ({ sent, reason, day, held: held.length });
  if (!config.supportLead) return result(false, "no supportLead configured");
  if (held.length === 0) return result(false, "nothing was held");
  if (!(await deps.reports.claimReport(`quarantine#${day}`, now)))
    return result(false, `the digest for ${day} was sent already`);
  const lines = held
    .sort((a, b) => a.at.localeCompare(b.at))
    .slice(0, 100)
    .map(
      (e) =>
        `${e.at}  ${e.kind}  ${e.from ?? "(no sender)"}  «${e.subject ?? ""}»  ${e.reason}` +
        `${e.status ? `  [${e.status}]` : ""}  id=${e.id}`,
    );
  const more = held.length > lines.length ? [`… and ${held.length - lines.length} more`] : [];
  const how = [
    "",
    "GET /quarantine lists what is held; POST /quarantine/{id}/release processes a mail as a person's",
    "mail; POST /quarantine/{id}/discard drops it from the list.",
  ];
  const text = [`${held.length} mail(s) held in quarantine on ${day}:`, "", ...lines, ...more, ...how].join(
    "\n",
  );
  const { messageId } = await deps.mailer.send(
    composeSendEmail({
      from: { address: config.supportAddress, name: config.supportName },
      to: [{ address: config.supportLead }],
      replyTo: config.supportAddress,
      rendered: {
        subject: `aviso: ${held.length} mail(s) held in quarantine on ${day}`,
        text,
        html: `<pre style="font-family:monospace">${escapeHtml(text)}</pre>`,
      },
      ticketId: "quarantine-digest",
      thread: [],
      automatic: true,
      ...(deps.configurationSet ? { configurationSetName: deps.configurationSet } : {}),
    }),
  );
  deps.log.info("quarantine digest sent", { day, held: held.length, messageId });
  return result(true, `${held.length} held on ${day}`);
}
