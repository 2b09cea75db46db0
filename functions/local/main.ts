/**
 * `npm start`: the API, the web page and the local S3 endpoint in one process.
 * PORT (default 3000) and S3_PORT (default 4569) choose the ports; Ctrl-C stops it and deletes the
 * local S3 data.
 */
import { LOCAL_BUCKETS } from './s3.ts';
import { startServer } from './server.ts';

function port(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) {
    throw new Error(`${name} must be a port number (0 to 65535), not ${JSON.stringify(value)}`);
  }
  return number;
}

// CloudWatch reads metrics from Lambda's log stream; here they would only clutter the terminal.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const ports = { port: port('PORT', 3000), s3Port: port('S3_PORT', 4569) };
const server = await startServer(ports).catch((error: NodeJS.ErrnoException & { port?: number }) => {
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(
    `Port ${error.port} is in use: choose others with PORT=… (now ${ports.port}) and S3_PORT=… (now ${ports.s3Port}).`,
  );
  process.exit(1);
});
const buckets = Object.values(LOCAL_BUCKETS).join(', ');
console.log(
  `faceverify API and web page: ${server.url} · local S3: ${server.s3.endpoint} (buckets ${buckets})`,
);
console.log(`web page files: ${server.webRoot} · API description: ${server.url}openapi.json · Ctrl-C stops`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130); // a second Ctrl-C does not wait
    stopping = true;
    console.log('\nstopping…');
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
