/**
 * Runs scripts/bench-http.ts (the local server under 1, 4 and 16 clients) in its own process, so the
 * server's second engine stays out of the bench's memory and its request logs out of the bench's
 * stdout; only the `@bench` result line is read.
 *
 * Usage: node --import tsx scripts/bench/http-child.ts [--requests N]
 */
import { parseArgs } from 'node:util';
import { cpuMs, maxRssMb, report } from './child.ts';

// Read when the server's logger is created, i.e. on import: set before importing it.
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const { values } = parseArgs({ options: { requests: { type: 'string' }, clients: { type: 'string' } } });
const { benchHttp } = await import('../bench-http.ts');
const result = await benchHttp({
  ...(values.requests ? { requests: Number(values.requests) } : {}),
  ...(values.clients ? { clients: values.clients.split(',').map(Number) } : {}),
});
report('done', { rows: result.rows, maxRssMb: maxRssMb(), cpuMs: cpuMs() });
