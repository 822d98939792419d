// A demo real server for docker-compose: answers every path with its name and
// /health with 200 "ok", or, with --flap-every N, 200 for N seconds and then
// 503 for N seconds, over and over (so the demo shows a server going down,
// flapping, and the sorry server coming in).
//   node compose-backend.mjs --port 80 --name web1 [--flap-every 40] [--host 0.0.0.0]
import http from 'node:http';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const port = Number(arg('port', '80'));
const name = arg('name', `backend ${port}`);
const flapEvery = Number(arg('flap-every', '0'));
const started = Date.now();

export const healthy = (now = Date.now()) => !flapEvery || Math.floor((now - started) / (flapEvery * 1000)) % 2 === 0;

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    const ok = healthy();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'maintenance\n');
  } else {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`${name}\n`);
  }
});
server.listen(port, arg('host', '0.0.0.0'), () => process.stdout.write(`${name} listening on ${port}${flapEvery ? `, flapping every ${flapEvery}s` : ''}\n`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
