import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deployConfig } from "../../infra/config";

/*
 * Finding 2: the README's `npx cdk deploy -c aviso='{…}'` spread JSON over several lines, and the CDK
 * CLI cuts a context value at its first newline, so the app stopped with `context "aviso" is not valid
 * JSON`. The app now also takes `-c aviso=<file>`, and the README writes the file with a heredoc.
 * The test reads the deploy block from README.md itself.
 */
const ROOT = join(import.meta.dirname, "../..");

/** The lines of the README's shell block from the heredoc that writes aviso.json to `npx cdk deploy`. */
function deployBlock(markdown: string): string {
  const block = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1] as string)
    .find((b) => b.includes("npx cdk deploy"));
  if (!block) throw new Error("no ```sh block with npx cdk deploy");
  const lines = block.split("\n");
  const first = lines.findIndex((l) => l.startsWith("cat > aviso.json"));
  const last = lines.findIndex((l) => l.startsWith("npx cdk deploy"));
  if (first < 0 || last < first) {
    throw new Error("the deploy block has no heredoc writing aviso.json before npx cdk deploy");
  }
  return lines.slice(first, last + 1).join("\n");
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe("deployment configuration from a file", () => {
  const aviso = {
    domain: "support.example.com",
    supportAddress: "help@support.example.com",
    technicians: [{ address: "tech@example.com" }],
  };

  it("reads -c aviso=<file> (relative to the working directory) as well as inline JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "aviso-deploy-"));
    scratch.push(dir);
    writeFileSync(join(dir, "aviso.json"), JSON.stringify(aviso, null, 2));
    expect(deployConfig(join(dir, "aviso.json")).technicians).toEqual(aviso.technicians);
    expect(deployConfig(JSON.stringify(aviso)).domain).toBe("support.example.com");
    expect(deployConfig(` ${JSON.stringify(aviso)}`).domain).toBe("support.example.com");
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect(deployConfig("aviso.json").domain).toBe("support.example.com");
    } finally {
      process.chdir(cwd);
    }
  });

  it("says which file it could not read or parse", () => {
    expect(() => deployConfig("no-such-aviso.json")).toThrow(
      /context "aviso": cannot read the file no-such-aviso\.json/,
    );
    const dir = mkdtempSync(join(tmpdir(), "aviso-deploy-"));
    scratch.push(dir);
    writeFileSync(join(dir, "broken.json"), '{\n  "domain": ');
    expect(() => deployConfig(join(dir, "broken.json"))).toThrow(/broken\.json is not valid JSON/);
    expect(() => deployConfig('{"domain": ')).toThrow(/context "aviso" is not valid JSON/);
  });
});

describe("the README's deploy command", () => {
  it("synthesizes as written (deploy run as synth), with a literal account and region", () => {
    const block = deployBlock(readFileSync(join(ROOT, "README.md"), "utf8"));
    expect(block).toMatch(/^cat > aviso\.json <<'EOF'\n[\s\S]*\nEOF\nnpx cdk deploy -c aviso=aviso\.json$/);
    // A checkout's root as the README's reader has it (cdk.json, the sources, node_modules), made of
    // links in a scratch folder so nothing lands in the working tree.
    const dir = mkdtempSync(join(tmpdir(), "aviso-readme-deploy-"));
    scratch.push(dir);
    copyFileSync(join(ROOT, "cdk.json"), join(dir, "cdk.json"));
    for (const entry of [
      "infra",
      "functions",
      "templates",
      "node_modules",
      "package.json",
      "package-lock.json",
      "tsconfig.json",
    ]) {
      symlinkSync(join(ROOT, entry), join(dir, entry));
    }
    const synth = block.replace(/^npx cdk deploy /m, "npx cdk synth --no-notices ");
    expect(synth).not.toContain("cdk deploy");
    const run = spawnSync("bash", ["-euo", "pipefail", "-c", synth], {
      cwd: dir,
      encoding: "utf8",
      timeout: 240_000,
      env: {
        ...process.env,
        CDK_DEFAULT_ACCOUNT: "123456789012",
        CDK_DEFAULT_REGION: "eu-west-1",
        AWS_REGION: "eu-west-1", // the CLI sets CDK_DEFAULT_REGION from AWS_REGION, else us-east-1
        CDK_DISABLE_VERSION_CHECK: "1",
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/not valid JSON|invalid deployment configuration/);
    expect(run.status, run.stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(dir, "cdk.out", "Aviso.template.json"), "utf8"));
    const text = JSON.stringify(template);
    expect(text).toContain('"EmailIdentity":"support.example.com"');
    expect(text).toContain(":ses:eu-west-1:123456789012:identity/support.example.com");
  }, 250_000);
});
