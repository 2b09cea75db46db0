/** Powertools' service name and namespace: the deployment's, never overridden in code. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { powertoolsEnvironment } from '../../functions/shared/contract.ts';

async function emf(): Promise<{ service?: string; _aws: { CloudWatchMetrics: { Namespace: string }[] } }> {
  const { invocationMetrics, MetricUnit } = await import('../../functions/shared/observability.ts');
  const metrics = invocationMetrics({ route: 'GET /health' });
  metrics.addMetric('Latency', MetricUnit.Milliseconds, 1);
  return metrics.serializeMetrics() as never;
}

describe('observability', () => {
  beforeEach(() => {
    vi.resetModules();
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('keeps the service name and namespace the CDK sets on a function', async () => {
    for (const [name, value] of Object.entries(powertoolsEnvironment('detect'))) vi.stubEnv(name, value);
    const metrics = await emf();
    expect(metrics.service).toBe('faceverify-detect');
    expect(metrics._aws.CloudWatchMetrics[0]?.Namespace).toBe('FaceVerify');
  });

  it('gives a process without them the same contract: service faceverify, namespace FaceVerify', async () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', undefined);
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', undefined);
    const metrics = await emf();
    expect(metrics.service).toBe('faceverify');
    expect(metrics._aws.CloudWatchMetrics[0]?.Namespace).toBe('FaceVerify');
  });
});
