import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/atomic-write.js';
import path from 'node:path';
import { vrrpTransition, type VrrpTransition } from '../model/vrrp-event.js';

/**
 * Where `rsguard notify` leaves a transition when the daemon does not answer,
 * so none is lost; the daemon takes them in, oldest first, when it runs.
 */
export async function spoolTransition(dir: string, t: VrrpTransition): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `vrrp-${String(t.at).padStart(15, '0')}-${randomBytes(4).toString('hex')}.json`);
  await writeFileAtomic(file, JSON.stringify(t), 0o600);
  return file;
}

/** Reads and removes spooled transitions; unreadable files are reported, not fatal. */
export async function drainSpool(dir: string): Promise<{ transitions: VrrpTransition[]; bad: string[] }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.startsWith('vrrp-') && n.endsWith('.json')).sort();
  } catch {
    return { transitions: [], bad: [] };
  }
  const transitions: VrrpTransition[] = [];
  const bad: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      const t = vrrpTransition(String(raw.kind), String(raw.name), String(raw.state), raw.priority as number, Number(raw.at));
      if (typeof t === 'string') bad.push(`${name}: ${t}`);
      else transitions.push(t);
    } catch (err) {
      bad.push(`${name}: ${(err as Error).message}`);
    }
    await rm(file, { force: true });
  }
  return { transitions, bad };
}
