/**
 * The ticket-events function behind the HTTP API, driven with AWS's published payload-2.0 events
 * (test/data/aws-events/apigw-http.SOURCES.md): IAM-signed for scripts on the admin routes (issue
 * 14: they answered 501 on AWS, the function was not given the quarantine, throttle or raw mail),
 * and a Cognito JWT for the lead's page under /lead (issue 15, item 12).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { receiveMail } from "../../functions/app/inbound";
import { makeTicketEventsHandler } from "../../functions/handlers/ticket-events";
import { memoryWorld } from "../support/memory-world";

type HttpEvent = {
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  body?: string;
  requestContext: {
    routeKey: string;
    http: { method: string; path: string };
    authorizer?: Record<string, unknown>;
  };
};
const sample = (name: string): HttpEvent =>
  JSON.parse(readFileSync(join(import.meta.dirname, "../data/aws-events", name), "utf8"));

/** The published event re-pointed at one route; its authorizer context as AWS sent it. */
function at(name: "iam" | "jwt", method: string, path: string): HttpEvent {
  const event = sample(name === "iam" ? "apigw-http-iam-auth.json" : "apigw-http-jwt-authorizer-auth.json");
  event.routeKey = `${method} ${path}`;
  event.rawPath = path;
  event.requestContext.routeKey = event.routeKey;
  event.requestContext.http = { ...event.requestContext.http, method, path };
  return event;
}
const withoutAuthorizer = (event: HttpEvent) => {
  delete event.requestContext.authorizer;
  return event;
};

type Reply = { statusCode: number; headers?: Record<string, string>; body: string };

function lead() {
  const w = memoryWorld({ config: { supportLead: "jefa@aviso.test" } });
  const kept = new Map<string, Buffer>();
  const logged: { message: string; data?: Record<string, unknown> }[] = [];
  const deps = {
    ...w.deps,
    log: {
      ...w.deps.log,
      info: (message: string, data?: Record<string, unknown>) =>
        void logged.push({ message, ...(data ? { data } : {}) }),
    },
    rawMail: {
      put: async (id: string, raw: Buffer) => {
        kept.set(`memory://${id}`, raw);
        return `memory://${id}`;
      },
    },
    rawMailReader: { get: async (ref: string) => kept.get(ref) ?? Buffer.alloc(0) },
    leadSignIn: {
      url: "https://aviso-1234abcd-123456789012.auth.eu-west-1.amazoncognito.com",
      clientId: "3nkoep4151b7umeggnottc30u9",
    },
  };
  const handler = makeTicketEventsHandler(async () => deps);
  return { ...w, deps, logged, call: async (event: HttpEvent) => (await handler(event as never)) as Reply };
}

const bulk = Buffer.from(
  "From: Ana <ana@cliente.es>\r\nTo: soporte@aviso.test\r\nSubject: Boletín\r\nMessage-ID: <b1@cliente.es>\r\nPrecedence: bulk\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLa impresora no imprime.",
);

describe("IAM-signed requests (the published HTTP API v2 IAM event)", () => {
  it("list, release and discard held mail, and list flags", async () => {
    const w = lead();
    expect(await receiveMail(w.deps, bulk)).toMatchObject({ outcome: "quarantined", kind: "bulk" });
    const listed = await w.call(at("iam", "GET", "/quarantine"));
    expect(listed.statusCode).toBe(200);
    const [entry] = JSON.parse(listed.body).quarantine;
    expect(entry).toMatchObject({ kind: "bulk", from: "ana@cliente.es", subject: "Boletín" });

    const released = await w.call(at("iam", "POST", `/quarantine/${encodeURIComponent(entry.id)}/release`));
    expect(released.statusCode).toBe(200);
    // What receiveMail makes of a released mail is quarantine-admin.test's; here, that it is routed.
    expect(JSON.parse(released.body)).toMatchObject({
      id: entry.id,
      released: 1,
      outcome: expect.any(Object),
    });
    // Who did it is in the log: the IAM principal of the signed request.
    expect(w.logged).toContainEqual({
      message: "API request",
      data: expect.objectContaining({ caller: "arn:aws:sts::123456789012:assumed-role/Admin/aamorosi" }),
    });
    expect((await w.call(at("iam", "GET", "/flags"))).statusCode).toBe(200);
  });

  it("are refused on a route that is not public when API Gateway passed no authorizer (a route wired without one)", async () => {
    const w = lead();
    for (const [method, path] of [
      ["GET", "/quarantine"],
      ["POST", "/forget"],
      ["GET", "/tickets"],
    ] as const) {
      expect((await w.call(withoutAuthorizer(at("iam", method, path)))).statusCode, path).toBe(401);
    }
  });
});

describe("the lead's page (the published HTTP API v2 JWT event)", () => {
  it("reads tickets, held mail and flags under /lead with the user pool's token", async () => {
    const w = lead();
    await receiveMail(w.deps, bulk);
    const tickets = await w.call(at("jwt", "GET", "/lead/tickets"));
    expect(tickets.statusCode).toBe(200);
    expect(JSON.parse(tickets.body)).toMatchObject({ now: "2026-11-23T08:15:00.000Z", tickets: [] });
    const held = await w.call(at("jwt", "GET", "/lead/quarantine"));
    expect(JSON.parse(held.body).quarantine).toHaveLength(1);
    const [entry] = JSON.parse(held.body).quarantine;
    const discarded = await w.call(
      at("jwt", "POST", `/lead/quarantine/${encodeURIComponent(entry.id)}/discard`),
    );
    expect(JSON.parse(discarded.body)).toMatchObject({ discarded: 1 });
    expect(w.logged).toContainEqual({
      message: "API request",
      data: expect.objectContaining({ caller: "aamorosi" }),
    });
  });

  it("refuses /lead routes without the token, and what the page does not use (forgetting, ticket events)", async () => {
    const w = lead();
    expect((await w.call(withoutAuthorizer(at("jwt", "GET", "/lead/tickets")))).statusCode).toBe(401);
    // An IAM signature is not the lead's sign-in.
    expect((await w.call(at("iam", "GET", "/lead/tickets"))).statusCode).toBe(401);
    // The token does not open the IAM routes.
    expect((await w.call(at("jwt", "GET", "/quarantine"))).statusCode).toBe(401);
    expect((await w.call(at("jwt", "POST", "/lead/forget"))).statusCode).toBe(404);
    expect((await w.call(at("jwt", "POST", "/lead/tickets/T-1001/events"))).statusCode).toBe(404);
  });

  it("serves the page itself to anyone, with where to sign in and no data", async () => {
    const w = lead();
    const page = await w.call(withoutAuthorizer(at("jwt", "GET", "/lead")));
    expect(page.statusCode).toBe(200);
    expect(page.headers?.["content-type"]).toMatch(/^text\/html/);
    expect(page.headers?.["content-security-policy"]).toContain(
      "connect-src 'self' https://aviso-1234abcd-123456789012.auth.eu-west-1.amazoncognito.com",
    );
    const settings = JSON.parse(
      /<script id="aviso-settings" type="application\/json">(.*?)<\/script>/s.exec(page.body)?.[1] ?? "",
    );
    expect(settings).toEqual({ api: "/lead", signIn: w.deps.leadSignIn });
    expect(page.body).toContain("code_challenge_method");
    expect(page.body).not.toContain("/_clock");
  });
});

describe("the AWS API function's wiring (functions/handlers/aws/deps.ts)", () => {
  const secrets = mockClient(SecretsManagerClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  beforeEach(() => {
    secrets.reset();
    dynamo.reset();
    vi.resetModules();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "production-secret-0123456789" });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    for (const [name, value] of Object.entries({
      AWS_REGION: "eu-west-1",
      TOKEN_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:aviso-token-AbCdEf",
      TABLE_NAME: "Aviso",
      RAW_BUCKET: "aviso-raw-mail",
      SCHEDULE_GROUP: "Aviso-timers",
      TIMERS_FUNCTION_ARN: "arn:aws:lambda:eu-west-1:123456789012:function:Aviso-timers",
      SCHEDULER_ROLE_ARN: "arn:aws:iam::123456789012:role/scheduler",
      LEAD_SIGN_IN_URL: "https://aviso-1234abcd-123456789012.auth.eu-west-1.amazoncognito.com",
      LEAD_CLIENT_ID: "3nkoep4151b7umeggnottc30u9",
      AVISO_CONFIG: JSON.stringify({
        supportAddress: "soporte@aviso.test",
        technicians: [{ address: "lucia@aviso.test" }],
        feedbackUrl: "https://api.aviso.test/feedback",
      }),
    }))
      vi.stubEnv(name, value);
  });
  afterEach(() => vi.unstubAllEnvs());

  it("gives the admin routes the quarantine, the throttle and the raw mail, so none answers 501", async () => {
    const { awsApiDeps } = await import("../../functions/handlers/aws/deps");
    const handler = makeTicketEventsHandler(awsApiDeps);
    for (const [method, path] of [
      ["GET", "/quarantine"],
      ["GET", "/flags"],
      ["GET", "/lead/quarantine"],
    ] as const) {
      const reply = (await handler(
        at(path.startsWith("/lead") ? "jwt" : "iam", method, path) as never,
      )) as Reply;
      expect(reply.statusCode, `${method} ${path}: ${reply.body}`).toBe(200);
    }
    const deps = await awsApiDeps();
    expect(deps.leadSignIn).toEqual({
      url: "https://aviso-1234abcd-123456789012.auth.eu-west-1.amazoncognito.com",
      clientId: "3nkoep4151b7umeggnottc30u9",
    });
    // Raw mail of its own bucket only: a reference is data from the table, not a grant.
    await expect(deps.rawMailReader?.get("s3://someone-else/inbound/x")).rejects.toThrow(
      /not a raw mail of this bucket/,
    );
  });
});
