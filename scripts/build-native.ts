import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds native/check-socket.c into dist/native/check-socket.node (`npm run
 * build`): the check sockets with quick ACK off (src/lib/check-socket-native.ts).
 * Node-API only, so one build serves every Node >= 18 on the machine's libc.
 * Optional: without a C compiler or Node's headers it says so and rsguard
 * uses libuv's own sockets. RSGUARD_BUILD_NATIVE=0 skips it.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const source = path.join(root, 'native/check-socket.c');
const out = path.join(root, 'dist/native/check-socket.node');

function skip(why: string): never {
  process.stderr.write(`build-native: ${why}; check sockets keep the kernel's quick ACK (src/lib/check-socket-native.ts)\n`);
  process.exit(0);
}

if (process.env.RSGUARD_BUILD_NATIVE === '0') skip('RSGUARD_BUILD_NATIVE=0');
if (process.platform !== 'linux') skip(`not built on ${process.platform}`);
// Node's own tarballs ship include/node beside bin/; distributions put it under /usr(/local)/include/node.
const includes = [path.resolve(path.dirname(process.execPath), '../include/node'), '/usr/include/node', '/usr/local/include/node'];
const include = includes.find((dir) => existsSync(path.join(dir, 'node_api.h')));
if (!include) skip(`no node_api.h in ${includes.join(', ')}`);
const cc = [process.env.CC, 'cc', 'gcc', 'clang'].find((c) => c && spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
if (!cc) skip('no C compiler (cc, gcc, clang; or CC)');
mkdirSync(path.dirname(out), { recursive: true });
const built = spawnSync(cc, ['-O2', '-shared', '-fPIC', '-Wall', '-Wextra', '-Werror', `-I${include}`, '-o', out, source], { stdio: 'inherit' });
if (built.status !== 0) skip(`${cc} failed (exit ${built.status})`);
