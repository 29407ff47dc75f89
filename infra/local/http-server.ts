import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { handleApiRequest } from "../../functions/app/api";
import type { Logger } from "../../functions/app/apply";
import { handleAttachmentRequest, matchAttachmentRoute } from "../../functions/app/attachments";
import type { OutboxDeps } from "../../functions/app/outbox";
import { sendWeeklyReport } from "../../functions/app/report";
import type { LocalClock } from "./clock";
import type { ClockGate } from "./clock-gate";
import { refusal } from "./http-guard";
import type { Fired } from "./timekeeper";

const MAX_BODY_BYTES = 1_000_000;

export interface HttpParts {
  deps: Parameters<typeof handleApiRequest>[0] & OutboxDeps;
  clock: LocalClock;
  gate: ClockGate;
  advance(hours: number): Promise<{ now: string; fired: Fired[] }>;
  log: Logger;
}

/**
 * The API of DESIGN §4 on 127.0.0.1: the routes the stack serves, the lead's page and the clock,
 * behind the guard of http-guard.ts (loopback Host; JSON and same-origin for what changes state).
 */
export async function startHttpServer(port: number, parts: HttpParts): Promise<{ close(): Promise<void> }> {
  const server = createServer((request, response) => {
    void serve(request, response, parts);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { close: () => closeServer(server) };
}

async function serve(request: IncomingMessage, response: ServerResponse, parts: HttpParts) {
  const { deps, clock, gate, advance, log } = parts;
  try {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const reply = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      response.end(JSON.stringify(value));
    };
    const refused = refusal({
      method: request.method ?? "GET",
      path: url.pathname,
      headers: request.headers,
    });
    if (refused) return reply(refused.status, { error: refused.error });
    const body = await readBody(request, MAX_BODY_BYTES);
    if (url.pathname === "/" && request.method === "GET") {
      // The lead's page is the API's own route (app/pages/lead.ts), as on AWS.
      response.writeHead(302, { location: "/lead" });
      response.end();
      return;
    }
    if (url.pathname === "/_reports/weekly" && request.method === "POST") {
      // What the stack's Monday cron does, on demand (the runtime also sends it by itself on Mondays).
      return reply(200, await sendWeeklyReport(deps, { force: true }));
    }
    if (url.pathname === "/_clock" && request.method === "GET") {
      return reply(200, {
        now: clock.now().toISOString(),
        offsetHours: Math.round((clock.offsetMs / 3_600_000) * 1000) / 1000,
      });
    }
    if (url.pathname === "/_clock/advance" && request.method === "POST") {
      let hours: unknown;
      try {
        hours = (JSON.parse(body || "{}") as { hours?: unknown }).hours;
      } catch {
        return reply(400, { error: 'the body must be JSON: {"hours": n}' });
      }
      if (typeof hours !== "number" || !Number.isFinite(hours) || hours < 0 || hours > 24 * 366) {
        return reply(400, { error: '"hours" must be a number from 0 to 8784' });
      }
      return reply(200, await advance(hours));
    }
    const attachment = matchAttachmentRoute(
      request.method ?? "GET",
      url.pathname,
      Object.fromEntries(url.searchParams),
    );
    if (attachment) {
      const file = await handleAttachmentRequest(deps, attachment);
      response.writeHead(file.status, file.headers);
      return void response.end(file.body);
    }
    const result = await gate.shared(() =>
      handleApiRequest(deps, {
        method: request.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body,
      }),
    );
    response.writeHead(result.status, result.headers ?? {});
    response.end(result.body);
  } catch (error) {
    log.error("API request failed", { error: String(error) });
    response.writeHead(500, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: (error as Error).message }));
  }
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error("request body too large"));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function closeServer(server: Server) {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
