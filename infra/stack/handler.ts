import { join } from "node:path";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as destinations from "aws-cdk-lib/aws-lambda-destinations";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { SHIPPED_CONFIG_FILE } from "../../functions/handlers/aws/config-file";
import type { Data } from "./data";
import { acknowledge } from "./nag";

const ROOT = join(import.meta.dirname, "../..");

/**
 * One aviso Lambda function: a handler of functions/handlers/aws, bundled to ESM with the SDK left out,
 * arm64, nodejs22.x, traced, with its own log group, reading and writing the table and reading the
 * signing secret. The stack adds the environment all functions share once every part exists.
 */
export function handlerFunction(
  scope: Construct,
  id: string,
  data: Data,
  entry: string,
  extra: Partial<nodejs.NodejsFunctionProps> = {},
): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const f = new nodejs.NodejsFunction(scope, id, {
    entry: join(ROOT, "functions/handlers/aws", entry),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 512,
    timeout: Duration.seconds(30),
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    // The bundle carries its source map; Node maps stack traces with it only when told to.
    environment: { NODE_OPTIONS: "--enable-source-maps" },
    projectRoot: ROOT,
    depsLockFilePath: join(ROOT, "package-lock.json"),
    bundling: {
      format: nodejs.OutputFormat.ESM,
      minify: true,
      sourceMap: true,
      target: "node22",
      mainFields: ["module", "main"],
      externalModules: ["@aws-sdk/*"],
      // CommonJS packages bundled into ESM still call require() for Node built-ins.
      banner:
        "import { createRequire as __avisoRequire } from 'node:module'; const require = __avisoRequire(import.meta.url);",
      forceDockerBundling: false,
      // The configuration, beside index.mjs (functions/handlers/aws/config-file.ts reads it). Base64
      // on the command line: nothing in it can break the shell. The asset's hash is of the output, so
      // a changed configuration is a changed asset.
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir: string, outputDir: string) => [
          `node -e "require('node:fs').writeFileSync(process.argv[1], Buffer.from(process.argv[2], 'base64'))" "${join(outputDir, SHIPPED_CONFIG_FILE)}" ${Buffer.from(data.shippedConfig).toString("base64")}`,
        ],
      },
    },
    ...extra,
  });
  data.grantHandler(f);
  acknowledge(
    f,
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    "The narrow managed policy that lets the function write its own logs.",
  );
  acknowledge(
    f,
    "AwsSolutions-IAM5[Resource::*]",
    "X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords) has no resource-level permissions; nor has dynamodb:ListStreams, which the outbox's stream trigger needs.",
  );
  acknowledge(
    f,
    "AwsSolutions-L1",
    "aviso targets nodejs22.x, the runtime it is built and tested for; moving to a newer runtime is a tested upgrade, not a default.",
  );
  return f;
}

const PURPOSES = new WeakMap<sqs.IQueue, string>();

/**
 * A queue of failed work (a dead-letter queue or an on-failure destination): encrypted, SSL-only, kept
 * two weeks. `purpose` says what lands in it; its alarm carries it.
 */
export function deadLetterQueue(scope: Construct, id: string, purpose: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(queue, "AwsSolutions-SQS3", "This queue is itself a dead-letter queue.");
  PURPOSES.set(queue, purpose);
  return queue;
}

/** What lands in a queue made by {@link deadLetterQueue}. */
export function queuePurpose(queue: sqs.IQueue): string | undefined {
  return PURPOSES.get(queue);
}

/**
 * Keeps `f`'s failed asynchronous invocations (EventBridge, Scheduler): after Lambda's two retries the
 * invocation record (request and error) goes to an on-failure queue of its own, to be redriven after a fix.
 */
export function keepFailedInvocations(
  scope: Construct,
  id: string,
  f: lambda.Function,
  what: string,
): sqs.Queue {
  const queue = deadLetterQueue(scope, id, `${what}: invocations that failed after Lambda's retries`);
  f.configureAsyncInvoke({
    onFailure: new destinations.SqsDestination(queue),
    retryAttempts: 2,
    maxEventAge: Duration.hours(6),
  });
  return queue;
}
