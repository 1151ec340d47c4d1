/** The temporary server layout, the servers started in it, and the checks of what they answer. */
import type { ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { freePort } from "../../harness/local";
import { checkNginxSite, copyNginxConfig, installNginxSites, wireNginxSite, type ServerFile } from "../../harness/serverTools";
import { appPaths } from "../../provisioning/types";
import { APP_NAME, APP_SOURCE, Failure, HEADERS, HOST, sleep, STATIC_BYTES } from "./config";
import { rememberTempRoot, sh, start } from "./processes";
import { assertOnlyWiring, floorServers, relocate, variantSite, VARIANTS, type Rendered } from "./render";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = HEADERS): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = http.request({ host: "127.0.0.1", port, path, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", fail);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", fail);
    req.end();
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, proc?: ChildProcess, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) break;
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  const tail = logFile && existsSync(logFile) ? `\n${readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n")}` : "";
  throw new Failure(`${what} did not come up${tail}`);
}

function expect(cond: boolean, what: string, reply?: Reply): void {
  if (!cond) {
    const shown = reply ? ` (status ${reply.status}, headers ${JSON.stringify(reply.headers)}, ${reply.body.length} bytes)` : "";
    throw new Failure(`check failed: ${what}${shown}`);
  }
}


export interface Case {
  id: string;
  title: string;
  port: number;
  path: string;
  /** Request headers, when not HEADERS. */
  headers?: Record<string, string>;
}

/**
 * The proxy headers an earlier rendering sent on top of the two every case sends (X-Real-IP and
 * X-Forwarded-Host only repeated X-Forwarded-For and Host): sent to gunicorn alone, they show what each
 * header costs its parser.
 */
export const PROXY_HEADERS: Record<string, string> = {
  ...HEADERS, "X-Real-IP": "127.0.0.1", "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "http", "X-Forwarded-Host": HOST,
};

export interface Layout {
  root: string;
  staticRoot: string;
  /** The gunicorn behind nginx (unix socket) and the one measured alone (TCP). */
  gunicornLogs: { socket: string; alone: string };
  nginxLog: string;
  sitePort: number;
  floorPort: number;
  gunicornPort: number;
  /** Ablation id → its port. */
  variantPorts: Map<string, number>;
  gzBytes: number;
  workers: number;
  wiredSite: string;
  wiredConf: string;
  changedLines: { site: number; conf: number };
}

/** A stylesheet of exactly `bytes` bytes, deterministic, compressible like real CSS. */
export function stylesheet(bytes: number): Buffer {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const props = ["margin", "padding", "color", "background-color", "border-radius", "font-size", "line-height", "width", "max-width", "display"];
  const values = ["0", "auto", "1rem", "0.5rem 1rem", "#1f2933", "#f5f7fa", "4px", "1.5", "100%", "flex", "block", "none", "2px solid #cbd2d9"];
  let css = "/* bench stylesheet */\n";
  for (let i = 0; css.length < bytes; i++) {
    const decls = Array.from({ length: 2 + rand(4) }, () => `  ${props[rand(props.length)]}: ${values[rand(values.length)]};`);
    css += `.c${i.toString(36)}-${["btn", "card", "nav", "grid", "form"][rand(5)]} {\n${decls.join("\n")}\n}\n`;
  }
  return Buffer.from(css.slice(0, bytes - 1) + "\n");
}

export async function setUp(r: Rendered): Promise<Layout> {
  // A short name: nginx hashes the full path of every file it serves, so a long root would cost a little.
  const root = mkdtempSync(join(tmpdir(), "fsweb-"));
  rememberTempRoot(root);
  chmodSync(root, 0o755); // nginx's workers (www-data) and gunicorn (nobody) walk into it
  const p = appPaths(APP_NAME);
  const at = (serverPath: string) => join(root, serverPath);
  const [sitePort, floorPort, gunicornPort] = [await freePort(), await freePort(), await freePort()];
  const variantPorts = new Map<string, number>();
  for (const v of VARIANTS) variantPorts.set(v.id, await freePort());

  // The release: the app, its static files (with the .gz a collectstatic-style pipeline leaves), media.
  const current = at(p.current);
  const staticRoot = r.app.framework === "django" ? at(p.staticRoot) : join(current, r.app.staticDir);
  for (const d of [current, staticRoot, at(p.mediaRoot), at(dirname(p.socket)), at(p.etc), join(root, "log")]) mkdirSync(d, { recursive: true, mode: 0o755 });
  for (let d = current; d.startsWith(root) && d !== root; d = dirname(d)) chmodSync(d, 0o755);
  writeFileSync(join(current, "app.py"), readFileSync(APP_SOURCE));
  const css = stylesheet(STATIC_BYTES);
  const gz = gzipSync(css, { level: 9 });
  writeFileSync(join(staticRoot, "app.css"), css);
  writeFileSync(join(staticRoot, "app.css.gz"), gz);
  writeFileSync(join(staticRoot, "nogz.css"), css);

  // gunicorn: the rendered config, with the server paths moved; its socket directory belongs to the app's user.
  const wiredConf = relocate(r.gunicornConf, root);
  const confChanged = assertOnlyWiring("gunicorn.conf.py", r.gunicornConf, wiredConf, root);
  writeFileSync(at(p.gunicornConf), wiredConf);
  chownSync(at(dirname(p.socket)), 65534, 65534);

  // nginx: the rendered site in a copy of Debian's /etc/nginx (made as checkNginxSite makes its copy), plus the floors.
  const copy = copyNginxConfig(root);
  if (!("prefix" in copy)) throw new Failure(copy.output);
  const wiredSite = wireNginxSite(r.site, { dir: root, port: sitePort, appRoot: p.root });
  const siteChanged = assertOnlyWiring("nginx site", r.site, wiredSite, root);
  const extra: ServerFile[] = [
    { path: "/etc/nginx/conf.d/bench-floors.conf", content: floorServers(floorPort, staticRoot) },
    ...VARIANTS.map((v) => ({ path: `/etc/nginx/conf.d/bench-ablation-${v.id}.conf`, content: variantSite(wiredSite, sitePort, variantPorts.get(v.id)!, v) })),
  ];
  const checked = checkNginxSite([{ path: `/etc/nginx/sites-available/${APP_NAME}.conf`, content: wiredSite }, ...extra]);
  if (!checked.ok) throw new Failure(`nginx -t rejects the wired configuration:\n${checked.output}`);
  installNginxSites(root, [{ path: `/etc/nginx/sites-available/${APP_NAME}.conf`, content: wiredSite }, ...extra]);

  const workersPy = sh("/usr/bin/python3", ["-c", `exec(open(${JSON.stringify(at(p.gunicornConf))}).read()); print(workers)`]);
  return {
    root, staticRoot, sitePort, floorPort, gunicornPort, variantPorts, gzBytes: gz.length, wiredSite, wiredConf,
    gunicornLogs: { socket: join(root, "log", "gunicorn-socket.log"), alone: join(root, "log", "gunicorn-alone.log") }, nginxLog: join(root, "log", "nginx.log"),
    workers: Number(workersPy.out.trim()), changedLines: { site: siteChanged, conf: confChanged },
  };
}

export async function startServers(r: Rendered, l: Layout): Promise<void> {
  const p = appPaths(APP_NAME);
  const socket = join(l.root, p.socket);
  // gunicorn as on the server: the rendered config, the app's environment, an unprivileged user (nobody
  // here, the app's user there), stdout/stderr to a file (journald there). Two masters from the same
  // config, each with the one listener a server's gunicorn has (systemd's socket): the unix socket nginx
  // uses, and 127.0.0.1 for the "gunicorn alone" baseline. Only one of them is under load at a time.
  const env: NodeJS.ProcessEnv = { PATH: "/usr/local/bin:/usr/bin:/bin", LANG: "C.UTF-8" };
  for (const [k, v] of Object.entries(r.app.environment)) env[k] = relocate(v, l.root);
  const conf = join(l.root, p.gunicornConf);
  const alone = start("/usr/bin/gunicorn", ["--config", conf, "--bind", `127.0.0.1:${l.gunicornPort}`],
    { env, logFile: l.gunicornLogs.alone, uid: 65534, gid: 65534 });
  await waitFor("gunicorn (alone)", async () => (await get(l.gunicornPort, r.app.healthCheckPath)).status === 200, 30_000, alone, l.gunicornLogs.alone);
  const behind = start("/usr/bin/gunicorn", ["--config", conf, "--bind", `unix:${socket}`], { env, logFile: l.gunicornLogs.socket, uid: 65534, gid: 65534 });
  await waitFor("gunicorn (unix socket)", async () => existsSync(socket) && /Booting worker/.test(readFileSync(l.gunicornLogs.socket, "utf8")), 30_000, behind, l.gunicornLogs.socket);
  // What the socket unit sets on the server: SocketUser/SocketGroup=www-data, SocketMode=0600.
  const wwwData = readFileSync("/etc/passwd", "utf8").split("\n").map((line) => line.split(":")).find((f) => f[0] === "www-data");
  if (!wwwData) throw new Failure("no www-data user (nginx's package creates it)");
  chownSync(socket, Number(wwwData[2]), Number(wwwData[3]));
  chmodSync(socket, 0o600);

  const prefix = join(l.root, "etc", "nginx");
  const nginx = start("nginx", ["-p", `${prefix}/`, "-c", join(prefix, "nginx.conf"), "-g", "daemon off;"], { logFile: l.nginxLog });
  await waitFor("nginx", async () => (await get(l.floorPort, "/return200")).status === 200, 15_000, nginx, l.nginxLog);
}

/** The servers answer what they should before anything is measured. */
export async function checkAnswers(l: Layout): Promise<void> {
  const hello = readFileSync(APP_SOURCE, "utf8").match(/HELLO = b"(.+)\\n"/)?.[1];
  if (!hello) throw new Failure("bench/app.py has no HELLO body to look for");
  let a = await get(l.gunicornPort, "/");
  expect(a.status === 200 && a.body.toString().startsWith(hello), "gunicorn alone answers / with the app's body", a);
  a = await get(l.sitePort, "/");
  expect(a.status === 200 && a.body.toString().startsWith(hello), "nginx → gunicorn answers / with the app's body", a);
  expect(a.headers["x-content-type-options"] === "nosniff", "nginx adds its security headers to app responses", a);
  a = await get(l.sitePort, "/healthz");
  expect(a.status === 200, "/healthz through nginx", a);
  a = await get(l.sitePort, "/static/app.css");
  expect(a.status === 200 && a.headers["content-encoding"] === "gzip" && a.body.length === l.gzBytes,
    "the rendered /static/ serves the pre-gzipped .gz to a gzip client", a);
  expect(/public/.test(String(a.headers["cache-control"])) && a.headers["x-content-type-options"] === "nosniff",
    "the rendered /static/ sends cache and security headers", a);
  a = await get(l.sitePort, "/static/app.css", { Host: HOST });
  expect(a.status === 200 && a.body.length === STATIC_BYTES && a.headers["content-encoding"] === undefined,
    "the rendered /static/ serves the plain file to a client without gzip", a);
  a = await get(l.sitePort, "/static/nogz.css");
  expect(a.status === 200 && a.headers["content-encoding"] === "gzip", "without a .gz, the rendered /static/ gzips per request", a);
  a = await get(l.floorPort, "/return200");
  expect(a.status === 200, "the return-200 floor", a);
  a = await get(l.floorPort, "/static/app.css");
  expect(a.status === 200 && a.body.length === STATIC_BYTES, "the plain static floor serves the file (uncompressed: text/css is not in Debian's gzip_types)", a);
  for (const v of VARIANTS) {
    const port = l.variantPorts.get(v.id)!;
    if (v.kind === "static") {
      a = await get(port, "/static/app.css");
      expect(a.status === 200 && a.headers["content-encoding"] === "gzip" && a.body.length === l.gzBytes, `ablation ${v.id} serves the .gz`, a);
    } else {
      a = await get(port, "/");
      expect(a.status === 200 && a.body.toString().startsWith(hello), `ablation ${v.id} answers / through gunicorn`, a);
    }
  }
  // Unknown host names get no answer at all (444): the connection is closed.
  const dropped = await get(l.sitePort, "/", { Host: "attacker.example" }).then(() => false, () => true);
  expect(dropped, "the default server drops requests for unknown host names (444)");
}

