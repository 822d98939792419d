import http from 'node:http';
/** A loopback HTTP real server that can be killed and brought back on the same port. */
export class Backend {
    port;
    body;
    server;
    constructor(port, body = 'ok') {
        this.port = port;
        this.body = body;
    }
    async start() {
        const server = http.createServer((req, res) => {
            // /slow holds the connection open for a while: an active connection for drain tests.
            if (req.url?.startsWith('/slow'))
                return void setTimeout(() => res.writeHead(200).end(this.body), 2500);
            res.writeHead(req.url === '/health' || req.url === '/' ? 200 : 404).end(this.body);
        });
        await new Promise((resolve, reject) => {
            server.once('error', reject);
            server.listen(this.port, '127.0.0.1', () => resolve());
        });
        this.server = server;
    }
    async kill() {
        const s = this.server;
        this.server = undefined;
        if (!s)
            return;
        s.closeAllConnections();
        await new Promise((r) => s.close(() => r()));
    }
    get address() {
        const a = this.server?.address();
        return `127.0.0.1:${a?.port ?? this.port}`;
    }
}
//# sourceMappingURL=backend.js.map