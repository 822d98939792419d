import http from 'node:http';
import { listenOn } from './ports.js';

/** A loopback HTTP server that answers 200, or 500 to everything (its health page too) while `failing`; `/health` can be kept healthy with `healthyChecks`. */
export class App {
  failing = false;
  /** Keep answering 200 on /health while failing (errors in the traffic only, not in the active checks). */
  healthyChecks = false;
  hits = 0;
  readonly server = http.createServer((req, res) => {
    if (req.url !== '/health') this.hits++;
    const fail = this.failing && !(this.healthyChecks && req.url === '/health');
    res.writeHead(fail ? 500 : 200).end(fail ? 'broken' : 'ok');
  });
  port = 0;
  async start(): Promise<void> {
    this.port = await listenOn(this.server);
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Real requests through a frontend on loopback, one at a time, until stopped; counts the answers by status. */
export function traffic(port: number, maxRequests = 20_000): { stop: () => Promise<void>; statuses: Map<number, number> } {
  const statuses = new Map<number, number>();
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
        statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
        res.resume().on('end', () => resolve());
      });
      req.on('error', () => resolve());
      req.on('timeout', () => req.destroy());
    });
  const loop = (async () => {
    // Bounded whatever the test does: at most maxRequests (at this pace about a minute per 20,000).
    for (let i = 0; running && i < maxRequests; i++) {
      await one();
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    statuses,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
