/**
 * Loaded into rsguard's process by the core bench (`--alloc-prof DIR`, through
 * node's --import): V8's sampling heap profiler, keeping the samples of
 * objects the collector has freed, so it counts what each line allocates,
 * not what is still alive (a heap snapshot's view). The first SIGUSR2 starts
 * it (after the warm-up), the second writes DIR/alloc-PID.json; summarise it
 * with bench/alloc-summary.ts.
 */
import inspector from 'node:inspector';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.RSGUARD_ALLOC_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  let sampling = false;
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      // One sample per 4 KiB allocated on average: fine enough for per-check objects of a few hundred bytes.
      session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      return;
    }
    session.post('HeapProfiler.stopSampling', (err, res) => {
      if (err) return void process.stderr.write(`alloc-sampler: ${err.message}\n`);
      writeFileSync(path.join(dir, `alloc-${process.pid}.json`), JSON.stringify(res.profile));
    });
  });
}
