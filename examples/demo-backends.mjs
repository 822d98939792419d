// Demo real servers for the quick start: 18081 and 18082 answer /health with
// "ok"; 18083 answers 503 so one real server is seen going down; 18089 is the
// sorry server (rsguard checks it with a connect before it would stand in).
import http from 'node:http';

export function startDemoBackends() {
  const servers = [18081, 18082, 18083, 18089].map((port) =>
    http
      .createServer((req, res) => {
        const healthy = port !== 18083;
        res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' });
        if (port === 18089) return void res.end('sorry, back soon\n');
        res.end(req.url === '/health' ? (healthy ? 'ok\n' : 'maintenance\n') : `backend ${port}\n`);
      })
      .listen(port, '127.0.0.1'),
  );
  return () => Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
}
