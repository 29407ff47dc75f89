/**
 * The in-memory world with a similar-incidents index (issue 17): the same deps as memoryWorld plus an
 * IncidentIndexStore, and a drain that performs the outbox with them.
 */

import { performOutboxItem } from "../../functions/app/outbox";
import type { IncidentIndexStore } from "../../functions/app/ports";
import type { AvisoConfig } from "../../functions/config";
import { memoryIncidentIndexStore } from "../../functions/store/incident-index-file";
import { memoryWorld } from "./memory-world";

export function similarWorld(
  options: { start?: string; config?: Partial<AvisoConfig>; incidentIndex?: IncidentIndexStore } = {},
) {
  const world = memoryWorld(options);
  const incidentIndex = options.incidentIndex ?? memoryIncidentIndexStore();
  const deps = { ...world.deps, incidentIndex };
  return {
    ...world,
    deps,
    incidentIndex,
    drain: async () => {
      for (const item of await deps.outbox.pending()) await performOutboxItem(deps, item);
    },
  };
}
