/**
 * The status page behind API Gateway: AWS's published HTTP API payload-2.0 event, with no authorizer
 * (the route is public, its signature is the authorization), reaches the page; its form's post,
 * base64-encoded as API Gateway may send it, enters the thread.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { receiveMail } from "../../functions/app/inbound";
import { makeTicketEventsHandler } from "../../functions/handlers/ticket-events";
import { memoryWorld } from "../support/memory-world";

type Reply = { statusCode: number; body: string };

function publicEvent(method: string, path: string, query: Record<string, string>, body?: string) {
  const event = JSON.parse(
    readFileSync(join(import.meta.dirname, "../data/aws-events/apigw-http-iam-auth.json"), "utf8"),
  );
  delete event.requestContext.authorizer;
  event.routeKey = `${method} /status/{id}`;
  event.rawPath = path;
  event.rawQueryString = new URLSearchParams(query).toString();
  event.queryStringParameters = query;
  event.requestContext.routeKey = event.routeKey;
  event.requestContext.http = { ...event.requestContext.http, method, path };
  if (body !== undefined) {
    event.body = Buffer.from(body).toString("base64");
    event.isBase64Encoded = true;
  } else delete event.body;
  return event;
}

describe("the status page on AWS (public route of the ticket-events function)", () => {
  it("answers the signed link without an authorizer and takes the form's reply; refuses a tampered one", async () => {
    const w = memoryWorld();
    const raw = Buffer.from(
      "From: ana@cliente.test\r\nTo: soporte@aviso.test\r\nSubject: Sin impresora\r\nMessage-ID: <a1@cliente.test>\r\n\r\nNo imprime.",
    );
    const opened = await receiveMail(w.deps, raw);
    if (opened.outcome !== "applied") throw new Error("not opened");
    await w.drain();
    const text = w.sent[0]?.Content?.Simple?.Body?.Text?.Data ?? "";
    const link = new URL(/https?:\/\/\S+\/status\/T-\d+\?exp=\d+&sig=[\w-]+/.exec(text)?.[0] as string);
    const handler = makeTicketEventsHandler(async () => w.deps);
    const query = Object.fromEntries(link.searchParams);
    const page = (await handler(publicEvent("GET", link.pathname, query))) as Reply;
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(opened.ticketId);
    const posted = (await handler(
      publicEvent(
        "POST",
        link.pathname,
        query,
        new URLSearchParams({ text: "Sigue sin imprimir." }).toString(),
      ),
    )) as Reply;
    expect(posted.statusCode).toBe(200);
    expect(posted.body).toContain("Hemos recibido tu mensaje");
    const timeline = await w.deps.tickets.timeline(opened.ticketId);
    expect(timeline.filter((e) => e.type === "client-reply" && e.data?.outcome === "applied").length).toBe(1);
    const tampered = (await handler(
      publicEvent("GET", link.pathname, {
        ...query,
        sig: `${query.sig?.startsWith("x") ? "y" : "x"}${query.sig?.slice(1)}`,
      }),
    )) as Reply;
    expect(tampered.statusCode).toBe(403);
  });
});
