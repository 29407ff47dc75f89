import { type ApiDeps, handleApiRequest } from "../app/api";
import { applyEvent } from "../app/apply";
import type { OutboxDeps } from "../app/outbox";
import { isPublicPath, LEAD_PAGE } from "../app/pages/lead-routes";
import { sendWeeklyReport } from "../app/report";

/** API Gateway's HTTP API payload 2.0, with what its IAM and JWT authorizers add. */
interface HttpApiEvent {
  requestContext: {
    http: { method: string; path: string };
    authorizer?: {
      iam?: { userArn?: string | null; callerId?: string | null } | null;
      jwt?: { claims?: Record<string, string | undefined> | null } | null;
    } | null;
  };
  rawPath?: string;
  queryStringParameters?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined>;
}

interface EventBridgeEvent {
  "detail-type": string;
  source: string;
  detail: unknown;
}

/**
 * HTTP API (IAM for scripts, the lead's JWT under /lead, public signed links) and EventBridge bus:
 * technician and ticket-system events, reads, the lead's page.
 */
export function makeTicketEventsHandler(deps: () => Promise<ApiDeps & Partial<OutboxDeps>>) {
  return async (event: HttpApiEvent | EventBridgeEvent | { aviso: "weekly-report" }) => {
    const d = await deps();
    if ("aviso" in event) {
      // The stack's Monday-morning Scheduler cron, in the lead's time zone.
      if (event.aviso !== "weekly-report" || !d.mailer)
        throw new Error(`unknown task ${String(event.aviso)}`);
      return { report: await sendWeeklyReport({ ...d, mailer: d.mailer }) };
    }
    if ("detail-type" in event) {
      const decision = await applyEvent(d, event.detail);
      return { outcome: decision.outcome, reason: decision.reason };
    }
    const method = event.requestContext.http.method;
    const path = event.rawPath ?? event.requestContext.http.path;
    const refused = unauthorized(event, method, path);
    if (refused) return { statusCode: 401, headers: { "content-type": "application/json" }, body: refused };
    if (method.toUpperCase() !== "GET")
      d.log.info("API request", { method, path, caller: callerOf(event) ?? "public" });
    const body =
      event.body && event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
    const response = await handleApiRequest(d, {
      method,
      path,
      ...(event.queryStringParameters ? { query: event.queryStringParameters } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    return { statusCode: response.status, headers: response.headers, body: response.body };
  };
}

/**
 * Defence in depth behind API Gateway (which authorizes each route, pages/lead-routes.ts): a route
 * that is not public answers only a request an authorizer let through, and the page's routes only
 * one with the lead's token. A route wired without its authorizer fails closed, not open.
 */
function unauthorized(event: HttpApiEvent, method: string, path: string): string | undefined {
  if (isPublicPath(method, path.replace(/\/+$/, "") || "/")) return undefined;
  const authorizer = event.requestContext.authorizer;
  if (path.startsWith(`${LEAD_PAGE}/`))
    return authorizer?.jwt ? undefined : JSON.stringify({ error: "sign in: the lead's routes need a token" });
  return authorizer?.iam ? undefined : JSON.stringify({ error: "this route needs an IAM-signed request" });
}

/** Who made a request: the lead's sign-in (e-mail or user name) or the IAM principal. */
function callerOf(event: HttpApiEvent): string | undefined {
  const { authorizer } = event.requestContext;
  const claims = authorizer?.jwt?.claims;
  if (claims) return claims.email ?? claims["cognito:username"] ?? claims.username ?? claims.sub;
  return authorizer?.iam?.userArn ?? authorizer?.iam?.callerId ?? undefined;
}
