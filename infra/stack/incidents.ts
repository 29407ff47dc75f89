import { RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { INCIDENT_INDEX_KEY } from "../../functions/adapters/incident-index-s3";

/** The environment variable that names the index's bucket to a function. */
export const INCIDENT_INDEX_BUCKET = "INCIDENT_INDEX_BUCKET";

/**
 * The similar-incidents index (issue 17): one JSON object in a bucket of its own, replaced with
 * conditional writes when a ticket is resolved, read (conditionally, at most once a minute per warm
 * function) for each new ticket's notice, so no new ticket scans the table. No versions and no
 * expiry: the object is rewritten whole, and an erased ticket must leave no older copy behind.
 */
export class Incidents extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: { accessLogs: s3.IBucket }) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, "Index", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: "similar-incidents/",
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets `grantee` read and replace the index object, and names the bucket in its environment.
   * ListBucket makes S3 answer a missing index with 404 (none yet: the first write creates it) rather
   * than 403. It has no s3:prefix condition: S3 decides 404 or 403 on ListBucket for the bucket, with
   * no prefix in the request to match, so a conditioned grant would still answer 403. The bucket holds
   * the index alone, so listing it shows nothing else.
   */
  grantIndex(grantee: lambda.Function): void {
    grantee.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject", "s3:PutObject"],
        resources: [this.bucket.arnForObjects(INCIDENT_INDEX_KEY)],
      }),
    );
    grantee.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [this.bucket.bucketArn],
      }),
    );
    grantee.addEnvironment(INCIDENT_INDEX_BUCKET, this.bucket.bucketName);
  }
}
