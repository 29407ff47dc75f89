import { publishingMetrics } from "../../adapters/metrics";
import { S3RawMail, s3RawMailReader } from "../../adapters/s3";
import { sdkLogger } from "../../adapters/sdk-logger";
import { DynamoQuarantine } from "../../store/quarantine";
import { DynamoReports } from "../../store/reports";
import { DynamoTicketRepository } from "../../store/tickets";
import { type DailyDeps, makeDailyHandler } from "../daily";
import { build, keptAttachments, metrics } from "./deps";

let cached: Promise<DailyDeps> | undefined;

/**
 * The cron function: tickets (the reconciler decides overdue timers), quarantine and reports (the
 * digest, expiry), the raw mail expiry deletes, and the schedules of aviso's group, listed.
 */
function awsDailyDeps(): Promise<DailyDeps> {
  cached ??= buildDailyDeps().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function buildDailyDeps(): Promise<DailyDeps> {
  const deps = await build((table) => ({
    tickets: new DynamoTicketRepository(table),
    quarantine: new DynamoQuarantine(table),
    reports: new DynamoReports(table),
  }));
  const { region } = deps;
  const bucket = process.env.RAW_BUCKET;
  const group = process.env.SCHEDULE_GROUP;
  return {
    ...deps,
    ...keptAttachments(region),
    ...(bucket
      ? {
          rawMailReader: s3RawMailReader(
            new S3RawMail(
              async () => new (await import("@aws-sdk/client-s3")).S3Client({ region, logger: sdkLogger }),
              bucket,
            ),
            bucket,
          ),
        }
      : {}),
    scheduler: {
      set: (ticketId, name, at) => deps.scheduler.set(ticketId, name, at),
      cancel: (ticketId, name) => deps.scheduler.cancel(ticketId, name),
      ...(group ? { armed: () => schedulesOf(region, group) } : {}),
    },
  };
}

/** The names of the schedules in aviso's group (`<ticketId>-<timer>`): ListSchedules, every page. */
async function schedulesOf(region: string, group: string): Promise<Set<string>> {
  const { ListSchedulesCommand, SchedulerClient } = await import("@aws-sdk/client-scheduler");
  const client = new SchedulerClient({ region, logger: sdkLogger });
  const names = new Set<string>();
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListSchedulesCommand({ GroupName: group, NextToken }));
    for (const schedule of page.Schedules ?? []) if (schedule.Name) names.add(schedule.Name);
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

export const handler = publishingMetrics(makeDailyHandler(awsDailyDeps), metrics);
