// The standard corpus travels to the load generator process as one file of length-prefixed
// request bodies, so both processes send the very same bytes.
import { readFileSync, writeFileSync } from 'node:fs';

export function writeCorpus(path: string, requests: readonly Uint8Array[]): void {
  const parts: Buffer[] = [];
  for (const body of requests) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    parts.push(length, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  }
  writeFileSync(path, Buffer.concat(parts));
}

export function readCorpus(path: string): Buffer[] {
  const file = readFileSync(path);
  const out: Buffer[] = [];
  for (let at = 0; at < file.length; ) {
    const length = file.readUInt32BE(at);
    out.push(file.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}
