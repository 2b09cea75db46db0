/**
 * Structured JSON logs and CloudWatch metrics (EMF) for every handler, through Powertools.
 * What is logged is sizes, counts, timings and error codes: never image bytes, base64 or embeddings.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

const SERVICE = 'faceverify';

export const logger = new Logger({ serviceName: SERVICE });

export { MetricUnit };

let coldStart = true;

/**
 * A metrics buffer for one invocation, published by the caller once it ends. One per invocation rather
 * than a shared one, so that concurrent requests in the local server cannot mix their dimensions.
 */
export function invocationMetrics(dimensions: Record<string, string>): Metrics {
  const metrics = new Metrics({ namespace: SERVICE, serviceName: SERVICE, defaultDimensions: dimensions });
  if (coldStart) metrics.addMetric('ColdStart', MetricUnit.Count, 1);
  coldStart = false;
  return metrics;
}
