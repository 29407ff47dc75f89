import { type AttributeValue, DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from "@aws-sdk/client-dynamodb-streams";
import { sdkLogger } from "../../functions/adapters/sdk-logger";
import type { Logger } from "../../functions/app/apply";
import type { StreamRecord } from "../../functions/handlers/outbox";
import * as keys from "../../functions/store/keys";
import { LOCAL_CREDENTIALS } from "./deps";

/** The Lambda stream trigger's stand-in: outbox inserts read from DynamoDB Local's stream. */
export function startStreamPoller(options: {
  client: DynamoDBClient;
  endpoint: string;
  table: string;
  outbox: (event: { Records: StreamRecord[] }) => Promise<unknown>;
  log: Logger;
}) {
  const { client, endpoint, table, outbox, log } = options;
  const streams = new DynamoDBStreamsClient({
    endpoint,
    region: "local",
    credentials: LOCAL_CREDENTIALS,
    logger: sdkLogger,
  });
  let stopped = false;
  const iterators = new Map<string, string | undefined>();
  const loop = async () => {
    const described = await client.send(new DescribeTableCommand({ TableName: table }));
    const arn = described.Table?.LatestStreamArn;
    if (!arn) return;
    let busy = false;
    let started = false;
    let shards: Shard[] = [];
    let describedAt = 0;
    while (!stopped) {
      try {
        // Shards change rarely (DynamoDB Local rolls them over now and then): listed once a second.
        if (Date.now() - describedAt >= 1000) {
          const description = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
          shards = description.StreamDescription?.Shards ?? [];
          describedAt = Date.now();
        }
        for (const shard of shards) {
          if (!shard.ShardId || (iterators.get(shard.ShardId) === undefined && iterators.has(shard.ShardId)))
            continue;
          let iterator = iterators.get(shard.ShardId);
          if (!iterator) {
            const got = await streams.send(
              new GetShardIteratorCommand({
                StreamArn: arn,
                ShardId: shard.ShardId,
                // Shards there at start: from now on. A shard that opens later (DynamoDB Local rolls
                // them over) is read from its start, or the records written before we saw it are missed.
                ShardIteratorType: started ? "TRIM_HORIZON" : "LATEST",
              }),
            );
            iterator = got.ShardIterator;
          }
          if (!iterator) continue;
          const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
          iterators.set(shard.ShardId, page.NextShardIterator);
          const records = (page.Records ?? []).filter(isOutboxInsert).map(toStreamRecord);
          if (records.length > 0) await outbox({ Records: records });
          busy ||= (page.Records ?? []).length > 0;
        }
      } catch (error) {
        if (!stopped) log.warn("stream poll failed; retrying", { error: String(error) });
      }
      started = true;
      // Straight on while records keep coming; a short pause when the stream is quiet.
      if (!busy) await new Promise((resolve) => setTimeout(resolve, 100));
      busy = false;
    }
  };
  const running = loop();
  return {
    stop: async () => {
      stopped = true;
      await running.catch(() => {});
    },
  };
}

function isOutboxInsert(record: _Record) {
  return record.eventName === "INSERT" && keys.isOutbox({ SK: record.dynamodb?.Keys?.SK?.S });
}

function toStreamRecord(record: _Record): StreamRecord {
  return {
    eventName: record.eventName ?? "INSERT",
    dynamodb: {
      NewImage: record.dynamodb?.NewImage as Record<string, AttributeValue>,
      ...(record.dynamodb?.SequenceNumber ? { SequenceNumber: record.dynamodb.SequenceNumber } : {}),
    },
  };
}
