/**
 * Structured JSON logs and CloudWatch metrics (EMF) for every handler, through Powertools; the fields
 * and metrics are listed in docs/observability.md. What is logged is sizes, counts, timings and error
 * codes: never image bytes, base64 or embeddings.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { powertoolsEnvironment } from './contract.ts';

// Service name and namespace come from the environment, as the CDK sets them on each function; a
// process without them (npm start, the tests, the scripts) gets the defaults of the same contract.
for (const [name, value] of Object.entries(powertoolsEnvironment())) process.env[name] ??= value;

export const logger = new Logger();

export { MetricUnit };

let coldStart = true;

/**
 * A metrics buffer for one invocation, published by the caller once it ends. One per invocation rather
 * than a shared one, so that concurrent requests in the local server cannot mix their dimensions.
 */
export function invocationMetrics(dimensions: Record<string, string>): Metrics {
  const metrics = new Metrics({ defaultDimensions: dimensions });
  if (coldStart) metrics.addMetric('ColdStart', MetricUnit.Count, 1);
  coldStart = false;
  return metrics;
}
