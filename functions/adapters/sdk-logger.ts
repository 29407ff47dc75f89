import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";

type Logger = NonNullable<DynamoDBClientConfig["logger"]>;

/**
 * The logger given to every AWS SDK client: warnings only. With a logger that has `info` and `error`
 * (the SDK's default no-op logger has both), the SDK builds a redacted copy of each request and
 * response, field by field, for every call, only to drop it: a fifth of the local runtime's SDK
 * time under load. Without them it skips that work; its warnings still reach the console.
 */
export const sdkLogger = {
  debug: () => {},
  trace: () => {},
  warn: (...content: unknown[]) => console.warn(...content),
} as unknown as Logger;
