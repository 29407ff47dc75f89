import { App, type Environment, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { deployConfig } from "./config";
import { AvisoStack } from "./stack";

/**
 * The CDK app: `npx cdk deploy -c aviso='{"domain":…,"supportAddress":…,"technicians":[…]}'`.
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

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
