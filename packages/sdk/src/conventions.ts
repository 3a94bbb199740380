import { readFileSync, statSync } from 'node:fs';
import { loadRegistry, type ResolvedRegistry } from '@cairn/conventions';
import { CairnConfigError } from './policy.js';

/** A registry directory, a `cairn resolve` JSON file, or the resolved registry itself. */
export type ConventionsSource = string | ResolvedRegistry;

export function readConventions(source: ConventionsSource): ResolvedRegistry {
  if (typeof source !== 'string') return source;
  let isDir: boolean;
  try {
    isDir = statSync(source).isDirectory();
  } catch {
    throw new CairnConfigError('CAIRN_CONVENTIONS_UNREADABLE', `conventions: "${source}" does not exist; give a registry directory or the JSON file that \`cairn resolve DIR -o FILE\` writes`);
  }
  if (isDir) {
    const loaded = loadRegistry(source);
    if (loaded.unusable) {
      throw new CairnConfigError('CAIRN_CONVENTIONS_UNREADABLE', `conventions: "${source}" could not be read as a registry; run \`cairn check ${source}\` to see why`);
    }
    return loaded.registry;
  }
  try {
    const parsed = JSON.parse(readFileSync(source, 'utf8')) as ResolvedRegistry;
    if (!Array.isArray(parsed.attributes) || typeof parsed.aliases !== 'object') throw new Error('not a resolved registry');
    return parsed;
  } catch (error) {
    throw new CairnConfigError('CAIRN_CONVENTIONS_UNREADABLE', `conventions: "${source}" is not a resolved registry (${(error as Error).message}); write one with \`cairn resolve DIR -o FILE\``);
  }
}
