import { Stack } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";

/** Lambda refuses a function whose environment variables, keys and values together, pass 4 KB. */
export const LAMBDA_ENVIRONMENT_LIMIT = 4096;
/** What a reference or attribute counts for: this stack's names, ARNs and URLs are all shorter. */
const REFERENCE_BYTES = 256;

/**
 * The bytes an environment takes, key plus value, as CloudFormation will resolve it: literals exactly
 * (UTF-8), each `Ref` or `Fn::GetAtt` as 256 bytes, `Fn::Join` as its parts.
 */
export function environmentBytes(variables: Record<string, unknown>): number {
  const size = (value: unknown): number => {
    if (typeof value === "string") return Buffer.byteLength(value);
    const join = (value as Record<string, unknown> | null)?.["Fn::Join"];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.reduce<number>((sum, part) => sum + size(part), 0) + separator.length * (parts.length - 1);
    }
    return REFERENCE_BYTES;
  };
  return Object.entries(variables).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + size(value),
    0,
  );
}

/**
 * Fails the synth, naming the function, when its environment would reach Lambda's limit (checked once
 * every part has added its variables).
 */
export function checkEnvironmentSize(f: lambda.Function): void {
  f.node.addValidation({
    validate: () => {
      const cfn = f.node.defaultChild as lambda.CfnFunction;
      const resolved = Stack.of(f).resolve(cfn.environment) as
        | { variables?: Record<string, unknown>; Variables?: Record<string, unknown> }
        | undefined;
      const bytes = environmentBytes(resolved?.variables ?? resolved?.Variables ?? {});
      return bytes < LAMBDA_ENVIRONMENT_LIMIT
        ? []
        : [
            `the environment of ${f.node.path} is ${bytes} bytes (keys and values, a reference counted as 256), and Lambda refuses ${LAMBDA_ENVIRONMENT_LIMIT} (4 KB) or more: configuration belongs in the bundle's aviso-config.json, not in variables`,
          ];
    },
  });
}
