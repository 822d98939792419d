/** The HAProxy backend a virtual service drives (`haproxy: { backend }`). */
export function haproxyBackendOf(vs) {
    return vs.balancerOptions?.haproxy?.backend;
}
/** A server's name in its backend (`haproxyServer`); without it the server is found by address. */
export function haproxyServerOf(s) {
    return s.balancerOptions?.haproxyServer;
}
//# sourceMappingURL=options.js.map