import { runCommand } from '../../process/run-command.js';
export class CommandUnavailable extends Error {
    name = 'CommandUnavailable';
}
export function execRunner(bin, timeoutMs) {
    return {
        bin,
        async run(args, stdin) {
            // stdin is always a pipe for ipvsadm (-R reads it); '' closes it at once for the other commands.
            const r = await runCommand([bin, ...args], { timeoutMs, stdin: stdin ?? '', maxOutput: 64 * 1024 * 1024 });
            switch (r.kind) {
                case 'exited':
                    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
                case 'spawn-error':
                    throw new CommandUnavailable(`cannot run ${bin}: ${r.code || r.message}`);
                case 'timeout':
                    throw new CommandUnavailable(`${bin} ${args.join(' ')} killed after its timeout of ${timeoutMs} ms`);
                case 'signalled':
                    throw new CommandUnavailable(`${bin} ${args.join(' ')} killed by ${r.signal}`);
                case 'aborted':
                    throw new CommandUnavailable(`${bin} ${args.join(' ')} aborted`);
            }
        },
    };
}
//# sourceMappingURL=command-runner.js.map