/**
 * Refreshes the CloudFormation registry schemas the template test validates against, one file per
 * resource type the stack uses (`AWS::SES::EmailIdentity` → generated/AWS_SES_EmailIdentity.json, kept
 * as cfn-lint ships it, so outside biome's formatting). The source is
 * cfn-lint's copy of the registry (`pip install cfn-lint`; its schemas are the registry's, with
 * cfn-lint's corrections), for eu-west-1:
 *
 *   npx tsx test/infra/registry-schemas/update.ts [<cfnlint>/data/schemas] AWS::SNS::Topic …
 *
 * Without types, it refreshes the files already here.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const here = join(import.meta.dirname, "generated");
const args = process.argv.slice(2);
const source =
  args[0] && !args[0].includes("::")
    ? (args.shift() as string)
    : join(
        execFileSync("python3", ["-c", "import cfnlint, os; print(os.path.dirname(cfnlint.__file__))"], {
          encoding: "utf8",
        }).trim(),
        "data/schemas",
      );
const index = Object.fromEntries(
  [...readFileSync(join(source, "providers/eu_west_1.py"), "utf8").matchAll(/"([^"]+)": "([0-9a-f]+)"/g)].map(
    (m) => [m[1], m[2]],
  ),
);
const types = args.length
  ? args
  : readdirSync(here)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.replace(/\.json$/, "").replaceAll("_", "::"));
for (const type of types) {
  const hash = index[type];
  if (!hash) throw new Error(`${type}: not in cfn-lint's eu-west-1 registry`);
  copyFileSync(join(source, "resources", `${hash}.json`), join(here, `${type.replaceAll("::", "_")}.json`));
  console.log(`${type} ← ${hash}.json`);
}
