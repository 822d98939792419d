declare module 'raw-socket' {
  import { EventEmitter } from 'node:events';
  export interface RawSocket extends EventEmitter {
    send(buffer: Buffer, offset: number, length: number, address: string, after: (err: Error | null, bytes: number) => void): this;
    close(): this;
    on(event: 'message', listener: (buffer: Buffer, source: string) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'close', listener: () => void): this;
  }
  const raw: {
    createSocket(options: { protocol: number; addressFamily: number; bufferSize?: number }): RawSocket;
    createChecksum(...buffers: Array<Buffer | { buffer: Buffer; offset: number; length: number }>): number;
    writeChecksum(buffer: Buffer, offset: number, checksum: number): Buffer;
    Protocol: { ICMP: number; ICMPv6: number };
    AddressFamily: { IPv4: number; IPv6: number };
  };
  export default raw;
}
