// Run by probe-icmp.test as an unprivileged user: prints the icmp probe's result as JSON.
import { createPinger } from '../../src/probes/icmp-pinger.js';
import { probe } from './probe.js';
const pinger = createPinger();
const result = await probe('icmp', { host: '127.0.0.1', port: 0 }, {}, 500, pinger);
pinger.close();
process.stdout.write(JSON.stringify(result));
//# sourceMappingURL=unprivileged-ping.js.map