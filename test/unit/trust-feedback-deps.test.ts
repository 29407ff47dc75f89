/**
 * Issue 14, finding 8: the AWS functions fail closed. A token secret without SecretString stops the
 * function with an error that names the secret; nothing falls back to a development value.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const secretsMock = mockClient(SecretsManagerClient);
const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:aviso-token-AbCdEf";

const env = {
  AWS_REGION: "eu-west-1",
  TOKEN_SECRET_ARN: ARN,
  TABLE_NAME: "Aviso",
  SCHEDULE_GROUP: "Aviso-timers",
  TIMERS_FUNCTION_ARN: "arn:aws:lambda:eu-west-1:123456789012:function:Aviso-timers",
  SCHEDULER_ROLE_ARN: "arn:aws:iam::123456789012:role/scheduler",
  AVISO_CONFIG: JSON.stringify({
    supportAddress: "soporte@aviso.test",
    technicians: [{ address: "lucia@aviso.test" }],
    feedbackUrl: "https://api.aviso.test/feedback",
    // Even a secret in the configuration does not stand in for the missing one.
    tokenSecret: "development-secret-0123456789",
  }),
  AVISO_TOKEN_SECRET: "development-secret-0123456789",
};

beforeEach(() => {
  secretsMock.reset();
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
});
afterEach(() => vi.unstubAllEnvs());

const load = () => import("../../functions/handlers/aws/deps");

describe("the AWS functions' secret (issue 14, finding 8)", () => {
  it.each([
    ["no SecretString (a binary secret)", { SecretBinary: new Uint8Array([1, 2, 3]) }],
    ["an empty SecretString", { SecretString: "" }],
    ["nothing at all", {}],
  ])("refuse to build with %s, naming the secret", async (_what, answer) => {
    secretsMock.on(GetSecretValueCommand).resolves(answer);
    const deps = await load();
    const builds: [string, () => Promise<unknown>][] = [
      ["api", deps.awsApiDeps],
      ["outbox", deps.awsOutboxDeps],
      ["ticket", deps.awsTicketDeps],
      ["inbound", deps.awsInboundDeps],
      ["timer", deps.awsTimerDeps],
    ];
    for (const [name, build] of builds) {
      const error = await build().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error, name).toBeInstanceOf(Error);
      expect(error?.message).toContain(ARN);
      expect(error?.message).toMatch(/SecretString/);
    }
  });

  it("a failed start is not cached: once the secret is right, the next invocation builds", async () => {
    secretsMock
      .on(GetSecretValueCommand)
      .resolvesOnce({})
      .resolves({ SecretString: "production-secret-0123456789" });
    const deps = await load();
    await expect(deps.awsApiDeps()).rejects.toThrow(ARN);
    const built = await deps.awsApiDeps();
    expect(built.config.tokenSecret).toBe("production-secret-0123456789");
  });

  it("a secret too short to sign with is refused with the config's own error", async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: "short" });
    const deps = await load();
    await expect(deps.awsApiDeps()).rejects.toThrow(/tokenSecret: must be at least 16 characters/);
  });
});
