// A do-nothing OTLP/HTTP collector in a child process, so receiving costs the measured process
// nothing. Prints its port, answers 200 to every request.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const SOURCE = `
const http = require('node:http');
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('disconnect', () => process.exit(0));
`;

export interface Collector {
  readonly url: string;
  stop(): void;
}

export function startCollector(): Promise<Collector> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SOURCE], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench collector did not start within 10 s')), 10_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${line.trim()}/v1/traces`, stop: () => child.kill() });
    });
  });
}
