import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../../functions/config";
import { SHIPPED_CONFIG_FILE, shippedConfig } from "../../functions/handlers/aws/config-file";
import { buildApp } from "../../infra/app";
import { environmentBytes, LAMBDA_ENVIRONMENT_LIMIT } from "../../infra/stack/environment";
import { ACCOUNT, bigAviso, noBundling, REGION, synthAws } from "./aws-synth";

/*
 * Finding 4: AVISO_CONFIG carried twelve years of holidays and the technicians in every function's
 * environment; with 25 technicians and Madrid's holidays it passed Lambda's 4 KB, and AWS refuses to
 * create such a function. The configuration ships in the bundle (aviso-config.json) instead, and the
 * synth checks every environment's size.
 */
let synth: Awaited<ReturnType<typeof synthAws>>;
beforeAll(async () => {
  synth = await synthAws();
}, 180_000);

describe("function environments", () => {
  it("stay under Lambda's 4 KB with 25 technicians and Madrid's holidays", () => {
    const sizes = synth.functions().map(([id, f]) => ({
      id,
      bytes: environmentBytes((f.Properties.Environment as { Variables: Record<string, unknown> }).Variables),
    }));
    expect(sizes).toHaveLength(6);
    expect(sizes.filter((s) => s.bytes >= LAMBDA_ENVIRONMENT_LIMIT)).toEqual([]);
    // Room to spare, even counting every reference as 256 bytes: nothing there grows with the configuration.
    expect(Math.max(...sizes.map((s) => s.bytes))).toBeLessThan(3072);
  });

  it("carry no configuration that grows with technicians or holidays", () => {
    for (const [, f] of synth.functions()) {
      const variables = (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.AVISO_CONFIG).toBeUndefined();
      expect(JSON.stringify(variables)).not.toContain("technician.number");
    }
  });

  it("fail the synth with a clear message when one would reach 4 KB", () => {
    const { app, stack } = buildApp(
      { aviso: bigAviso, stackName: "AvisoBigEnv", ...noBundling },
      { account: ACCOUNT, region: REGION },
    );
    stack.functions.timers.addEnvironment("PADDING", "x".repeat(4000));
    expect(() => app.synth()).toThrow(
      /environment of AvisoBigEnv\/Timers\/Function is \d+ bytes .*Lambda refuses 4096 \(4 KB\) or more/,
    );
  }, 180_000);

  it("counts key and value bytes, a reference as 256", () => {
    expect(environmentBytes({ A: "é" })).toBe(3);
    expect(environmentBytes({ TABLE: { Ref: "Table" } })).toBe(5 + 256);
    expect(environmentBytes({ URL: { "Fn::Join": ["", ["https://", { Ref: "Api" }, "/feedback"]] } })).toBe(
      3 + 8 + 256 + 9,
    );
  });
});

describe("the shipped configuration (functions/handlers/aws/config-file.ts)", () => {
  const dir = mkdtempSync(join(tmpdir(), "aviso-config-"));
  const file = { supportAddress: "help@support.example.com", technicians: [{ address: "t@example.com" }] };
  writeFileSync(join(dir, SHIPPED_CONFIG_FILE), JSON.stringify(file));

  it("is read from beside the bundle, with the feedback URL the stack resolves at deploy", () => {
    const text = shippedConfig({ AVISO_FEEDBACK_URL: "https://api.example.com/feedback" }, dir);
    const config = configFromEnv({ AVISO_CONFIG: text }, { tokenSecret: "x".repeat(32) });
    expect(config.technicians).toEqual([{ address: "t@example.com" }]);
    expect(config.feedbackUrl).toBe("https://api.example.com/feedback");
  });

  it("gives way to AVISO_CONFIG where one is set (the local runtime, tests)", () => {
    expect(shippedConfig({ AVISO_CONFIG: '{"a":1}' }, dir)).toBe('{"a":1}');
  });

  it("names the file when it is missing or broken", () => {
    expect(() => shippedConfig({}, join(dir, "nowhere"))).toThrow(/aviso-config\.json/);
    const broken = mkdtempSync(join(tmpdir(), "aviso-config-"));
    writeFileSync(join(broken, SHIPPED_CONFIG_FILE), "{");
    expect(() => shippedConfig({}, broken)).toThrow(/aviso-config\.json.*not valid JSON/);
  });
});
