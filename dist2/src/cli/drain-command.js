async function call(url, init) {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = (await res.json().catch(() => ({})));
    if (!res.ok)
        throw new Error(`${res.status}: ${String(body.error ?? res.statusText)}`);
    return body;
}
export async function drainCommand(drained, vs, rs, o, print) {
    const token = o.token ?? process.env.RSGUARD_TOKEN;
    if (!token)
        throw new Error('a token is needed: --token or RSGUARD_TOKEN');
    await call(new URL(drained ? '/api/drain' : '/api/undrain', o.url).href, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ vs, rs }),
    });
    print(`${rs} in ${vs}: ${drained ? 'drained (weight 0, kept in the table)' : 'back in service'}`);
    if (!drained || o.wait === undefined)
        return;
    const until = Date.now() + o.wait * 1000;
    const q = new URL('/api/connections', o.url);
    q.searchParams.set('vs', vs);
    q.searchParams.set('rs', rs);
    for (;;) {
        const n = Number((await call(q.href, {})).activeConnections);
        if (n === 0)
            return print(`${rs}: no active connections`);
        if (Date.now() >= until)
            throw new Error(`${rs} still has ${n} active connections after ${o.wait} s`);
        await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(50, until - Date.now()))));
    }
}
//# sourceMappingURL=drain-command.js.map