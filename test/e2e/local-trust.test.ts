import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../infra/local/ports";
import { type Runtime, startRuntime } from "../../infra/local/runtime";
import { storedMail } from "../../infra/local/ses-local";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** One HTTP request with exactly these headers (fetch would not let a test choose Host). */
function send(
  port: number,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method: options.method, path: options.path, headers: options.headers ?? {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Addresses listening on a TCP port, from /proc/net/tcp and tcp6 (hex, as the kernel writes them). */
async function listeningAddresses(port: number): Promise<string[]> {
  const found: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(file)) continue;
    for (const line of (await readFile(file, "utf8")).split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, hexPort] = (local ?? "").split(":");
      if (state === "0A" && Number.parseInt(hexPort ?? "", 16) === port) found.push(address ?? "");
    }
  }
  return found;
}
const LOOPBACK = new Set([
  "0100007F", // 127.0.0.1
  "00000000000000000000000001000000", // ::1
  "0000000000000000FFFF00000100007F", // ::ffff:127.0.0.1
]);

describe("the local runtime reaches no further than this machine", () => {
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await startRuntime({
      smtpPort: await freePort(),
      sesPort: await freePort(),
      apiPort: await freePort(),
      dynamodbPort: await freePort(),
      dataDir: await mkdtemp(join(tmpdir(), "aviso-trust-")),
      startAt: "2026-11-23T08:15:00Z",
      log: quiet,
    });
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
    await rm(runtime?.options.dataDir ?? "/nonexistent", { recursive: true, force: true });
  });

  it.skipIf(!existsSync("/proc/net/tcp"))(
    "binds every listener to 127.0.0.1, DynamoDB Local included",
    async () => {
      const { smtpPort, sesPort, apiPort, dynamodbPort } = runtime.options;
      for (const [what, port] of Object.entries({ smtpPort, sesPort, apiPort, dynamodbPort })) {
        const addresses = await listeningAddresses(port);
        expect(addresses.length, what).toBeGreaterThan(0);
        for (const address of addresses) expect(LOOPBACK.has(address), `${what} on ${address}`).toBe(true);
      }
    },
  );

  it("DynamoDB Local answers no other host name and no browser of another site", async () => {
    const port = runtime.options.dynamodbPort;
    const listTables = {
      method: "POST",
      path: "/",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.ListTables",
        authorization:
          "AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
      },
      body: "{}",
    };
    expect(
      (await send(port, { ...listTables, headers: { ...listTables.headers, host: `127.0.0.1:${port}` } }))
        .status,
    ).toBe(200);
    // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1.
    const rebound = await send(port, {
      ...listTables,
      headers: { ...listTables.headers, host: `evil.example:${port}` },
    });
    expect([403, 421]).toContain(rebound.status);
    const preflight = await send(port, {
      method: "OPTIONS",
      path: "/",
      headers: {
        host: `127.0.0.1:${port}`,
        origin: "http://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-amz-target,authorization",
      },
    });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("the API refuses foreign host names, cross-site posts and non-JSON posts; the signed forms stay open", async () => {
    const port = runtime.options.apiPort;
    const event = JSON.stringify({ type: "note", actor: "tech@aviso.localhost", text: "x" });
    const host = `127.0.0.1:${port}`;
    expect((await send(port, { method: "GET", path: "/tickets", headers: { host } })).status).toBe(200);
    expect(
      (await send(port, { method: "GET", path: "/tickets", headers: { host: `localhost:${port}` } })).status,
    ).toBe(200);
    expect(
      (await send(port, { method: "GET", path: "/tickets", headers: { host: `evil.example:${port}` } }))
        .status,
    ).toBe(421);
    // text/plain is what a cross-site page can post without asking (no CORS preflight).
    const plain = await send(port, {
      method: "POST",
      path: "/tickets/T-1001/events",
      headers: { host, "content-type": "text/plain;charset=UTF-8" },
      body: event,
    });
    expect(plain.status).toBe(415);
    const advance = await send(port, {
      method: "POST",
      path: "/_clock/advance",
      headers: { host },
      body: '{"hours": 1}',
    });
    expect(advance.status).toBe(415);
    const crossSite = await send(port, {
      method: "POST",
      path: "/_clock/advance",
      headers: { host, "content-type": "application/json", origin: "http://evil.example" },
      body: '{"hours": 1}',
    });
    expect(crossSite.status).toBe(403);
    const sameSite = await send(port, {
      method: "POST",
      path: "/_clock/advance",
      headers: { host, "content-type": "application/json", origin: `http://${host}` },
      body: '{"hours": 0}',
    });
    expect(sameSite.status).toBe(200);
    // The public feedback form posts a urlencoded form to its own route: the guard leaves it alone.
    const form = await send(port, {
      method: "POST",
      path: "/feedback/T-1001?sig=not-a-signature",
      headers: { host, "content-type": "application/x-www-form-urlencoded" },
      body: "rating=5",
    });
    expect(form.status).not.toBe(415);
    expect(form.body).not.toMatch(/refused by the local API/);
  });

  it("answers 250 once a mail is kept: a mail that is slow to read delays no other sender", async () => {
    const transport = () =>
      nodemailer.createTransport({
        host: "127.0.0.1",
        port: runtime.options.smtpPort,
        secure: false,
        ignoreTLS: true,
      });
    // Seconds of quote stripping before the bounded inspection (issue 14, finding 3).
    const slowStarted = performance.now();
    const slow = transport()
      .sendMail({
        from: "slow@cliente.example",
        to: runtime.config.supportAddress,
        subject: "Adjunto el registro",
        text: `1234${"from <".repeat(1600)}`,
      })
      .then(() => performance.now() - slowStarted);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fastStarted = performance.now();
    await transport().sendMail({
      from: "rapida@cliente.example",
      to: runtime.config.supportAddress,
      subject: "No arranca el portátil",
      text: "Buenos días, el portátil no arranca desde esta mañana.",
    });
    expect(performance.now() - fastStarted).toBeLessThan(2000);
    expect(await slow).toBeLessThan(2000);
    // And it is processed: its acknowledgement goes out without waiting for the slow one.
    let acknowledged = false;
    for (const deadline = Date.now() + 20_000; !acknowledged && Date.now() < deadline; ) {
      acknowledged = (await storedMail(runtime.urls.ses)).some((m) =>
        m.destination.to.some((to) => to.includes("rapida@cliente.example")),
      );
      if (!acknowledged) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(acknowledged).toBe(true);
  }, 60_000);
});
