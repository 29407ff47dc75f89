/**
 * The e2e tests' local runtime: started on free ports in a fresh data folder before the file's tests,
 * stopped and removed after them; and Python's smtplib as a mail client that is not aviso's code.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "../../infra/local/ports";
import { type Runtime, startRuntime } from "../../infra/local/runtime";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** Starts the runtime at `startAt` (its clock frozen there with `freeze`); returns a getter for it. */
export function useLocalRuntime(options: { name: string; startAt: string; freeze?: boolean }): () => Runtime {
  let runtime: Runtime | undefined;
  beforeAll(async () => {
    runtime = await startRuntime({
      smtpPort: await freePort(),
      sesPort: await freePort(),
      apiPort: await freePort(),
      dynamodbPort: await freePort(),
      dataDir: await mkdtemp(join(tmpdir(), `aviso-${options.name}-`)),
      startAt: options.startAt,
      log: quiet,
    });
    if (options.freeze) runtime.clock.freeze();
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
    await rm(runtime?.options.dataDir ?? "/nonexistent", { recursive: true, force: true });
  });
  return () => {
    if (!runtime) throw new Error("the local runtime has not started");
    return runtime;
  };
}

const SMTPLIB = `
import json, smtplib, sys
from email.message import EmailMessage
port, headers, body = json.loads(sys.stdin.read())
message = EmailMessage()
for name, value in headers.items():
    message[name] = value
message.set_content(body)
with smtplib.SMTP("127.0.0.1", port) as smtp:
    smtp.send_message(message)
`;

/**
 * One mail through Python's smtplib, in a child process run asynchronously: the SMTP listener runs in
 * the test's own process, so a synchronous child would wait on it for ever.
 */
export function smtplib(port: number, headers: Record<string, string>, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile("python3", ["-c", SMTPLIB], { timeout: 20_000 }, (error) =>
      error ? reject(error) : resolve(),
    );
    child.stdin?.end(JSON.stringify([port, headers, body]));
  });
}

/** The bare, lower-cased address of `Name <address>`. */
export const bare = (value: string) => (/<([^>]+)>/.exec(value)?.[1] ?? value).toLowerCase();
