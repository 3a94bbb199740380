// A gateway in a child process: started, killed (-9 or SIGTERM) and restarted by tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { GatewayPorts } from '../gateway.js';

const ENTRY = fileURLToPath(new URL('./process.js', import.meta.url));

export interface GatewayChild {
  process: ChildProcess;
  ports: GatewayPorts;
  stderr(): string;
}

/**
 * `timeoutMs` bounds a start that never comes; a loaded CI machine can take many seconds for one
 * that does. `nodeFlags` go to the child's node (V8 settings for a memory test).
 */
export async function spawnGateway(configPath: string, timeoutMs = 60_000, nodeFlags: string[] = []): Promise<GatewayChild> {
  const child = spawn(process.execPath, [...nodeFlags, ENTRY, configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const ports = await new Promise<GatewayPorts>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start within ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as GatewayPorts);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before starting: ${err}`));
    });
  });
  return { process: child, ports, stderr: () => err };
}

/** SIGKILL: no chance to flush anything. */
export async function kill9(child: GatewayChild): Promise<void> {
  if (child.process.exitCode !== null) return;
  const exited = once(child.process, 'exit');
  child.process.kill('SIGKILL');
  await exited;
}
