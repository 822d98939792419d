import net from 'node:net';
/** A port the kernel says is free right now on 127.0.0.1. */
export async function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}
export async function waitFor(what, fn, timeoutMs = 10_000, stepMs = 50) {
    const until = Date.now() + timeoutMs;
    for (;;) {
        const v = await fn();
        if (v !== undefined && v !== false)
            return v;
        if (Date.now() > until)
            throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, stepMs));
    }
}
//# sourceMappingURL=ports.js.map