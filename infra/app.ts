import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { App, type Environment, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { deployConfig } from "./config";
import { AvisoStack } from "./stack";

/**
 * The CDK app: `npx cdk deploy -c aviso=aviso.json` (or `-c aviso='{"domain":…}'` on one line).
 * The account and region come from the CLI's CDK_DEFAULT_* unless given.
 */
export function buildApp(
  context?: Record<string, unknown>,
  env: Environment = {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION ?? "eu-west-1",
  },
) {
  const app = new App(context ? { context } : {});
  const config = deployConfig(app.node.tryGetContext("aviso"));
  const stack = new AvisoStack(app, app.node.tryGetContext("stackName") ?? "Aviso", {
    config,
    env,
    description: "aviso: keeps IT-support clients informed",
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

// Run as the CDK app (`npx tsx infra/app.ts`), also through a symlinked checkout.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  buildApp().app.synth();
}
