import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What /healthz and /readyz report. */
export interface Health {
  /** The process works; false after a fatal consumer crash, so an orchestrator restarts it. */
  live(): boolean;
  /** Connected and assigned partitions, so load balancers and rollouts wait for it. */
  ready(): boolean;
}

/** Serves /metrics, /healthz and /readyz on 127.0.0.1, or on `host` when given (0.0.0.0 in containers). */
export async function startOpsServer(port: number, registry: Registry, health: Health, host = '127.0.0.1'): Promise<{ port: number; server: Server }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => response.writeHead(500).end(error.message),
      );
    } else if (path === '/healthz') {
      const live = health.live();
      response.writeHead(live ? 200 : 503, { 'content-type': 'text/plain' }).end(live ? 'ok\n' : 'failed\n');
    } else if (path === '/readyz') {
      const ready = health.ready();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { port: (server.address() as AddressInfo).port, server };
}
