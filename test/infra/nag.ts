import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "aws-cdk-lib";

export interface NagFinding {
  rule: string;
  severity: string;
  path: string;
}

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

/**
 * Synthesizes the app: whether the validation failed the synth, and every cdk-nag AwsSolutions finding
 * nobody acknowledged, errors and warnings alike, each with its exact rule id
 * (`AwsSolutions-IAM5[Resource::…]`) and construct path, as the synth's own validation report has them.
 * A synth that fails for any other reason is rethrown.
 */
export function synthWithNag(app: App): { failed: boolean; findings: NagFinding[] } {
  let failed = false;
  try {
    app.synth();
  } catch (error) {
    if ((error as Error).name !== "ValidationFailed") throw error;
    failed = true;
  }
  const report = JSON.parse(
    readFileSync(join(app.outdir, "validation-report.json"), "utf8"),
  ) as ValidationReport;
  const findings = report.pluginReports
    .filter((plugin) => plugin.pluginName === "AwsSolutions")
    .flatMap((plugin) => plugin.violations)
    .flatMap((violation) =>
      violation.violatingConstructs.map((construct) => ({
        rule: violation.ruleName,
        severity: violation.severity,
        path: construct.constructPath,
      })),
    );
  return { failed, findings };
}
