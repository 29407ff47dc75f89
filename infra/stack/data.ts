import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as secrets from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { TTL_ATTRIBUTE, tableDefinition } from "../../functions/store/table";
import { acknowledge, wildcardResource } from "./nag";

/** What every function shares: the one table of DESIGN §2 (with its outbox stream) and the token-signing secret. */
export class Data extends Construct {
  readonly table: dynamodb.Table;
  readonly tokenSecret: secrets.Secret;
  /** The configuration every function's bundle carries as aviso-config.json. */
  readonly shippedConfig: string;

  constructor(scope: Construct, id: string, props: { shippedConfig: string }) {
    super(scope, id);
    this.shippedConfig = props.shippedConfig;
    // The same key schema the local runtime creates its table from.
    const definition = tableDefinition("aviso");
    const keyName = (type: "HASH" | "RANGE") =>
      definition.KeySchema?.find((k) => k.KeyType === type)?.AttributeName as string;
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: keyName("HASH"), type: dynamodb.AttributeType.STRING },
      sortKey: { name: keyName("RANGE"), type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    // The same indexes (keys, shards' key attribute, projection) the local runtime's table has.
    for (const index of definition.GlobalSecondaryIndexes ?? []) {
      const keyOf = (type: "HASH" | "RANGE") => {
        const name = index.KeySchema?.find((k) => k.KeyType === type)?.AttributeName as string;
        return { name, type: dynamodb.AttributeType.STRING };
      };
      const include = index.Projection?.NonKeyAttributes ?? [];
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName as string,
        partitionKey: keyOf("HASH"),
        sortKey: keyOf("RANGE"),
        ...(index.Projection?.ProjectionType === "KEYS_ONLY"
          ? { projectionType: dynamodb.ProjectionType.KEYS_ONLY }
          : index.Projection?.ProjectionType === "INCLUDE"
            ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: include }
            : { projectionType: dynamodb.ProjectionType.ALL }),
      });
    }

    this.tokenSecret = new secrets.Secret(this, "TokenSecret", {
      description: "aviso: signs the ticket tokens in reply addresses and feedback links",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      // Kept when the stack goes: every reply address and feedback link already sent is signed with it,
      // and a stack deployed again under the same name can be pointed back at it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.tokenSecret,
      "AwsSolutions-SMG4",
      "Rotating the signing key would invalidate every reply address and feedback link already in clients' mailboxes.",
    );
  }

  /** Every function reads and writes the table and reads the signing secret. */
  grantHandler(f: lambda.Function): void {
    this.table.grantReadWriteData(f);
    this.tokenSecret.grantRead(f);
    acknowledge(
      f,
      wildcardResource(f, `${this.table.tableArn}/index/*`),
      "CDK's table grant covers the table's indexes (Pending, the outbox sweep's; Active, the lead's list and the weekly report's).",
    );
  }
}
