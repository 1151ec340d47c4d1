/** Configuration files checked by the program that reads them: postgresql-common, sudo, redis, sshd, apt, journald, rsyslog. */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { installHint } from "../../tools/debianTools";
import { run, withTempDir, type Ran, type RunOptions, type ServerFile, type ToolResult } from "./run";

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

// --- redis ------------------------------------------------------------------------------------------

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

// --- rsyslog ----------------------------------------------------------------------------------------

/**
 * rsyslogd's own config check (`rsyslogd -N1`, every module loaded and every parameter read) on a drop-in
 * included as Debian's rsyslog.conf includes /etc/rsyslog.d/*.conf, after imuxsock is loaded. Its warnings
 * count as failures too (an unknown parameter is only a warning to rsyslog, and silently ignored).
 */
export function checkRsyslogConf(file: ServerFile): ToolResult {
  return withTempDir("rsyslog", (dir) => {
    const dropIn = join(dir, basename(file.path));
    writeFileSync(dropIn, file.content);
    writeFileSync(join(dir, "rsyslog.conf"), [
      'module(load="imuxsock" SysSock.Use="off")', `global(workDirectory="${dir}")`, `include(file="${dropIn}")`, "",
    ].join("\n"));
    const r = run("rsyslogd", ["-N1", "-f", join(dir, "rsyslog.conf")]);
    const complaints = r.text.split("\n").filter((l) => /^rsyslogd: /.test(l) && !/version .*config validation run|End of config validation run/.test(l));
    return { ok: r.status === 0 && complaints.length === 0, output: r.text.replaceAll(dropIn, file.path) };
  });
}
