import { MetricUnit, type Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import type { Metrics } from "../app/clock";

const UNITS = { Count: MetricUnit.Count, Seconds: MetricUnit.Seconds, None: MetricUnit.NoUnit } as const;

/**
 * aviso's figures as CloudWatch EMF through Powertools. A figure with dimensions (the message kind)
 * is written at once as its own EMF record; the others are stored and written by `flush`, which
 * every Lambda entry calls when its invocation ends.
 */
export function powertoolsMetrics(metrics: PowertoolsMetrics): Metrics & { flush(): void } {
  return {
    record(points) {
      for (const point of points) {
        if (point.dimensions) {
          const single = metrics.singleMetric();
          for (const [name, value] of Object.entries(point.dimensions)) single.addDimension(name, value);
          single.addMetric(point.name, UNITS[point.unit], point.value);
        } else {
          metrics.addMetric(point.name, UNITS[point.unit], point.value);
        }
      }
    },
    flush() {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}

/** Wraps a handler so the figures of each invocation are written when it ends, failed or not. */
export function publishingMetrics<E, R>(
  handler: (event: E) => Promise<R>,
  sink: { flush(): void },
): (event: E) => Promise<R> {
  return async (event) => {
    try {
      return await handler(event);
    } finally {
      sink.flush();
    }
  };
}
