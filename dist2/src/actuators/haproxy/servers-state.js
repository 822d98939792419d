export const ADMIN_FMAINT = 0x01;
export const ADMIN_FDRAIN = 0x08;
export class ServersStateError extends Error {
    name = 'ServersStateError';
}
export function parseServersState(text) {
    const lines = text.split('\n').map((l) => l.trimEnd());
    if (lines[0]?.trim() !== '1') {
        const first = (lines[0] ?? '').trim();
        throw new ServersStateError(first ? `HAProxy said: ${first}` : 'empty reply to show servers state');
    }
    const headerLine = lines[1];
    if (!headerLine?.startsWith('#'))
        throw new ServersStateError('no header line in show servers state');
    const fields = headerLine.slice(1).trim().split(/\s+/);
    const idx = (name) => {
        const i = fields.indexOf(name);
        if (i < 0)
            throw new ServersStateError(`show servers state lacks field ${name}`);
        return i;
    };
    const at = {
        backend: idx('be_name'),
        name: idx('srv_name'),
        address: idx('srv_addr'),
        opState: idx('srv_op_state'),
        adminState: idx('srv_admin_state'),
        weight: idx('srv_uweight'),
        initialWeight: idx('srv_iweight'),
        port: idx('srv_port'),
    };
    const out = [];
    for (const line of lines.slice(2)) {
        if (!line.trim() || line.startsWith('#'))
            continue;
        const v = line.trim().split(/\s+/);
        const num = (i) => {
            const n = Number(v[i]);
            if (!Number.isFinite(n))
                throw new ServersStateError(`bad number in show servers state: ${JSON.stringify(line.slice(0, 80))}`);
            return n;
        };
        out.push({ backend: v[at.backend], name: v[at.name], address: v[at.address], port: num(at.port), opState: num(at.opState), adminState: num(at.adminState), weight: num(at.weight), initialWeight: num(at.initialWeight) });
    }
    return out;
}
/** `show stat` CSV: current sessions (scur) of one server, by the `# pxname,svname,...` header. */
export function currentSessions(csv, backend, server) {
    const lines = csv.split('\n');
    const header = lines[0]?.replace(/^#\s*/, '').split(',') ?? [];
    const px = header.indexOf('pxname');
    const sv = header.indexOf('svname');
    const scur = header.indexOf('scur');
    if (px < 0 || sv < 0 || scur < 0)
        return undefined;
    for (const line of lines.slice(1)) {
        const v = line.split(',');
        if (v[px] === backend && v[sv] === server)
            return Number(v[scur]);
    }
    return undefined;
}
//# sourceMappingURL=servers-state.js.map