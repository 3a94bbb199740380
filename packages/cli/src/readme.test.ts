// The README's example commands run as written from the repository root: each `npx cairn …`
// line is run (through the built bin, as npx would) and must exit as the README says.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));

/** `npx cairn …` lines of the README's sh blocks: arguments, and the exit code its comment names. */
function readmeCommands(): { line: string; args: string[]; exit: number }[] {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) => block.split('\n'))
    .filter((line) => line.startsWith('npx cairn '))
    .map((line) => {
      const [command = '', comment = ''] = line.split(/\s+#\s*/, 2);
      return { line, args: command.trim().split(/\s+/).slice(2), exit: Number(/\(exit (\d)\)/.exec(comment)?.[1] ?? 0) };
    });
}

describe('README examples', () => {
  const commands = readmeCommands();

  it('has example commands to run', () => {
    assert.ok(commands.length >= 5, `${commands.length} commands`);
  });

  for (const { line, args, exit } of commands) {
    // `up` runs until stopped; cli.test.ts runs it from a directory outside the repository.
    const skip = args[0] === 'up' ? 'a server; cli.test.ts covers `cairn up`' : false;
    it(line, { skip }, () => {
      const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, exit, `${result.stdout}\n${result.stderr}`);
      assert.doesNotMatch(result.stderr, /CAIRN_INTERNAL|^\s+at /m);
    });
  }
});
