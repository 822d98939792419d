import type { Command } from 'commander';
import { drainCommand, maintCommand, type DrainOptions } from './drain-command.js';

/** `rsguard maint|unmaint|drain|undrain VS RS`: an operator's holds on a real server, through the running daemon's API. */
export function registerHoldCommands(program: Command, seconds: (value: string) => number): void {
  for (const on of [true, false]) {
    program
      .command(on ? 'maint' : 'unmaint')
      .description(on ? 'put a real server in maintenance: out of the pool as a down server, no DOWN/UP mail, kept across restarts' : 'end a maintenance')
      .argument('<vs>', 'virtual service name (or key like tcp:10.0.0.1:80)')
      .argument('<rs>', 'real server IP:PORT')
      .option('--url <url>', 'rsguard HTTP API', 'http://127.0.0.1:9901')
      .option('--token <token>', 'API token (default: RSGUARD_TOKEN)')
      .option('--reason <text>', 'why, kept with it and shown in status')
      .action(async (vs: string, rs: string, o: DrainOptions) => {
        try {
          await maintCommand(on, vs, rs, o, (line) => process.stdout.write(`${line}\n`));
        } catch (err) {
          process.stderr.write(`rsguard ${on ? 'maint' : 'unmaint'}: ${(err as Error).message}\n`);
          process.exit(1);
        }
      });
  }

  for (const drained of [true, false]) {
    const cmd = program
      .command(drained ? 'drain' : 'undrain')
      .description(drained ? 'take a real server out of new traffic (weight 0, kept in the table)' : 'put a drained real server back in service')
      .argument('<vs>', 'virtual service name (or key like tcp:10.0.0.1:80)')
      .argument('<rs>', 'real server IP:PORT')
      .option('--url <url>', 'rsguard HTTP API', 'http://127.0.0.1:9901')
      .option('--token <token>', 'API token (default: RSGUARD_TOKEN)')
      .option('--reason <text>', 'why, kept with it and shown in status');
    if (drained) cmd.option('--wait <seconds>', 'wait until its active connections reach 0; fail after this long', seconds);
    cmd.action(async (vs: string, rs: string, o: DrainOptions) => {
      try {
        await drainCommand(drained, vs, rs, o, (line) => process.stdout.write(`${line}\n`));
      } catch (err) {
        process.stderr.write(`rsguard ${drained ? 'drain' : 'undrain'}: ${(err as Error).message}\n`);
        process.exit(1);
      }
    });
  }
}
