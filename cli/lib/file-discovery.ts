/**
 * Finds the files an ingest sends: folders are walked (hidden files and
 * folders, `node_modules` and `.git` skipped, rule files applied, only
 * supported extensions kept), glob patterns are expanded the same way, and
 * files named one by one are taken as they are (no rule file can leave out
 * a file you named). Each file gets its path relative to the base folder,
 * which its document id comes from.
 */
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import { formatForPath, supportedExtensions, type DocumentFormat } from "./file-formats.js";
import { ignoreFileNames, IgnoreRules, type IgnoreFile } from "./ignore-rules.js";

export interface DiscoveredFile {
  absolutePath: string;
  /** Relative to the base, `/`-separated. */
  relativePath: string;
  format: DocumentFormat;
}

export interface Discovery {
  /** The folder ids and the default state file are relative to. */
  base: string;
  /** Sorted by relative path. */
  files: DiscoveredFile[];
  /** Files named on the command line that cannot be sent. */
  unsupported: string[];
  /** Files left out by ignore rules. */
  ignored: number;
}

export interface DiscoveryOptions {
  cwd: string;
  /** Default: the folder when one folder is given, else `cwd`. */
  base?: string;
  /** `--ignore` patterns, .gitignore syntax, relative to the base. */
  ignore?: readonly string[];
  /** Read `.gitignore` files too (default true); `.edgeragignore` files are always read. */
  gitignore?: boolean;
}

/** The walk never enters these (the rules leave them out anyway; this spares the walk). */
const skippedFolders = ["**/node_modules/**", "**/.git/**"];
const supportedGlob = `**/*.{${supportedExtensions.join(",")}}`;

export class DiscoveryError extends Error {
  override readonly name = "DiscoveryError";
}

export async function discoverFiles(inputs: readonly string[], options: DiscoveryOptions): Promise<Discovery> {
  if (inputs.length === 0) throw new DiscoveryError("name at least one folder, file or glob pattern");
  const kinds = inputs.map((input) => ({ input, absolute: resolve(options.cwd, input), kind: kindOf(resolve(options.cwd, input), input) }));
  const onlyFolder = kinds.length === 1 && kinds[0]!.kind === "folder" ? kinds[0]!.absolute : undefined;
  const base = resolve(options.cwd, options.base ?? onlyFolder ?? ".");

  const candidates = new Map<string, { relativePath: string; named: boolean }>();
  const unsupported: string[] = [];
  const add = (absolutePath: string, named: boolean) => {
    const relativePath = relative(base, absolutePath).split(sep).join("/");
    if (relativePath === "" || relativePath.startsWith("../") || relativePath === ".." || isAbsolute(relativePath)) {
      throw new DiscoveryError(`${absolutePath} is outside the base folder ${base}: pass --base <folder> holding every file`);
    }
    const known = candidates.get(absolutePath);
    if (!known || named) candidates.set(absolutePath, { relativePath, named });
  };

  for (const { input, absolute, kind } of kinds) {
    if (kind === "file") {
      if (formatForPath(absolute)) add(absolute, true);
      else unsupported.push(input);
    } else if (kind === "folder") {
      const found = await glob(supportedGlob, { cwd: absolute, absolute: true, dot: false, ignore: skippedFolders, caseSensitiveMatch: false, followSymbolicLinks: false });
      for (const path of found) add(resolve(path), false);
    } else {
      const found = await glob(input, { cwd: options.cwd, absolute: true, dot: false, ignore: skippedFolders, followSymbolicLinks: false });
      for (const path of found) if (formatForPath(path)) add(resolve(path), false);
    }
  }

  const rules = new IgnoreRules(
    readIgnoreFiles(
      base,
      [...candidates.values()].filter((candidate) => !candidate.named).map((candidate) => candidate.relativePath),
      options.gitignore ?? true,
    ),
    options.ignore ?? [],
  );
  const files: DiscoveredFile[] = [];
  let ignored = 0;
  for (const [absolutePath, { relativePath, named }] of candidates) {
    if (!named && rules.ignores(relativePath)) {
      ignored++;
      continue;
    }
    files.push({ absolutePath, relativePath, format: formatForPath(absolutePath)! });
  }
  files.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
  return { base, files, unsupported, ignored };
}

function kindOf(absolute: string, input: string): "file" | "folder" | "pattern" {
  try {
    const stats = statSync(absolute);
    if (stats.isDirectory()) return "folder";
    if (stats.isFile()) return "file";
  } catch {
    // Not a path: a pattern, or a mistake.
  }
  if (isDynamicPattern(input)) return "pattern";
  throw new DiscoveryError(`no such file or folder: ${input}`);
}

/** The rule files of the base and of every folder between it and the files. */
function readIgnoreFiles(base: string, relativePaths: readonly string[], gitignore: boolean): IgnoreFile[] {
  const folders = new Set<string>([""]);
  for (const path of relativePaths) {
    const segments = path.split("/");
    for (let end = 1; end < segments.length; end++) folders.add(segments.slice(0, end).join("/"));
  }
  const names = ignoreFileNames.filter((name) => gitignore || name !== ".gitignore");
  const files: IgnoreFile[] = [];
  for (const dir of folders) {
    for (const name of names) {
      let text: string;
      try {
        text = readFileSync(join(base, dir, name), "utf8");
      } catch {
        continue;
      }
      files.push({ dir, text });
    }
  }
  return files;
}
