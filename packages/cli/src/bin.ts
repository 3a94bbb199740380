#!/usr/bin/env node
import { run } from './main.js';

// `cairn generate ts … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2), { out: process.stdout, err: process.stderr });
