// Run by the local-faults test under `prlimit --nofile=128`: uses up every
// descriptor, then runs tcp, http and exec probes against a server that is
// up, and prints their results as JSON. Real EMFILE, from this process's limit.
import { openSync } from 'node:fs';
import net from 'node:net';
import { probe } from './probe.js';
const server = net.createServer((s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
await new Promise((r) => server.listen(0, '127.0.0.1', () => r()));
const port = server.address().port;
const before = await probe('tcp', { host: '127.0.0.1', port }, {}, 1000);
let held = 0;
try {
    for (;;) {
        openSync('/dev/null', 'r');
        held++;
    }
}
catch (err) {
    if (err.code !== 'EMFILE')
        throw err;
}
const results = {
    held,
    before,
    tcp: await probe('tcp', { host: '127.0.0.1', port }, {}, 1000),
    http: await probe('http', { host: '127.0.0.1', port }, { path: '/' }, 1000),
    exec: await probe('exec', { host: '127.0.0.1', port }, { command: ['/bin/true'] }, 1000),
};
process.stdout.write(JSON.stringify(results));
process.exit(0);
//# sourceMappingURL=emfile-probe.js.map