/**
 * Where a dependency lives, as Weaver writes it in `registry_path` (its "virtual directory"
 * syntax): `<source>['@'<refspec>]['['<sub/folder>']']`. The source is a local path or an
 * http(s) URL; a `.zip` / `.tar.gz` source is an archive, and the sub folder picks the
 * directory inside it (below the archive's single top-level folder, which is stripped).
 */
export type RegistryPath =
  | { kind: 'local'; path: string }
  | { kind: 'local-archive'; path: string; format: ArchiveFormat; subFolder?: string }
  | { kind: 'remote-archive'; url: string; format: ArchiveFormat; subFolder?: string }
  | { kind: 'remote-file'; url: string }
  /** Weaver clones these; Cairn refuses them by name. */
  | { kind: 'git'; url: string };

export type ArchiveFormat = 'zip' | 'tar.gz';

export type ParsedRegistryPath = { ok: true; path: RegistryPath } | { ok: false; reason: string };

/** Parses a `registry_path` value; never throws. */
export function parseRegistryPath(text: string): ParsedRegistryPath {
  if (text.trim() === '') return { ok: false, reason: 'the path is empty' };
  if (text !== text.trim()) return { ok: false, reason: 'the path has leading or trailing whitespace' };
  let rest = text;
  let subFolder: string | undefined;
  if (rest.endsWith(']')) {
    const open = rest.lastIndexOf('[');
    if (open <= 0) return { ok: false, reason: 'a `]` without its `[`: write `SOURCE[sub/folder]`' };
    subFolder = rest.slice(open + 1, -1);
    rest = rest.slice(0, open);
    const bad = checkSubFolder(subFolder);
    if (bad) return { ok: false, reason: bad };
  } else if (rest.includes('[') || rest.includes(']')) {
    return { ok: false, reason: 'a sub folder goes at the end, in brackets: `SOURCE[sub/folder]`' };
  }
  const remote = /^https?:\/\//i.test(rest);
  let refspec: string | undefined;
  // `@` also appears in URLs' user info and in local names: only a trailing `@ref` after the
  // last `/` of a URL is a refspec, as in `https://host/repo.git@v1.0.0`.
  if (remote) {
    const at = rest.lastIndexOf('@');
    if (at > rest.lastIndexOf('/')) {
      refspec = rest.slice(at + 1);
      rest = rest.slice(0, at);
    }
  }
  const format: ArchiveFormat | undefined = /\.zip$/i.test(rest) ? 'zip' : /\.tar\.gz$/i.test(rest) ? 'tar.gz' : undefined;
  if (remote) {
    if (!URL.canParse(rest)) return { ok: false, reason: `\`${rest}\` is not a valid URL` };
    if (format) return { ok: true, path: withSub<RegistryPath>({ kind: 'remote-archive', url: rest, format }, subFolder) };
    if (/\.git$/i.test(rest) || refspec !== undefined || subFolder !== undefined) return { ok: true, path: { kind: 'git', url: rest } };
    return { ok: true, path: { kind: 'remote-file', url: rest } };
  }
  if (format) return { ok: true, path: withSub<RegistryPath>({ kind: 'local-archive', path: rest, format }, subFolder) };
  // Weaver ignores a sub folder on a plain directory; Cairn refuses it rather than guess.
  if (subFolder !== undefined) return { ok: false, reason: 'a `[sub/folder]` applies to archives only; name the folder in the path instead' };
  return { ok: true, path: { kind: 'local', path: rest } };
}

function withSub<T extends RegistryPath>(path: T, subFolder: string | undefined): T {
  const trimmed = subFolder?.replace(/^\.?\/+|\/+$/g, '');
  if (trimmed && (path.kind === 'local-archive' || path.kind === 'remote-archive')) path.subFolder = trimmed;
  return path;
}

/** A sub folder stays inside the archive: no absolute path, no `..`, no backslashes. */
function checkSubFolder(sub: string): string | undefined {
  if (sub.startsWith('/') || /^[a-zA-Z]:/.test(sub) || sub.includes('\\')) return `sub folder \`${sub}\` must be a relative path with \`/\` separators`;
  if (sub.split('/').some((part) => part === '..')) return `sub folder \`${sub}\` must not contain \`..\``;
  if (/[[\]\0]/.test(sub)) return `sub folder \`${sub}\` contains \`[\`, \`]\` or a NUL`;
  return undefined;
}

/** How a registry path prints in messages. */
export function formatRegistryPath(path: RegistryPath): string {
  const base = 'url' in path ? path.url : path.path;
  return 'subFolder' in path && path.subFolder ? `${base}[${path.subFolder}]` : base;
}
