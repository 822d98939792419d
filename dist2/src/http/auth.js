import { timingSafeEqual } from 'node:crypto';
/** Checks `Authorization: Bearer <token>` in constant time. Undefined token: write endpoints are off. */
export function checkBearer(header, token) {
    if (!token)
        return { ok: false, status: 403, error: 'write endpoints are disabled: set global.apiToken (or apiTokenFile)' };
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m)
        return { ok: false, status: 401, error: 'missing bearer token' };
    const given = Buffer.from(m[1]);
    const want = Buffer.from(token);
    if (given.length !== want.length || !timingSafeEqual(given, want))
        return { ok: false, status: 401, error: 'bad token' };
    return { ok: true };
}
//# sourceMappingURL=auth.js.map