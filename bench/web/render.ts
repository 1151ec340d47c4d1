/** The rendered nginx site and gunicorn config, their wiring for this machine, the floors and the ablations. */
import { NGINX_IPV6_DROPPED, relocateNginxPaths } from "../../harness/serverTools";
import { buildAppSpec, renderGunicornConfig, renderNginxSite } from "../../provisioning";
import { appPaths, type AppSpec, type WebSpec } from "../../provisioning/types";
import { loadSettings } from "../../settings";
import { APP_NAME, Failure } from "./config";

export interface Rendered {
  app: AppSpec;
  web: WebSpec;
  site: string;
  gunicornConf: string;
}

/** The library's defaults for a flask-style app (a plain WSGI callable) with no domain and no load balancer. */
export function render(): Rendered {
  const settings = loadSettings({
    appRepo: "https://example.invalid/bench.git",
    appName: APP_NAME,
    framework: "flask",
    wsgiApp: "app:application",
    adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 bench@example"],
  });
  const app = buildAppSpec(settings.app, settings.web.gunicorn.version, { hostNames: [], https: false });
  // As components/webTier.ts builds it for one server without a domain (no load balancer to trust).
  const web: WebSpec = { serverNames: [], maxUploadMb: settings.web.maxUploadMb, gunicorn: settings.web.gunicorn, trustedProxies: [] };
  return { app, web, site: renderNginxSite(app, web), gunicornConf: renderGunicornConfig(app, web) };
}

/**
 * Server paths moved under the temporary root by putting the root in front; nothing else: the app's
 * directory, and nginx's (/etc/nginx/, /var/log/nginx/, /run/, which holds the app's socket directory)
 * as the harness moves them in its copy of /etc/nginx.
 */
export function relocate(text: string, root: string): string {
  const p = appPaths(APP_NAME);
  return relocateNginxPaths(text.replaceAll(p.root, `${root}${p.root}`), root);
}


/**
 * Proof that `wired` is `original` with only the wiring changed: same lines, and each changed line is a
 * path substitution or a listen line. Returns how many lines changed.
 */
export function assertOnlyWiring(what: string, original: string, wired: string, root: string): number {
  const a = original.split("\n");
  const b = wired.split("\n");
  if (a.length !== b.length) throw new Failure(`${what}: the wiring changed the line count`);
  let changed = 0;
  a.forEach((line, i) => {
    if (line === b[i]) return;
    changed++;
    const pathOnly = b[i].replaceAll(root, "") === line;
    const listen = /^\s*listen /.test(line) && (/^\s*listen 127\.0\.0\.1:\d+( default_server)?;$/.test(b[i]) || b[i].trim() === NGINX_IPV6_DROPPED);
    if (!pathOnly && !listen) throw new Failure(`${what}: line ${i + 1} changed beyond wiring:\n- ${line}\n+ ${b[i]}`);
  });
  return changed;
}

/** Floor servers in the same nginx (same nginx.conf, same workers): the cheapest answer and a plain static location. */
export function floorServers(port: number, staticRoot: string): string {
  return [
    "# Benchmark floors, not rendered by the library.",
    "server {",
    `    listen 127.0.0.1:${port} default_server;`,
    "    server_name _;",
    "    # nginx's cheapest answer.",
    "    location = /return200 {",
    "        access_log off;",
    "        return 200;",
    "    }",
    "    # A static location as one writes it without tuning; everything else is Debian's nginx.conf.",
    "    location /static/ {",
    `        alias ${staticRoot}/;`,
    "    }",
    "}",
    "",
  ].join("\n");
}

/**
 * Ablations, to show which rendered settings matter: the rendered site's servers again on their own
 * port, with one directive (or nested block) of the `/static/` location, or of the app's server, left
 * out. Mechanical edits of the rendered text, never a hand-written location; measured next to the
 * rendering, never used for the targets.
 */
interface Variant {
  id: string;
  /** The setting that is left out, as the results name it. */
  setting: string;
  /**
   * What is measured: the static file (compared with the `return 200` floor; the line is looked for in
   * the `/static/` location) or the app's `/` (compared with gunicorn alone; looked for in the servers).
   */
  kind: "static" | "proxy";
  /** The first matching line is dropped (with its block, if it opens one). */
  drop: RegExp;
}

export const VARIANTS: Variant[] = [
  { id: "sendfile", setting: "`sendfile off`", kind: "static", drop: /^\s*sendfile off;$/ },
  { id: "ofc", setting: "`open_file_cache`", kind: "static", drop: /^\s*open_file_cache\s/ },
  { id: "logged", setting: "`access_log off`", kind: "static", drop: /^\s*access_log off;$/ },
  { id: "logbuf", setting: "the buffered access log", kind: "proxy", drop: /^\s*access_log \S+ \S+ buffer=/ },
];

/** The case each kind of ablation measures, and the case it is compared with. */
export const VARIANT_KIND = {
  static: { path: "/static/app.css", what: "rendered `/static/`", den: "return200", denTitle: "`return 200` floor" },
  proxy: { path: "/", what: "nginx → gunicorn", den: "gunicorn", denTitle: "gunicorn alone" },
} as const;

export function variantSite(wiredSite: string, sitePort: number, port: number, v: Variant): string {
  const lines = wiredSite.split("\n");
  const first = lines.findIndex((line) => /^server \{$/.test(line));
  const servers = lines.slice(first).map((line) => line.replace(`listen 127.0.0.1:${sitePort}`, `listen 127.0.0.1:${port}`));
  const indent = (line: string) => line.length - line.trimStart().length;
  const start = v.kind === "static" ? servers.findIndex((line) => /^\s*location \/static\/ \{$/.test(line)) : -1;
  const end = v.kind === "static"
    ? servers.findIndex((line, i) => i > start && line.trim() === "}" && indent(line) === indent(servers[start]))
    : servers.length;
  const at = servers.findIndex((line, i) => i > start && i < end && v.drop.test(line));
  if ((v.kind === "static" && start < 0) || end < 0 || at < 0) {
    throw new Failure(`ablation ${v.id}: the rendered ${v.kind === "static" ? "/static/ location" : "servers have"} no line matching ${v.drop}`);
  }
  let last = at;
  if (servers[at].trimEnd().endsWith("{")) {
    while (last < end && !(servers[last].trim() === "}" && indent(servers[last]) === indent(servers[at]))) last++;
  }
  servers.splice(at, last - at + 1);
  return [`# Ablation "${v.id}": the rendered servers without ${v.setting}.`, ...servers].join("\n");
}

