/** Scripts: shellcheck on shell, py_compile on Python, gunicorn's own loader on its config. */
import { existsSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { installHint } from "../../tools/debianTools";
import { isShellSettings } from "./kinds";
import { interpreterOf, layOut, run, withTempDir, type Ran, type ServerFile, type ToolResult } from "./run";

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
