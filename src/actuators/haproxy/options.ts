import type { RealServerDef, SorryServerDef, VirtualServiceDef } from '../../model/model.js';

/** The HAProxy backend a virtual service drives (`haproxy: { backend }`). */
export function haproxyBackendOf(vs: Pick<VirtualServiceDef, 'balancerOptions'>): string | undefined {
  return (vs.balancerOptions?.haproxy as { backend?: string } | undefined)?.backend;
}

/** A server's name in its backend (`haproxyServer`); without it the server is found by address. */
export function haproxyServerOf(s: Pick<RealServerDef | SorryServerDef, 'balancerOptions'>): string | undefined {
  return s.balancerOptions?.haproxyServer as string | undefined;
}
