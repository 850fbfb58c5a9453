/**
 * Which files an ingest leaves out, by .gitignore-style rules: the built-in
 * ones (`node_modules/`, `.git/`), the `.gitignore` and `.edgeragignore`
 * files found in the base folder and in the folders below it, and the
 * `--ignore` patterns. Pure: the caller reads the files.
 *
 * As in git, a rule file applies to the paths below its own folder, relative
 * to that folder, and a deeper file has the last word (so it can `!re-include`
 * what a parent excluded); within one folder `.edgeragignore` comes after
 * `.gitignore`, and `--ignore` patterns (relative to the base) come last of
 * all. A path inside an excluded folder stays excluded.
 */
import ignore, { type Ignore } from "ignore";

/** Always left out, whatever the rule files say. */
export const builtInIgnores = ["node_modules/", ".git/"];

/** The rule file names, in the order they apply within one folder. */
export const ignoreFileNames = [".gitignore", ".edgeragignore"] as const;

export interface IgnoreFile {
  /** The folder holding the file, relative to the base, `/`-separated; "" for the base itself. */
  dir: string;
  /** The file's text. */
  text: string;
}

export class IgnoreRules {
  private readonly layers: { dir: string; rules: Ignore }[];

  constructor(files: readonly IgnoreFile[], extraPatterns: readonly string[] = []) {
    const depth = (dir: string) => (dir === "" ? 0 : dir.split("/").length);
    // A stable sort keeps the order of files within one folder (.gitignore, then .edgeragignore).
    const sorted = [...files].sort((a, b) => depth(a.dir) - depth(b.dir));
    this.layers = [
      { dir: "", rules: ignore().add(builtInIgnores) },
      ...sorted.map((file) => ({ dir: file.dir, rules: ignore().add(file.text) })),
      ...(extraPatterns.length > 0 ? [{ dir: "", rules: ignore().add([...extraPatterns]) }] : []),
    ];
  }

  /** Whether the file at `relativePath` (to the base, `/`-separated) is left out. */
  ignores(relativePath: string): boolean {
    // An excluded folder keeps everything below it out, whatever deeper files say (as in git).
    const segments = relativePath.split("/");
    for (let end = 1; end < segments.length; end++) {
      if (this.verdict(`${segments.slice(0, end).join("/")}/`)) return true;
    }
    return this.verdict(relativePath);
  }

  /** The last word of the layers that apply to `relativePath` (a folder ends with `/`). */
  private verdict(relativePath: string): boolean {
    let ignored = false;
    for (const layer of this.layers) {
      if (layer.dir !== "" && !relativePath.startsWith(`${layer.dir}/`)) continue;
      const path = layer.dir === "" ? relativePath : relativePath.slice(layer.dir.length + 1);
      if (path === "") continue; // a folder's own rule file says nothing about the folder itself
      const verdict = layer.rules.test(path);
      if (verdict.ignored) ignored = true;
      else if (verdict.unignored) ignored = false;
    }
    return ignored;
  }
}
