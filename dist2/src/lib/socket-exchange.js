/**
 * One request and one response on a connection the caller opened, bound to
 * the probe's deadline: settles once, always destroys the socket, never
 * leaves a listener on the signal.
 */
export function socketExchange(socket, connectEvent, signal, h) {
    return new Promise((resolve, reject) => {
        let settled = false;
        const settle = (err, value) => {
            if (settled)
                return;
            settled = true;
            signal.removeEventListener('abort', onAbort);
            socket.destroy();
            if (err)
                reject(err);
            else
                resolve(value);
        };
        const onAbort = () => settle(signal.reason ?? new Error('aborted'));
        if (signal.aborted)
            return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once(connectEvent, () => socket.write(h.request()));
        socket.on('data', (chunk) => {
            let answer;
            try {
                answer = h.data(chunk);
            }
            catch (err) {
                return settle(err);
            }
            if (answer !== undefined)
                settle(undefined, answer);
        });
        socket.once('end', () => {
            try {
                settle(undefined, h.end());
            }
            catch (err) {
                settle(err);
            }
        });
        socket.once('error', (err) => settle(err));
    });
}
//# sourceMappingURL=socket-exchange.js.map