import { z } from 'zod';
import { defineBalancer } from '../balancer-kind.js';
/** Observe only: no balancer is driven. */
export const noActuator = {
    kind: 'none',
    plan: async () => ({ commands: [], problems: [] }),
    apply: async () => ({ changes: [], problems: [] }),
    planStop: async () => [],
    activeConnections: async () => 0,
};
export const noneBalancer = defineBalancer({
    kind: 'none',
    schema: z.object({}),
    build: () => ({ kind: 'none', reconcileIntervalMs: 0 }),
    create: () => noActuator,
});
//# sourceMappingURL=index.js.map