import { parse } from 'yaml';

/** A value's place in the config, as a list of keys: `['destinations', 'eu', 'endpoint']`. */
export type ConfigPath = (string | number)[];

export interface Problem {
  path: ConfigPath;
  message: string;
  /** Point at the key itself rather than its value (an unknown key). */
  atKey?: boolean;
}

const REFERENCE = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

/**
 * Replaces `${env:VAR}` and `${env:VAR:-default}` in every string of a parsed config, as the
 * OpenTelemetry Collector does: a value that is one reference takes the variable's YAML type
 * (`workers: ${env:WORKERS}` becomes a number), a reference inside text is spliced in, `$$` is
 * a literal `$`. An unset variable without a default is a problem at that path.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, problems: Problem[], path: ConfigPath = []): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) {
      const replacement = lookup(whole[1]!, whole[2], env, problems, path);
      if (replacement === undefined) return value;
      try {
        return parse(replacement) ?? replacement;
      } catch {
        return replacement;
      }
    }
    return value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) =>
      name === undefined ? '$' : lookup(name, fallback, env, problems, path) ?? match,
    );
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = substituteEnv(item, env, problems, [...path, key]);
    return out;
  }
  return value;
}

function lookup(name: string, fallback: string | undefined, env: NodeJS.ProcessEnv, problems: Problem[], path: ConfigPath): string | undefined {
  const value = env[name];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  problems.push({ path, message: `environment variable ${name} is not set (write \${env:${name}:-default} to give a default)` });
  return undefined;
}
