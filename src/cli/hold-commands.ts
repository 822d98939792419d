import type { Command } from 'commander';
import { drainCommand, maintCommand, type DrainOptions } from './drain-command.js';

type Run = (on: boolean, vs: string, rs: string, o: DrainOptions, print: (line: string) => void) => Promise<void>;

const HOLDS: Array<{ name: string; undo: string; run: Run; on: string; off: string }> = [
  { name: 'maint', undo: 'unmaint', run: maintCommand, on: 'put a real server in maintenance: out of the pool as a down server, no DOWN/UP mail, kept across restarts', off: 'end a maintenance' },
  { name: 'drain', undo: 'undrain', run: drainCommand, on: 'take a real server out of new traffic (weight 0, kept in the table, kept across restarts)', off: 'put a drained real server back in service' },
];

/** `rsguard maint|unmaint|drain|undrain VS RS`: an operator's holds on a real server, through the running daemon's API. */
export function registerHoldCommands(program: Command, seconds: (value: string) => number): void {
  for (const hold of HOLDS) {
    for (const on of [true, false]) {
      const name = on ? hold.name : hold.undo;
      const cmd = program
        .command(name)
        .description(on ? hold.on : hold.off)
        .argument('<vs>', 'virtual service name (or key like tcp:10.0.0.1:80)')
        .argument('<rs>', 'real server IP:PORT')
        .option('--url <url>', 'rsguard HTTP API', 'http://127.0.0.1:9901')
        .option('--token <token>', 'API token (default: RSGUARD_TOKEN)')
        .option('--reason <text>', 'why, kept with it and shown in status');
      if (on && hold.name === 'drain') cmd.option('--wait <seconds>', 'wait until its active connections reach 0; fail after this long', seconds);
      cmd.action(async (vs: string, rs: string, o: DrainOptions) => {
        try {
          await hold.run(on, vs, rs, o, (line) => process.stdout.write(`${line}\n`));
        } catch (err) {
          process.stderr.write(`rsguard ${name}: ${(err as Error).message}\n`);
          process.exit(1);
        }
      });
    }
  }
}
