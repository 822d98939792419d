import { ConfigError, formatIssue } from './config/errors.js';
import type { ConfigFormat, LoadOptions } from './config/load.js';
import { loadConfigOffThread } from './config/load-off-thread.js';
import { askNamesAgain, logNameChanges, movedServers, type ResolveAgain } from './engine/resolve-again.js';
import type { Logger } from './log.js';
import type { Model } from './model/model.js';
import { runReload, type ReloadHandler } from './reload-runner.js';

export interface ReloadSource {
  configFile: string;
  format?: ConfigFormat;
  loadOptions?: LoadOptions;
}

export interface Reloads {
  /** Loads the file and applies it; false when it was refused or a step failed (each logged). */
  reload(): Promise<boolean>;
  /** ResolveAgain's run: the names asked again, a changed answer applied like a reload of the text the model came from. */
  askNamesAgain(): Promise<void>;
}

const errorsOf = (err: unknown) => (err instanceof ConfigError ? err.issues.map(formatIssue) : [(err as Error).message]);

/**
 * Part of the composition root: when a model goes in. One apply at a time,
 * in order; of two loads that overlap (a second SIGHUP while the first still
 * resolves names) the newest wins, an older one that finishes later is
 * dropped. What an apply does is the handler list (reload-steps.ts).
 */
export function wireReloads(src: ReloadSource, log: Logger, initial: Model, handlers: readonly ReloadHandler[], resolveAgain: ResolveAgain): Reloads {
  let current = initial;
  logNameChanges(log, undefined, initial);
  const onThread = (why: string) => log.warn({ why }, 'config loaded on the daemon thread: the loader thread failed, checks wait while it loads');
  const onError = (step: string, err: Error) => log.error({ step, err: err.message, stack: err.stack }, 'reload step failed: a fault of rsguard, the other steps ran');

  const applySteps = (next: Model): Promise<string[]> => {
    const previous = current;
    // Set before the monitor takes it (the prepare stage takes loop turns): a names-again run starting meanwhile
    // builds on the model going in, and its apply waits for this one.
    current = next;
    return runReload(handlers, next, previous, onError);
  };
  let applying: Promise<unknown> = Promise.resolve();
  /** `valid`: asked when its turn comes, after the applies queued before it (a model built from what was running then). */
  const apply = (next: Model, valid: () => boolean = () => true): Promise<string[] | undefined> => {
    const run = applying.then(() => (valid() ? applySteps(next) : undefined));
    applying = run.catch(() => undefined);
    return run;
  };

  let generation = 0;
  const reload = async (): Promise<boolean> => {
    const mine = ++generation;
    try {
      const next = await loadConfigOffThread(src.configFile, src.format, src.loadOptions, onThread);
      if (mine !== generation) {
        log.info({ file: src.configFile }, 'config reload superseded by a newer one');
        return true;
      }
      const failed = (await apply(next)) ?? [];
      const summary = { file: current.source, virtualServices: current.virtualServices.length, checks: current.checks.size };
      if (failed.length) log.error({ ...summary, failed }, 'config reloaded, but steps failed (each logged above)');
      else log.info(summary, 'config reloaded');
      return failed.length === 0;
    } catch (err) {
      log.error({ file: src.configFile, errors: errorsOf(err) }, 'config reload rejected, keeping the running config');
      return false;
    }
  };

  // HAProxy `resolvers` (every `hold valid`) and names that did not resolve: only the names are asked again; an answer
  // that changed is built into the text the running model came from, so an edit of the file still waits for a reload.
  const namesAgain = async (): Promise<void> => {
    try {
      const mine = generation;
      const base = current;
      const names = base.hostNames;
      const fresh = names && (await askNamesAgain(names));
      log.debug({ names: names?.queries?.size ?? 0, changed: fresh !== undefined }, 'host names asked again');
      // Void once another model went in or a reload (which asks every name) began: this one is built from what ran before.
      // Asked again all the same (a reload that is refused would otherwise leave the names unasked).
      const stale = () => current !== base || mine !== generation;
      if (!names || !fresh || stale()) return resolveAgain.schedule(current);
      const next = await loadConfigOffThread(src.configFile, src.format, { ...src.loadOptions, hostNames: { ...names, answers: fresh }, namesAnswered: true, ...(names.text !== undefined ? { text: names.text } : {}) }, onThread);
      // Applied even when no server moved (a name's spare addresses): the new answers are the ones compared next time.
      let applied = false;
      await apply(next, () => {
        if (stale()) return false;
        for (const m of movedServers(current, next)) {
          if (m.from === undefined) log.info(m, 'server added: its name resolves now');
          else log.warn(m, 'server address changed: its name resolves elsewhere now');
        }
        return (applied = true);
      });
      if (!applied) resolveAgain.schedule(current);
    } catch (err) {
      log.error({ file: src.configFile, errors: errorsOf(err) }, 'names not resolved again, keeping the running addresses');
      resolveAgain.schedule(current);
    }
  };

  return { reload, askNamesAgain: namesAgain };
}
