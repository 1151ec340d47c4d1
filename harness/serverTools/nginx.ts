/** nginx: private copies of Debian's /etc/nginx, rendered sites wired into them, and `nginx -t`. */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { REPLACES_SITE } from "../../provisioning/nginx";
import { installHint } from "../../tools/debianTools";
import { run, withTempDir, type ServerFile, type ToolResult } from "./run";

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
