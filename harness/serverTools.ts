/**
 * Runs rendered server files through the real programs that consume them on the server (cloud-init,
 * nginx, systemd, sshd, apt, journald, redis, sh, python, gunicorn), here, offline, without a VM. Each check
 * lays its files out in a throwaway directory the way the server would see them and returns
 * `{ ok, output }`: `ok` is false when the tool rejects a file or is missing, and `output` carries the
 * tool's own messages. Reused by the provisioning tests, and meant for benchmarks and VM tests too.
 *
 * The tools are Debian's (tools/debianTools.ts lists them; `npm test` installs them first, through
 * tools/ensureTools.ts). A missing tool is a failed check, never a skip.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync,
  rmSync, symlinkSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { parse } from "yaml";
import { REPLACES_SITE } from "../provisioning/nginx";
import { installHint } from "../tools/debianTools";
import { isExecutable } from "./local";

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

interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
  timeout?: number;
}

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
  /** `$ cmd args` plus everything it printed. */
  text: string;
  missing: boolean;
}

function run(cmd: string, args: string[], opts: RunOptions = {}): Ran {
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

function withTempDir<T>(prefix: string, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), `fullstack-${prefix}-`));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `files` under `root` at their server paths, with their modes. */
function layOut(root: string, files: ServerFile[]): void {
  for (const f of files) {
    const target = join(root, f.path);
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { force: true }); // a new inode: never write through a hard link into a shared copy
    writeFileSync(target, f.content);
    chmodSync(target, f.permissions ? parseInt(f.permissions, 8) : 0o644);
  }
}

/** The interpreter in a script's `#!` line (Debian's tools run on /usr/bin/python3, not a pyenv shim). */
function interpreterOf(script: string, fallback: string): string {
  try {
    const first = readFileSync(script, "utf8").split("\n", 1)[0];
    if (first.startsWith("#!")) return first.slice(2).trim().split(/\s+/)[0];
  } catch {
    // fall through
  }
  return fallback;
}

function findOnPath(name: string): string | undefined {
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

// --- which files each check takes -------------------------------------------------------------------

export const isNginxSite = (f: ServerFile) => /^\/etc\/nginx\/(sites-available|conf\.d)\/[^/]+$/.test(f.path);
export const isSystemdUnit = (f: ServerFile) => /^\/etc\/systemd\/system\/[^/]+\.(service|socket|timer|path|target|mount)$/.test(f.path);
/** A drop-in that changes a unit (possibly one a package installs), e.g. redis-server.service.d/10-x.conf. */
export const isSystemdDropIn = (f: ServerFile) => /^\/etc\/systemd\/system\/[^/]+\.(service|socket|timer|path|target|mount)\.d\/[^/]+\.conf$/.test(f.path);
export const isShellScript = (f: ServerFile) => /^#!\s*\/(usr\/)?bin\/(env\s+)?(sh|bash|dash)\b/.test(f.content);
/** Shell-sourced settings files declare their dialect for shellcheck on their first line. */
export const isShellSettings = (f: ServerFile) => /^# shellcheck shell=(sh|bash|dash)\b/.test(f.content);
export const isShell = (f: ServerFile) => isShellScript(f) || isShellSettings(f);
/** Python modules and scripts (`#!/usr/bin/python3`). */
export const isPython = (f: ServerFile) => f.path.endsWith(".py") || /^#!\s*\/usr\/bin\/(env\s+)?python3\b/.test(f.content);
export const isGunicornConfig = (f: ServerFile) => isPython(f) && /gunicorn[^/]*\.py$/.test(f.path);
export const isSshdConfig = (f: ServerFile) => /^\/etc\/ssh\/sshd_config\.d\/[^/]+$/.test(f.path);
export const isAptConf = (f: ServerFile) => /^\/etc\/apt\/apt\.conf\.d\/[^/]+$/.test(f.path);
export const isJournaldConf = (f: ServerFile) => /^\/etc\/systemd\/journald\.conf\.d\/[^/]+$/.test(f.path);

/** Paths named by `EnvironmentFile=` in `units`; a leading `-` marks an optional one (left out unless asked). */
export function environmentFilesOf(units: ServerFile[], withOptional = true): string[] {
  const paths = new Set<string>();
  for (const u of units) {
    for (const m of u.content.matchAll(/^EnvironmentFile=(.+)$/gm)) {
      for (const p of m[1].trim().split(/\s+/)) if (withOptional || !p.startsWith("-")) paths.add(p.replace(/^-/, ""));
    }
  }
  return [...paths];
}

// --- cloud-init -------------------------------------------------------------------------------------

/**
 * For each file: what `cloud-init schema --config-file FILE` prints and its exit status, from the
 * handler that subcommand runs (cloudinit.config.schema.handle_schema_args), called once per file in
 * one interpreter (cloud-init's start-up is most of a CLI run); then the top-level keys cloud-init's
 * schema defines.
 */
const CLOUD_INIT_SCHEMA = `
import contextlib, io, json, sys
from cloudinit.config.schema import get_parser, get_schema, handle_schema_args
for path in sys.argv[1:]:
    out = io.StringIO()
    status = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            handle_schema_args("schema", get_parser().parse_args(["--config-file", path]))
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
    print(json.dumps({"path": path, "status": status, "output": out.getvalue()}))
s = get_schema()
keys = set()
for ref in s["allOf"]:
    keys |= set(s["$defs"][ref["$ref"].split("/")[-1]].get("properties", {}))
print(json.dumps(sorted(keys)))
`;

/**
 * cloud-init's schema check on many user data documents (see {@link checkCloudConfig}), in one run.
 * Results are in input order.
 */
export function checkCloudConfigs(userData: string[]): ToolResult[] {
  return withTempDir("cloud-init", (dir) => {
    const files = userData.map((doc, i) => {
      const file = join(dir, `user-data-${i}`);
      writeFileSync(file, doc);
      return file;
    });
    const python = interpreterOf("/usr/bin/cloud-init", "python3");
    if (!existsSync("/usr/bin/cloud-init")) {
      return userData.map(() => ({ ok: false, output: `cloud-init is not installed: ${installHint("cloud-init")}` }));
    }
    const r = run(python, ["-c", CLOUD_INIT_SCHEMA, ...files]);
    const lines = r.stdout.trim().split("\n");
    if (r.status !== 0 || lines.length !== files.length + 1) return userData.map(() => ({ ok: false, output: r.text }));
    const known = new Set(JSON.parse(lines[files.length]) as string[]);
    return files.map((file, i) => {
      const res = JSON.parse(lines[i]) as { status: number; output: string };
      return judgeCloudConfig(userData[i], res.status, `$ cloud-init schema --config-file user-data\n${res.output.replaceAll(file, "user-data").trimEnd()}`, known);
    });
  });
}

/**
 * `cloud-init schema --config-file` on the user data. cloud-init reports deprecated keys but still
 * exits 0, so deprecations fail the check too; and its schema allows unknown top-level keys (cloud-init
 * then silently ignores them), so every top-level key must also be one the schema defines.
 */
export function checkCloudConfig(userData: string): ToolResult {
  return withTempDir("cloud-init", (dir) => {
    const file = join(dir, "user-data");
    writeFileSync(file, userData);
    const schema = run("cloud-init", ["schema", "--config-file", file]);
    if (schema.missing) return { ok: false, output: schema.text };
    const keys = run(interpreterOf("/usr/bin/cloud-init", "python3"), ["-c", CLOUD_INIT_SCHEMA]);
    if (keys.status !== 0) return { ok: false, output: `${schema.text}\n${keys.text}` };
    const known = new Set(JSON.parse(keys.stdout.trim()) as string[]);
    return judgeCloudConfig(userData, schema.status, schema.text.replaceAll(file, "user-data"), known);
  });
}

function judgeCloudConfig(userData: string, status: number, text: string, known: Set<string>): ToolResult {
  const problems: string[] = [];
  if (status !== 0) problems.push("cloud-init rejects the user data");
  // Each deprecation is listed as "<key>: DEPRECATED: ..." (22.4 also prints an empty heading before errors).
  if (/: DEPRECATED\b/.test(text)) problems.push("cloud-init reports deprecated keys");
  let doc: unknown;
  try {
    doc = parse(userData);
  } catch (err) {
    problems.push(`not YAML: ${String(err)}`);
  }
  if (doc && typeof doc === "object") {
    const unknown = Object.keys(doc).filter((k) => !known.has(k));
    if (unknown.length > 0) problems.push(`top-level keys cloud-init's schema does not define (cloud-init ignores them): ${unknown.join(", ")}`);
  }
  return { ok: problems.length === 0, output: [text, ...problems].join("\n") };
}

// --- nginx ------------------------------------------------------------------------------------------

/**
 * The server paths a private copy moves under its own directory (at the start of a word, a quoted string,
 * a value or `unix:`, up to a `/` or the word's end): nginx's (/etc/nginx, /var/log/nginx, /run), certbot's
 * (/etc/letsencrypt, /var/lib/letsencrypt, /var/log/letsencrypt), web roots (/var/www) and the rendered
 * scripts (/usr/local/sbin).
 */
const SERVER_PATH = /(?<=^|[\s"'=:])\/(?:etc\/nginx|var\/log\/nginx|run|etc\/letsencrypt|var\/lib\/letsencrypt|var\/log\/letsencrypt|var\/www|usr\/local\/sbin)(?=[/\s"';]|$)/gm;

/**
 * `text` (nginx.conf, a site, a rendered script) with the server paths above moved under `dir`: each
 * gets `dir` in front, so a copy under `dir` reads and writes only there.
 */
export function relocateServerPaths(text: string, dir: string): string {
  return text.replace(SERVER_PATH, (path) => `${dir}${path}`);
}

/** {@link relocateServerPaths} for nginx's files (nginx.conf, sites). */
export const relocateNginxPaths = relocateServerPaths;

/** The site a rendered site is enabled in place of (`# fullstack: enabled in place of <path>`), if any. */
export function replacedSite(site: ServerFile): string | undefined {
  return new RegExp(`^${REPLACES_SITE} (\\S+)`, "m").exec(site.content)?.[1];
}

/**
 * The sets of sites nginx runs with together on the server: the sites as first enabled, and for each site
 * that is enabled in place of another later (the HTTPS site once the certificate exists), the set with
 * that one swapped in.
 */
export function nginxSiteStates(sites: ServerFile[]): ServerFile[][] {
  const first = sites.filter((s) => replacedSite(s) === undefined);
  return [first, ...sites.filter((s) => replacedSite(s) !== undefined)
    .map((later) => [...first.filter((s) => s.path !== replacedSite(later)), later])];
}

/**
 * A private copy of this machine's nginx configuration, as DIR/etc/nginx, for `nginx -t` or for running
 * nginx: conf.d, sites-* and modules-enabled emptied (the server installs plain nginx), nginx.conf's
 * paths moved under DIR (includes, pid in DIR/run, logs in DIR/var/log/nginx). As root `user www-data`
 * stays, as on the server; otherwise it is commented out (nginx would ignore it with a warning).
 * Returns the prefix directory (DIR/etc/nginx), or a failed check when nginx is missing or the rewrite
 * left a system path behind.
 */
export function copyNginxConfig(dir: string): { prefix: string } | ToolResult {
  if (!existsSync("/etc/nginx/nginx.conf")) {
    return { ok: false, output: `/etc/nginx/nginx.conf is missing: ${installHint("nginx")}` };
  }
  const prefix = join(dir, "etc", "nginx");
  mkdirSync(dirname(prefix), { recursive: true });
  cpSync("/etc/nginx", prefix, { recursive: true, verbatimSymlinks: true });
  for (const sub of ["conf.d", "sites-available", "sites-enabled", "modules-enabled"]) {
    rmSync(join(prefix, sub), { recursive: true, force: true });
    mkdirSync(join(prefix, sub));
  }
  for (const sub of ["run", "var/log/nginx"]) mkdirSync(join(dir, sub), { recursive: true });
  const conf = relocateNginxPaths(readFileSync("/etc/nginx/nginx.conf", "utf8"), dir);
  const asUser = process.getuid?.() === 0 ? conf : conf.replace(/^user\s+[^;]+;/m, "# user: checked only when run as root");
  if (/(^|\s)\/(run|var)\//m.test(asUser.replace(/#.*$/gm, ""))) {
    return { ok: false, output: `nginx.conf still names a system path after rewriting:\n${conf}` };
  }
  writeFileSync(join(prefix, "nginx.conf"), asUser);
  return { prefix };
}

/** What replaces a site's `listen [::]:80` line when it runs here (127.0.0.1 only). */
export const NGINX_IPV6_DROPPED = "# (IPv6 listen dropped here: this copy listens on 127.0.0.1 only)";

/**
 * A rendered site wired to run from a copy under `dir`: its server paths (`appRoot`, e.g. /srv/<app>,
 * and nginx's own, see `relocateNginxPaths`) moved under `dir`, `listen 80` moved to 127.0.0.1:`port`
 * and the IPv6 listens commented out. Nothing else changes (the bench checks that line by line).
 */
export function wireNginxSite(site: string, w: { dir: string; port: number; appRoot: string; tlsPort?: number }): string {
  let out = relocateNginxPaths(site.replaceAll(w.appRoot, `${w.dir}${w.appRoot}`), w.dir)
    .replace(/^(\s*)listen 80( default_server)?;$/gm, `$1listen 127.0.0.1:${w.port}$2;`)
    .replace(/^(\s*)listen \[::\]:80( default_server)?;$/gm, `$1${NGINX_IPV6_DROPPED}`);
  if (w.tlsPort !== undefined) {
    out = out.replace(/^(\s*)listen 443 ssl( default_server)?;$/gm, `$1listen 127.0.0.1:${w.tlsPort} ssl$2;`)
      .replace(/^(\s*)listen \[::\]:443 ssl( default_server)?;$/gm, `$1${NGINX_IPV6_DROPPED}`);
  }
  if (/\blisten\s+(80|443|\[::\])/.test(out)) throw new Error("the site has a listen line wireNginxSite does not know how to move (HTTPS needs tlsPort)");
  return out;
}

/**
 * Writes `sites` (server paths under /etc/nginx/) into a copy made by `copyNginxConfig`, with their
 * nginx paths moved the same way; sites-available entries are enabled with a symlink, as on the server
 * at first boot (by default a site enabled later in place of another, see `nginxSiteStates`, is only
 * written).
 */
export function installNginxSites(dir: string, sites: ServerFile[], enabled = (site: ServerFile) => replacedSite(site) === undefined): void {
  const prefix = join(dir, "etc", "nginx");
  for (const site of sites) {
    const rel = relative("/etc/nginx", site.path);
    writeFileSync(join(prefix, rel), relocateNginxPaths(site.content, dir));
    if (rel.startsWith("sites-available/") && enabled(site)) symlinkSync(`../${rel}`, join(prefix, "sites-enabled", basename(rel)));
  }
}

/**
 * A throwaway self-signed certificate and key (made once per process with openssl) at each path the
 * sites name in `ssl_certificate` / `ssl_certificate_key`, under `dir` as `relocateServerPaths` moves
 * them: nginx -t loads them as nginx would load the server's real ones.
 */
function standInCertificates(dir: string, sites: ServerFile[]): ToolResult | undefined {
  const paths = sites.flatMap((s) => [...s.content.matchAll(/^\s*ssl_certificate(_key)?\s+(\S+);$/gm)].map((m) => ({ key: m[1] !== undefined, path: m[2] })));
  if (paths.length === 0) return undefined;
  if (!standIn) {
    const made = withTempDir("cert", (tmp) => {
      const r = run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", "/CN=stand-in.invalid", "-keyout", join(tmp, "key.pem"), "-out", join(tmp, "cert.pem")]);
      return r.status === 0 ? { cert: readFileSync(join(tmp, "cert.pem"), "utf8"), key: readFileSync(join(tmp, "key.pem"), "utf8") } : r;
    });
    if ("text" in made) return { ok: false, output: `a stand-in certificate for ssl_certificate:\n${made.text}` };
    standIn = made;
  }
  for (const { key, path } of paths) {
    const target = relocateServerPaths(path, dir);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, key ? standIn.key : standIn.cert, { mode: key ? 0o600 : 0o644 });
  }
  return undefined;
}

let standIn: { cert: string; key: string } | undefined;

/**
 * `nginx -t` on the sites of one server, enabled together (they share one http context: two default
 * servers or two upstreams of one name only clash there) inside a copy of the installed Debian
 * /etc/nginx, with nginx.conf's and the sites' absolute paths moved into the copy (`copyNginxConfig`).
 * modules-enabled is left empty: the server installs plain `nginx`, which enables no dynamic modules.
 * Warnings fail too. Each set of sites the server runs with (`nginxSiteStates`: e.g. the HTTP site at
 * first boot, then the HTTPS site in its place) is checked on its own, with stand-in certificates where
 * the sites name theirs.
 */
export function checkNginxSite(sites: ServerFile | ServerFile[]): ToolResult {
  const states = nginxSiteStates(Array.isArray(sites) ? sites : [sites]);
  const results = states.map((list) => withTempDir("nginx", (dir): ToolResult => {
    const copy = copyNginxConfig(dir);
    if (!("prefix" in copy)) return copy;
    // Each state as the server runs it: these sites enabled (the later ones in place of the first ones).
    installNginxSites(dir, list, () => true);
    const certs = standInCertificates(dir, list);
    if (certs) return certs;
    const r = run("nginx", ["-e", "stderr", "-t", "-p", `${copy.prefix}/`, "-c", join(copy.prefix, "nginx.conf")]);
    const warned = /\[(warn|emerg|alert|crit|error)\]/.test(r.stderr);
    const shown = states.length > 1 ? `(sites enabled: ${list.map((s) => s.path).join(", ")})\n` : "";
    return { ok: r.status === 0 && !warned, output: `${shown}${r.text.replaceAll(copy.prefix, "/etc/nginx").replaceAll(dir, "")}` };
  }));
  return { ok: results.every((r) => r.ok), output: results.map((r) => r.output).join("\n") };
}

// --- systemd ----------------------------------------------------------------------------------------

export interface SystemdCheckOptions {
  /** Other files the same server gets (scripts a unit runs are checked as written). */
  serverFiles?: ServerFile[];
  /** Users and groups the server gets on top of the distribution's (cloud-config `users`). */
  users?: string[];
  /**
   * Executables that only exist once the server has deployed (e.g. the app's virtualenv); they are
   * stubbed. Anything else a unit runs must be a server file or exist on this (Debian) machine.
   */
  stub?: (path: string) => boolean;
}

let unitsCopy: string | undefined;

/** A private copy of this machine's /usr/lib/systemd/system (as DIR/usr/lib/systemd/system), made once. */
function systemdUnitsCopy(): string {
  if (!unitsCopy) {
    const dir = mkdtempSync(join(tmpdir(), "fullstack-systemd-units-"));
    cpSync("/usr/lib/systemd/system", join(dir, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
    process.on("exit", releaseSharedCopies);
    unitsCopy = dir;
  }
  return unitsCopy;
}

/**
 * Removes what the checks keep between calls (the copy of the systemd units). Call it when done (jest:
 * in afterAll; a test environment's `process` may never see the exit event); checks made later
 * simply make a new copy.
 */
export function releaseSharedCopies(): void {
  if (unitsCopy) rmSync(unitsCopy, { recursive: true, force: true });
  unitsCopy = undefined;
}

const EXEC_KEYS = /^(ExecStart|ExecStartPre|ExecStartPost|ExecReload|ExecStop|ExecStopPost|ExecCondition)=(.*)$/gm;
const USER_KEYS = /^(User|Group|SocketUser|SocketGroup|SupplementaryGroups)=(.*)$/gm;

/**
 * `systemd-analyze verify --root=<dir>` on the units (and drop-ins) of one server, all in one
 * /etc/systemd/system so `Requires=x.socket` and friends resolve. The root holds a copy of this
 * machine's /usr/lib/systemd/system (targets such as sysinit.target, and units packages install) and
 * every executable the units name: server files as written, executables this Debian machine has
 * (their existence is the point, so an executable stand-in is created at the same path), and stubs for
 * what `stub` accepts. Nothing else: a unit running a program the server will not have fails here.
 * systemd-analyze exits 0 on unknown keys and unparsable values (it only logs them), so any output
 * at all fails the check. Users and groups named by units must exist (the distribution's or the
 * cloud-config's): verify does not look them up, so that is checked here, against /etc/passwd.
 */
export function checkSystemdUnits(units: ServerFile[], options: SystemdCheckOptions = {}): ToolResult {
  return withTempDir("systemd", (root) => {
    const notes: string[] = [];
    const problems: string[] = [];
    // Hard links to a private copy (copying the directory costs more than the check itself).
    const copy = run("cp", ["-al", join(systemdUnitsCopy(), "usr"), join(root, "usr")]);
    if (copy.status !== 0) return { ok: false, output: copy.text };
    layOut(root, units);

    // Executables the units run.
    const serverFiles = new Map((options.serverFiles ?? []).map((f) => [f.path, f]));
    for (const unit of units) {
      for (const m of unit.content.matchAll(EXEC_KEYS)) {
        const command = m[2].trim().replace(/^[-@:+!]+/, "").split(/\s+/)[0];
        if (!command) continue;
        const path = command.startsWith("/") ? command : findOnPath(command);
        if (!path) {
          problems.push(`${unit.path}: ${command} is not on this machine's PATH`);
          continue;
        }
        const target = join(root, path);
        if (existsSync(target)) continue;
        const own = serverFiles.get(path);
        if (own) {
          layOut(root, [own]);
          notes.push(`${path}: the server file`);
        } else if (isExecutable(path) || options.stub?.(path)) {
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
          notes.push(`${path}: ${isExecutable(path) ? "exists on this machine" : "stub (created by the deploy)"}`);
        }
      }
    }

    // Users and groups.
    const known = new Set(options.users ?? []);
    for (const file of ["/etc/passwd", "/etc/group"]) {
      for (const line of readFileSync(file, "utf8").split("\n")) if (line) known.add(line.split(":")[0]);
    }
    for (const unit of units) {
      for (const m of unit.content.matchAll(USER_KEYS)) {
        for (const name of m[2].trim().split(/\s+/).filter(Boolean)) {
          if (!known.has(name)) problems.push(`${unit.path}: ${m[1]}=${name} names a user/group the server will not have`);
        }
      }
    }

    // What to verify: every unit, and for each drop-in the unit it changes.
    const targets = new Set<string>();
    for (const unit of units) {
      if (isSystemdUnit(unit)) targets.add(join(root, unit.path));
      else if (isSystemdDropIn(unit)) {
        const name = basename(dirname(unit.path)).replace(/\.d$/, "");
        const candidates = [`etc/systemd/system/${name}`, `usr/lib/systemd/system/${name}`].map((p) => join(root, p));
        const found = candidates.find((p) => existsSync(p));
        if (found) targets.add(found);
        else problems.push(`${unit.path}: changes ${name}, which is not installed on this machine (add its package to tools/debianTools.ts)`);
      }
    }
    if (targets.size === 0) return { ok: problems.length === 0, output: problems.join("\n") };
    const r = run("systemd-analyze", ["verify", "--man=no", `--root=${root}`, ...targets]);
    const printed = `${r.stdout}${r.stderr}`.trim();
    const output = [r.text.replaceAll(`--root=${root}`, "--root=<root>").replaceAll(root, ""), ...problems,
      notes.length > 0 ? `executables: ${notes.join("; ")}` : ""]
      .filter(Boolean).join("\n");
    return { ok: r.status === 0 && printed === "" && problems.length === 0, output };
  });
}

// --- shell ------------------------------------------------------------------------------------------

export interface ShellFinding {
  /** Server path of the file. */
  path: string;
  line: number;
  /** error, warning, note (info) or style. */
  level: string;
  code: string;
  message: string;
}

const GCC_LINE = /^(.+?):(\d+):(\d+): (\w+): (.*) \[(SC\d+)\]$/;

/**
 * `shellcheck` (every severity) on shell scripts and shell-sourced settings files. `context` is the
 * rest of the server's files: they are laid out at their server paths so `. /etc/app/deploy.conf`
 * is followed (`-x`) into the settings the script really sources. Settings files (which only assign
 * variables for the scripts that source them) are checked without SC2034 "appears unused", which
 * holds for every line of such a file by construction; every other finding counts. Findings come
 * back parsed too, each printed with the line it is about.
 */
export function checkShell(files: ServerFile | ServerFile[], context: ServerFile[] = []): ToolResult & { findings: ShellFinding[] } {
  const list = Array.isArray(files) ? files : [files];
  return withTempDir("shell", (root) => {
    const all = [...context.filter((c) => !list.some((f) => f.path === c.path)), ...list];
    layOut(root, all);
    const base = ["--norc", "--format=gcc", "--external-sources", `--source-path=${root}`];
    const scripts = list.filter((f) => !isShellSettings(f)).map((f) => relative("/", f.path));
    const settings = list.filter(isShellSettings).map((f) => relative("/", f.path));
    const runs = [
      scripts.length > 0 ? run("shellcheck", [...base, ...scripts], { cwd: root }) : undefined,
      settings.length > 0 ? run("shellcheck", [...base, "--exclude=SC2034", ...settings], { cwd: root }) : undefined,
    ].filter((r): r is Ran => r !== undefined);
    const findings: ShellFinding[] = [];
    const output = runs.map((r) => r.text.replaceAll(root, "<server>").split("\n").map((l) => {
      const m = GCC_LINE.exec(l);
      if (!m) return l;
      const path = `/${m[1]}`;
      findings.push({ path, line: Number(m[2]), level: m[4], code: m[6], message: m[5] });
      const source = all.find((f) => f.path === path)?.content.split("\n")[Number(m[2]) - 1];
      return source === undefined ? l : `${l}\n    > ${source}`;
    }).join("\n")).join("\n");
    const ok = runs.every((r) => r.status === 0);
    return { ok, output, findings };
  });
}

// --- python and gunicorn ----------------------------------------------------------------------------

/** `python3 -m py_compile` with Debian's python3. */
/** A drop-in for postgresql-common's createcluster.conf. */
export const isCreateclusterConf = (f: ServerFile) => f.path.startsWith("/etc/postgresql-common/createcluster.d/");

/**
 * postgresql-common's own reader (`pg_conftool`, what its postinst asks) on a createcluster.conf that
 * includes the drop-in, as Debian's does: it must read create_main_cluster as off.
 */
export function checkCreateclusterConf(file: ServerFile): ToolResult {
  return withTempDir("createcluster", (dir) => {
    mkdirSync(join(dir, "createcluster.d"));
    writeFileSync(join(dir, "createcluster.d", basename(file.path)), file.content);
    writeFileSync(join(dir, "createcluster.conf"), `include_dir '${join(dir, "createcluster.d")}'\n`);
    const r = run("pg_conftool", [join(dir, "createcluster.conf"), "show", "-bs", "create_main_cluster"]);
    // run() prints the command line first; pg_conftool's answer is the last line.
    const answer = r.text.trim().split("\n").pop() ?? "";
    const ok = r.status === 0 && answer === "off";
    return { ok, output: ok ? "" : `pg_conftool reads create_main_cluster as ${JSON.stringify(answer)}: ${r.text}` };
  });
}

/** A release bundle (provisioning/release.ts) among a server's files. */
export const isReleaseBundle = (f: ServerFile) => /^\/etc\/[^/]+\/release\.json$/.test(f.path);
export const isSudoers = (f: ServerFile) => f.path.startsWith("/etc/sudoers.d/");

/** sudo's own parser on a sudoers drop-in (`visudo -c -f`), and the mode sudo insists on (0440). */
export function checkSudoers(file: ServerFile): ToolResult {
  if (file.permissions !== "0440") return { ok: false, output: `${file.path} is ${file.permissions}; sudo wants 0440` };
  return withTempDir("sudoers", (dir) => {
    const target = join(dir, basename(file.path));
    writeFileSync(target, file.content, { mode: 0o440 });
    const r = run("visudo", ["-c", "-q", "-f", target]);
    return { ok: r.status === 0, output: r.text.replaceAll(target, file.path) };
  });
}

export function checkPython(file: ServerFile): ToolResult {
  return withTempDir("python", (dir) => {
    const target = join(dir, basename(file.path));
    writeFileSync(target, file.content);
    const r = run("/usr/bin/python3", ["-m", "py_compile", target]);
    return { ok: r.status === 0, output: r.text.replaceAll(target, file.path) };
  });
}

/**
 * gunicorn's own loader for config files (`Application.load_config_from_file`): executes the file as
 * gunicorn does and passes every setting through gunicorn's validators. `gunicorn --check-config`
 * would also import the WSGI app, which exists only on the server, so the loader is driven directly.
 * Every setting goes through gunicorn's own validator, as gunicorn does it before any command-line
 * option can override it (a `chdir` here must exist where the check runs, as on the server before a
 * release exists: the library puts chdir on the command line instead). One deliberate difference: names
 * gunicorn does not know fail (gunicorn silently ignores them, so a misspelt setting would quietly do nothing). Debian's gunicorn may be older than
 * the one the server installs; a setting only newer versions know fails with that message.
 */
const GUNICORN_CHECK = `
import sys, types
import gunicorn
from gunicorn.app.base import Application
from gunicorn.config import Config

class ConfigCheck(Application):
    def init(self, parser, opts, args):
        return None
    def load(self):
        raise SystemExit("the config check never loads the app")

app = ConfigCheck.__new__(ConfigCheck)
app.usage, app.prog, app.callable, app.logger = None, None, None, None
app.cfg = Config()
names = app.load_config_from_file(sys.argv[1])
unknown = sorted(k for k, v in names.items()
                 if not k.startswith("_") and not isinstance(v, types.ModuleType) and k not in app.cfg.settings)
if unknown:
    print("names gunicorn %s does not know (it ignores them): %s" % (gunicorn.__version__, ", ".join(unknown)))
    sys.exit(1)
for k in sorted(k for k in names if k in app.cfg.settings):
    print("%s = %r" % (k, app.cfg.settings[k].get()))
`;

export function checkGunicornConfig(file: ServerFile): ToolResult {
  return withTempDir("gunicorn", (dir) => {
    const target = join(dir, basename(file.path));
    writeFileSync(target, file.content);
    if (!existsSync("/usr/bin/gunicorn")) return { ok: false, output: `gunicorn is not installed: ${installHint("gunicorn")}` };
    const python = interpreterOf("/usr/bin/gunicorn", "/usr/bin/python3");
    const r = run(python, ["-c", GUNICORN_CHECK, target], { cwd: dir });
    return { ok: r.status === 0, output: r.text.replace(GUNICORN_CHECK, "<gunicorn config check>").replaceAll(target, file.path) };
  });
}

// --- systemd EnvironmentFile -------------------------------------------------------------------------

/**
 * The renderer's EnvironmentFile dialect: comment lines, and `KEY="value"` where the value escapes
 * `"` and `\` (systemd also unescapes \` and \$ inside double quotes). Stricter than systemd (which also
 * takes unquoted, single-quoted and continued values) so every value means exactly one thing.
 */
const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\\n\r]|\\["\\`$])*)"$/;

/** Parses the strict dialect; returns the values and any lines that are not in it. */
export function parseEnvironmentFile(content: string): { values: Map<string, string>; problems: string[] } {
  const values = new Map<string, string>();
  const problems: string[] = [];
  if (!content.endsWith("\n")) problems.push("does not end with a newline");
  content.split("\n").forEach((line, i) => {
    if (line === "" || line.startsWith("#")) return;
    const m = ENV_LINE.exec(line);
    if (!m) {
      problems.push(`line ${i + 1} is not KEY="value" with \\-escaped " and \\: ${JSON.stringify(line)}`);
      return;
    }
    if (values.has(m[1])) problems.push(`line ${i + 1}: ${m[1]} is set twice`);
    values.set(m[1], m[2].replace(/\\(["\\`$])/g, "$1"));
  });
  return { values, problems };
}

/** Decodes one value as the environment.d generator prints it (shell_maybe_quote + C escapes). */
function decodeGeneratorValue(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  const inner = raw.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c !== "\\") {
      bytes.push(...Buffer.from(c, "utf8"));
      continue;
    }
    const n = inner[++i];
    if (n in simple) bytes.push(simple[n]);
    else if (n === "x") {
      bytes.push(parseInt(inner.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      bytes.push(parseInt(inner.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(...Buffer.from(n, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

const ENV_GENERATOR = "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator";

function runEnvironmentGenerator(configHome: string): Ran & { values: Map<string, string> } {
  const r = run(ENV_GENERATOR, [], { env: { XDG_CONFIG_HOME: configHome, XDG_CONFIG_DIRS: join(configHome, "none") } });
  const values = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) values.set(line.slice(0, eq), decodeGeneratorValue(line.slice(eq + 1)));
  }
  return { ...r, values };
}

/**
 * A systemd EnvironmentFile, two ways. 1) The strict dialect above. 2) systemd's own parser: there is
 * no offline way to have PID 1 load an EnvironmentFile, but systemd's environment.d generator reads
 * files with the same parser (parse_env_file) and prints what it got, so the file goes through it and
 * every value must come back as written. environment.d then also expands `$VAR` and drops empty values,
 * which EnvironmentFile= does not do, so those values are compared by the strict parse only.
 */
export function checkEnvironmentFile(file: ServerFile): ToolResult {
  const { values, problems } = parseEnvironmentFile(file.content);
  if (!existsSync(ENV_GENERATOR)) {
    return { ok: false, output: `${ENV_GENERATOR} is missing: ${installHint("systemd")}` };
  }
  return withTempDir("envfile", (dir) => {
    mkdirSync(join(dir, "environment.d"));
    const baseline = runEnvironmentGenerator(dir);
    writeFileSync(join(dir, "environment.d", "zz-checked.conf"), file.content);
    const parsed = runEnvironmentGenerator(dir);
    if (baseline.status !== 0 || parsed.status !== 0) problems.push("the environment.d generator failed");
    for (const [key, value] of values) {
      if (value === "" || value.includes("$")) continue;
      if (!parsed.values.has(key)) problems.push(`systemd's parser does not see ${key}`);
      else if (parsed.values.get(key) !== value) {
        problems.push(`systemd reads ${key} as ${JSON.stringify(parsed.values.get(key))}, not ${JSON.stringify(value)}`);
      }
    }
    for (const key of parsed.values.keys()) {
      if (!values.has(key) && !baseline.values.has(key)) problems.push(`systemd's parser sees ${key}, which the file does not mean to set`);
    }
    return { ok: problems.length === 0, output: [parsed.text.replaceAll(dir, "<dir>"), ...problems].join("\n") };
  });
}

// --- redis ------------------------------------------------------------------------------------------

export const isRedisConf = (f: ServerFile) => /^\/etc\/redis\/[^/]+\.conf$/.test(f.path);

/**
 * redis-server itself loads the config (with its `include`s, e.g. Debian's /etc/redis/redis.conf),
 * started with `--port 0` and no unix socket so it stops right after loading with "Configured to not
 * listen anywhere". A bad directive stops it earlier with "FATAL CONFIG FILE ERROR". `dir` is moved to
 * an empty temporary directory (redis chdirs there while loading; on the server it is on the data volume).
 */
export function checkRedisConf(file: ServerFile): ToolResult {
  return withTempDir("redis", (dir) => {
    mkdirSync(join(dir, "data"));
    const conf = join(dir, basename(file.path));
    writeFileSync(conf, file.content.replace(/^dir\s+.*$/gm, `dir ${join(dir, "data")}`));
    const r = run("redis-server", [conf, "--daemonize", "no", "--supervised", "no", "--port", "0", "--unixsocket", "", "--logfile", "", "--pidfile", ""],
      { timeout: 10_000 });
    if (r.missing) return { ok: false, output: r.text };
    const loaded = /Configuration loaded/.test(r.stdout) && !/FATAL CONFIG/.test(r.text);
    const stopped = /Configured to not listen anywhere/.test(r.stdout);
    return { ok: loaded && stopped, output: r.text.replaceAll(dir, "<tmp>") };
  });
}

// --- sshd, apt, journald ----------------------------------------------------------------------------

/**
 * `sshd -t` with Debian's stock /etc/ssh/sshd_config (its `Include sshd_config.d/*.conf` pointed at the
 * drop-ins), then `sshd -T` for the effective settings (the check's output). Run as `nobody` when
 * root: as root, sshd's test mode also insists on /run/sshd, which only the running service creates.
 */
export function checkSshdConfig(dropIns: ServerFile[]): ToolResult {
  return withTempDir("sshd", (dir) => {
    if (!existsSync("/etc/ssh/sshd_config")) return { ok: false, output: `/etc/ssh/sshd_config is missing: ${installHint("sshd")}` };
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "sshd_config.d"), { mode: 0o755 });
    for (const f of dropIns) writeFileSync(join(dir, "sshd_config.d", basename(f.path)), f.content, { mode: 0o644 });
    const stock = readFileSync("/etc/ssh/sshd_config", "utf8");
    const conf = stock.replace(/^Include \/etc\/ssh\/sshd_config\.d\/\*\.conf$/m, `Include ${dir}/sshd_config.d/*.conf`);
    if (conf === stock) return { ok: false, output: "Debian's sshd_config has no `Include /etc/ssh/sshd_config.d/*.conf` line" };
    writeFileSync(join(dir, "sshd_config"), conf, { mode: 0o644 });
    const key = join(dir, "host_ed25519");
    const keygen = run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    if (keygen.status !== 0) return { ok: false, output: keygen.text };
    const asUser: RunOptions = {};
    if (process.getuid?.() === 0) {
      chownSync(key, 65534, 65534);
      asUser.uid = 65534;
      asUser.gid = 65534;
    }
    const sshd = existsSync("/usr/sbin/sshd") ? "/usr/sbin/sshd" : "sshd";
    const args = ["-f", join(dir, "sshd_config"), "-h", key];
    const test = run(sshd, ["-t", ...args], asUser);
    if (test.status !== 0) return { ok: false, output: test.text.replaceAll(dir, "/etc/ssh") };
    const effective = run(sshd, ["-T", ...args], asUser);
    return { ok: effective.status === 0, output: effective.text.replaceAll(dir, "/etc/ssh") };
  });
}

/**
 * `apt-config dump` with APT_CONFIG pointing apt at a directory holding only these apt.conf.d files
 * (same file name rules as on the server: apt skips names it does not like, with a notice). Any
 * notice, warning or error fails, and every `Key "value";` line must come out of the dump as written.
 */
export function checkAptConf(files: ServerFile[]): ToolResult {
  return withTempDir("apt", (dir) => {
    mkdirSync(join(dir, "apt.conf.d"));
    for (const f of files) writeFileSync(join(dir, "apt.conf.d", basename(f.path)), f.content);
    writeFileSync(join(dir, "apt.conf"), `Dir::Etc::main "${dir}/none.conf";\nDir::Etc::parts "${dir}/apt.conf.d/";\n`);
    const r = run("apt-config", ["dump"], { env: { ...process.env, APT_CONFIG: join(dir, "apt.conf") } });
    const problems: string[] = [];
    if (r.status !== 0 || r.stderr.trim() !== "") problems.push("apt complains");
    const dumped = new Set(r.stdout.split("\n"));
    for (const f of files) {
      for (const line of f.content.split("\n")) {
        const m = /^\s*([A-Za-z0-9:_-]+)\s+"([^"]*)";\s*$/.exec(line);
        if (m && !dumped.has(`${m[1]} "${m[2]}";`)) problems.push(`${f.path}: apt does not read ${m[1]} as "${m[2]}"`);
      }
    }
    // The whole dump is long: show apt's messages and the settings these files touch.
    const prefixes = files.flatMap((f) => [...f.content.matchAll(/^\s*([A-Za-z0-9_-]+::[A-Za-z0-9_-]+)/gm)].map((m) => m[1]));
    const shown = r.stdout.split("\n").filter((l) => prefixes.some((p) => l.startsWith(p)));
    const output = [`$ APT_CONFIG=<dir>/apt.conf apt-config dump   (settings under ${[...new Set(prefixes)].join(", ")})`, ...shown,
      r.stderr.trimEnd(), r.status !== 0 ? `(exit status ${r.status})` : "", ...problems];
    return { ok: problems.length === 0, output: output.filter(Boolean).join("\n").replaceAll(dir, "<dir>") };
  });
}

/**
 * journald.conf drop-ins. journald has no offline check mode, so: sections and key names against the
 * installed systemd-journald's own lookup table (the `Journal.Key` strings in the binary), time spans
 * through `systemd-analyze timespan` and sizes through `journalctl --vacuum-size` on an empty directory
 * (the parsers journald uses for those keys). Other values are not checked.
 */
export function checkJournaldConf(files: ServerFile[]): ToolResult {
  const binary = ["/usr/lib/systemd/systemd-journald", "/lib/systemd/systemd-journald"].find((p) => existsSync(p));
  if (!binary) return { ok: false, output: `systemd-journald is missing: ${installHint("systemd")}` };
  const table = readFileSync(binary);
  const problems: string[] = [];
  const ran: string[] = [];
  return withTempDir("journald", (dir) => {
    for (const f of files) {
      if (!f.path.endsWith(".conf")) problems.push(`${f.path}: journald reads only *.conf drop-ins`);
      let section = "";
      f.content.split("\n").forEach((raw, i) => {
        const line = raw.trim();
        if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
        const s = /^\[(.+)\]$/.exec(line);
        if (s) {
          section = s[1];
          return;
        }
        const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
        if (!kv) {
          problems.push(`${f.path}:${i + 1}: not Key=value: ${line}`);
          return;
        }
        const [, key, value] = kv;
        if (!table.includes(Buffer.from(`\0${section}.${key}\0`))) {
          problems.push(`${f.path}:${i + 1}: systemd-journald knows no ${key}= in [${section}]`);
          return;
        }
        let r: Ran | undefined;
        if (/Sec$/.test(key)) r = run("systemd-analyze", ["timespan", value]);
        else if (/(MaxUse|MaxFileSize|KeepFree)$/.test(key)) r = run("journalctl", ["--quiet", `--directory=${dir}`, `--vacuum-size=${value}`]);
        if (r) {
          ran.push(r.text);
          if (r.status !== 0) problems.push(`${f.path}:${i + 1}: systemd does not parse ${key}=${value}`);
        }
      });
    }
    return { ok: problems.length === 0, output: [...ran, ...problems].join("\n").replaceAll(dir, "<empty dir>") };
  });
}
