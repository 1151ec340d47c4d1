/** systemd: `systemd-analyze verify` on a server's units and drop-ins. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { isExecutable } from "../local";
import { isSystemdDropIn, isSystemdUnit } from "./kinds";
import { findOnPath, layOut, run, withTempDir, type ServerFile, type ToolResult } from "./run";

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
