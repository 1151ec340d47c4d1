/** How every check runs a tool and lays files out: the shared plumbing of the checks beside it. */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { installHint } from "../../tools/debianTools";
import { isExecutable } from "../local";

export interface ToolResult {
  ok: boolean;
  /** What the tools printed (plus a line naming the command), for failure messages. */
  output: string;
}

/** A file as cloud-init writes it (`write_files` entry). */
export interface ServerFile {
  path: string;
  content: string;
  /** Octal mode as in write_files, e.g. "0644". */
  permissions?: string;
  owner?: string;
}

const SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
  timeout?: number;
}

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
  /** `$ cmd args` plus everything it printed. */
  text: string;
  missing: boolean;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Ran {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? { ...process.env, PATH: `${process.env.PATH ?? ""}:${SBIN_PATH}` },
    uid: opts.uid,
    gid: opts.gid,
    encoding: "utf8",
    timeout: opts.timeout ?? 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const shown = `$ ${[cmd, ...args].join(" ")}`;
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err?.code === "ENOENT") {
    return { status: 127, stdout: "", stderr: "", missing: true, text: `${shown}\n${cmd} is not installed: ${installHint(basename(cmd))}` };
  }
  const stdout = r.stdout ?? "";
  const stderr = r.stderr ?? "";
  const status = err ? 1 : (r.status ?? 1);
  const text = [shown, stdout.trimEnd(), stderr.trimEnd(), err ? String(err) : "", status !== 0 ? `(exit status ${r.status ?? r.signal})` : ""]
    .filter((s) => s !== "").join("\n");
  return { status, stdout, stderr, text, missing: false };
}

export function withTempDir<T>(prefix: string, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), `fullstack-${prefix}-`));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `files` under `root` at their server paths, with their modes. */
export function layOut(root: string, files: ServerFile[]): void {
  for (const f of files) {
    const target = join(root, f.path);
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { force: true }); // a new inode: never write through a hard link into a shared copy
    writeFileSync(target, f.content);
    chmodSync(target, f.permissions ? parseInt(f.permissions, 8) : 0o644);
  }
}

/** The interpreter in a script's `#!` line (Debian's tools run on /usr/bin/python3, not a pyenv shim). */
export function interpreterOf(script: string, fallback: string): string {
  try {
    const first = readFileSync(script, "utf8").split("\n", 1)[0];
    if (first.startsWith("#!")) return first.slice(2).trim().split(/\s+/)[0];
  } catch {
    // fall through
  }
  return fallback;
}

export function findOnPath(name: string): string | undefined {
  for (const dir of `${process.env.PATH ?? ""}:${SBIN_PATH}`.split(":")) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Stable identity of some files (path, mode and content), for running a tool once per distinct input. */
export function contentKey(files: ServerFile[] | string): string {
  const h = createHash("sha256");
  if (typeof files === "string") h.update(files);
  else for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) h.update(`${f.path}\0${f.permissions ?? ""}\0${f.content}\0`);
  return h.digest("hex");
}
