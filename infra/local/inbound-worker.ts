/** An inbound worker thread of the local runtime (see inbox.ts): the SES event handler, as on AWS. */
import "../../functions/core/holidays";
import { workerData } from "node:worker_threads";
import { makeInboundEmailHandler } from "../../functions/handlers/inbound-email";
import { clockOf } from "./clock";
import { localParts } from "./deps";
import type { InboundTask, InboundWorkerData } from "./inbox";
import { sesEvent } from "./ses-event";
import { serveTasks } from "./worker-pool";

const data = (workerData as { data: InboundWorkerData }).data;
const { stores, rawMail, rawSource, attachments } = localParts({
  dynamodb: data.dynamodb,
  ses: data.ses,
  mailDir: data.mailDir,
});

serveTasks<InboundTask, unknown>(async (task, log) => {
  const inbound = makeInboundEmailHandler(async () => ({
    ...stores,
    rawMail,
    rawSource,
    attachments,
    config: data.config,
    clock: clockOf(task.clock),
    log,
  }));
  const { results } = await inbound(sesEvent(task.messageId, task.envelope.from, task.envelope.to));
  return results[0];
});
