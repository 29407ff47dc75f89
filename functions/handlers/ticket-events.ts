import { type ApiDeps, handleApiRequest } from "../app/api";
import { applyEvent } from "../app/apply";
import type { OutboxDeps } from "../app/outbox";
import { sendWeeklyReport } from "../app/report";

interface HttpApiEvent {
  requestContext: { http: { method: string; path: string } };
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

/** HTTP API (IAM-signed) and EventBridge bus: technician and ticket-system events, and reads. */
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
    const body =
      event.body && event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
    const response = await handleApiRequest(d, {
      method: event.requestContext.http.method,
      path: event.rawPath ?? event.requestContext.http.path,
      ...(event.queryStringParameters ? { query: event.queryStringParameters } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    return { statusCode: response.status, headers: response.headers, body: response.body };
  };
}
