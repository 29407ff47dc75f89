import { Stack, Validations } from "aws-cdk-lib";
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference";
import type { IConstruct } from "constructs";

/**
 * The one way aviso acknowledges a cdk-nag AwsSolutions finding: on the construct that owns the
 * resource (or the grantee whose policy holds the permission), right where the resource or grant is
 * made, with the finding's exact id. Acknowledged findings stay in the synth's validation report
 * (cdk.out/validation-report.json) with their reasons.
 *
 * @param finding a rule id (`AwsSolutions-S1`) or a rule id with its finding
 *   (`AwsSolutions-IAM5[Action::s3:GetObject*]`, or one built with {@link wildcardResource}).
 */
export function acknowledge(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${finding}`, reason });
}

/**
 * The IAM5 finding id of a wildcard resource, built from the very value given to the policy: resolved
 * as the template will hold it and flattened the way cdk-nag flattens it. The id then matches whether
 * the account and region are literals (`123456789012`) or still pseudo parameters (`<AWS::AccountId>`),
 * and whatever logical id a referenced resource gets.
 */
export function wildcardResource(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
}
