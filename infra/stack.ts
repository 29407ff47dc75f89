import { Stack, type StackProps } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { BusinessCalendar, type CalendarSpec, policySettings } from "../functions/core";
import { expandHolidays } from "../functions/core/holidays";
import type { DeployConfig } from "./config";
import { Api } from "./stack/api";
import { Data } from "./stack/data";
import { checkEnvironmentSize } from "./stack/environment";
import { Incidents } from "./stack/incidents";
import { MailIn, RAW_PREFIX } from "./stack/mail-in";
import { Observability } from "./stack/observability";
import { Outbox } from "./stack/outbox";
import { Timers } from "./stack/timers";

export interface AvisoStackProps extends StackProps {
  config: DeployConfig;
}

/**
 * Everything of DESIGN §2 on AWS, in parts that each hold their own resources, grants and cdk-nag
 * acknowledgements: the table and secret (Data), per-ticket timers, the outbox, mail in, the API, the
 * similar-incidents index, and alarms with a dashboard. The stack wires them and gives every function the same environment.
 */
export class AvisoStack extends Stack {
  readonly table: dynamodb.Table;
  readonly functions: Record<
    "inboundEmail" | "outbox" | "timers" | "ticketEvents" | "sesEvents" | "crons",
    nodejs.NodejsFunction
  >;

  constructor(scope: Construct, id: string, props: AvisoStackProps) {
    super(scope, id, props);
    const config = props.config;

    // The configuration ships with the code (aviso-config.json in every bundle): with the holidays
    // written out and the technicians it grows past what Lambda's 4 KB environment holds.
    const calendar = defaultCalendar(config);
    const shippedConfig = JSON.stringify({
      supportAddress: config.supportAddress,
      supportName: config.supportName,
      technicians: config.technicians,
      ...(config.accountManager ? { accountManager: config.accountManager } : {}),
      ...(config.supportLead ? { supportLead: config.supportLead } : {}),
      technicianTimeZone: config.technicianTimeZone,
      defaultLocale: config.defaultLocale,
      defaultCalendar: calendar,
      policy: config.policy,
    });
    const data = new Data(this, "Data", { shippedConfig });
    this.table = data.table;
    const timers = new Timers(this, "Timers", { data });
    const outbox = new Outbox(this, "Outbox", { data, timers, domain: config.domain });
    const mailIn = new MailIn(this, "MailIn", { data, config, configurationSet: outbox.configurationSet });
    const api = new Api(this, "Api", { data, rawMail: mailIn.rawMail, supportLead: config.supportLead });
    if (config.supportLead) {
      timers.addWeeklyReport(api.ticketEvents, config.technicianTimeZone);
      outbox.grantSend(api.ticketEvents);
    }
    const crons = timers.addCrons(data, config.technicianTimeZone);
    outbox.grantSend(crons);
    mailIn.grantDeleteRawMail(crons);
    // Kept attachments (issue 16): the inbound function keeps them (MailIn); the outbox reads a
    // technician's to send them; the API keeps (release), redirects the technicians' signed links to a
    // presigned GET and removes (forgetting); retention (the crons) removes.
    mailIn.grantAttachments(outbox.function, ["read"]);
    mailIn.grantAttachments(api.ticketEvents, ["keep", "read", "remove"]);
    mailIn.grantAttachments(crons, ["remove"]);
    // The outbox reads the index for new tickets' notices and adds resolutions; forgetting a client
    // (the API) and retention (the crons) take erased tickets out of it.
    const incidents = new Incidents(this, "Incidents", { accessLogs: mailIn.accessLogs });
    for (const f of [outbox.function, api.ticketEvents, crons]) incidents.grantIndex(f);
    this.functions = {
      inboundEmail: mailIn.function,
      outbox: outbox.function,
      timers: timers.function,
      ticketEvents: api.ticketEvents,
      sesEvents: outbox.sesEvents,
      crons,
    };

    // Only what a deploy resolves stays in the environment (checked against Lambda's 4 KB at synth).
    const environment: Record<string, string> = {
      AVISO_FEEDBACK_URL: api.feedbackUrl,
      TABLE_NAME: data.table.tableName,
      RAW_BUCKET: mailIn.rawMail.bucketName,
      RAW_PREFIX,
      TOKEN_SECRET_ARN: data.tokenSecret.secretArn,
      CONFIGURATION_SET: outbox.configurationSet.configurationSetName,
      TIMERS_FUNCTION_ARN: timers.functionArn,
      POWERTOOLS_SERVICE_NAME: "aviso",
    };
    // Scheduler's, for the functions that create and delete schedules (those granted to manage them).
    const scheduling: Record<string, string> = {
      SCHEDULE_GROUP: timers.groupName,
      SCHEDULER_ROLE_ARN: timers.role.roleArn,
      TIMERS_DLQ_ARN: timers.deadLetters.queueArn,
    };
    const schedulers = new Set<nodejs.NodejsFunction>([outbox.function, crons]);
    for (const f of Object.values(this.functions)) {
      const variables = schedulers.has(f) ? { ...environment, ...scheduling } : environment;
      for (const [name, value] of Object.entries(variables)) f.addEnvironment(name, value);
      checkEnvironmentSize(f);
    }

    new Observability(this, "Observability", {
      functions: this.functions,
      deadLetters: failedWorkQueues(this),
      outbox: outbox.function,
      businessDayHours: new BusinessCalendar(calendar).hoursPerDay,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    });
  }
}

/**
 * Every queue of the stack, by its construct path (`Timers/Failures` → `TimersFailures`): each holds
 * failed work (a dead-letter queue or an on-failure destination), so each gets an alarm; found, not
 * listed, so that no queue added later goes unwatched.
 */
function failedWorkQueues(stack: Stack): Record<string, sqs.Queue> {
  const queues: Record<string, sqs.Queue> = {};
  for (const c of stack.node.findAll()) {
    if (c instanceof sqs.Queue) queues[c.node.path.split("/").slice(1).join("")] = c;
  }
  return queues;
}

/**
 * The calendar of clients who have none of their own, as the functions get it: the configured one, else
 * the policy's, with its country's public holidays written out as dates for the configured years (the
 * functions never load holiday data).
 */
function defaultCalendar(config: DeployConfig): CalendarSpec {
  const spec = config.defaultCalendar ?? policySettings(config.policy).defaultCalendar;
  return expandHolidays(spec, config.holidayYears.first, config.holidayYears.last);
}
