/**
 * The rendered nginx site run by Debian's real nginx, in front of a stand-in for gunicorn: a Node HTTP
 * server on the app's unix socket that answers with the path and headers it received. What a user relies
 * on, checked from the outside:
 * - the app learns the host, the client's address and the scheme, and nothing a client made up
 *   (forwarding headers from the internet are dropped or overwritten);
 * - behind a load balancer, its X-Forwarded-For / X-Forwarded-Proto are believed only from its network;
 * - requests for other host names never reach the app, except `/healthz` (the load balancer's check,
 *   sent to the app's health path);
 * - static files come from nginx with cache headers, never from the app; uploads over the limit stop at nginx;
 * - the app's requests land in their own access log within the buffer's flush time, and none is lost
 *   when nginx stops.
 *
 * Runs as root (nginx's `user www-data`, as on the server) or as any user (the copy then drops `user`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort } from "../harness/local";
import { copyNginxConfig, installNginxSites, wireNginxSite } from "../harness/serverTools";
import { buildAppSpec, renderNginxSite } from "../provisioning";
import { NGINX_LOG_FIELDS, nginxLogEntry } from "../provisioning/nginx";
import { appPaths, type AppSpec, type WebSpec } from "../provisioning/types";
import { loadSettings } from "../settings";

jest.setTimeout(60_000);

const APP = "shop";
const DOMAIN = "shop.example.com";
const HEALTH_PATH = "/up";
const CSS = ".btn { color: #1f2933; }\n";

interface Echo {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const settings = loadSettings({
  appRepo: "https://example.invalid/shop.git",
  appName: APP,
  framework: "flask",
  wsgiApp: "app:app",
  healthCheckPath: HEALTH_PATH,
  adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 test@example"],
  adminCidrs: ["203.0.113.7/32"],
});
const spec: AppSpec = buildAppSpec(settings.app, settings.web.gunicorn.version, { hostNames: [DOMAIN], https: false });
/** As components/webTier.ts builds it, with a 1 MB upload limit. */
const web = (trustedProxies: string[]): WebSpec => ({ serverNames: [DOMAIN], maxUploadMb: 1, gunicorn: settings.web.gunicorn, trustedProxies });

/** One nginx with one rendered site, and the stand-in app on the site's unix socket. */
class Site {
  readonly dir = mkdtempSync(join(tmpdir(), "fullstack-nginx-proxy-"));
  port = 0;
  private nginx?: ChildProcess;
  private app?: http.Server;
  private nginxOutput = "";
  /** Every request the app received, with the size of its body. */
  readonly received: (Echo & { bytes: number })[] = [];

  constructor(private readonly web: WebSpec) {}

  get appLog(): string {
    return join(this.dir, `var/log/nginx/${APP}.access.log`);
  }

  get debianLog(): string {
    return join(this.dir, "var/log/nginx/access.log");
  }

  async start(): Promise<void> {
    chmodSync(this.dir, 0o755); // nginx's workers (www-data when run as root) walk into it
    const p = appPaths(APP);
    const copy = copyNginxConfig(this.dir);
    if (!("prefix" in copy)) throw new Error(copy.output);

    // The release's static files, where the rendered site looks for them (Flask: <release>/<staticDir>).
    const staticDir = join(this.dir, p.current, spec.staticDir);
    mkdirSync(staticDir, { recursive: true });
    for (let d = staticDir; d !== this.dir; d = dirname(d)) chmodSync(d, 0o755);
    writeFileSync(join(staticDir, "app.css"), CSS);
    // Hidden files nginx must never serve, had a release put them there.
    mkdirSync(join(staticDir, ".git"), { mode: 0o755 });
    writeFileSync(join(staticDir, ".git", "config"), "[remote \"origin\"]\n\turl = https://user:token@example.com/shop.git\n");
    writeFileSync(join(staticDir, ".env"), "SECRET_KEY=not-for-the-world\n");
    const media = join(this.dir, p.mediaRoot);
    mkdirSync(media, { recursive: true });
    for (let d = media; d !== this.dir; d = dirname(d)) chmodSync(d, 0o755);
    writeFileSync(join(media, ".htaccess"), "deny from all\n");
    writeFileSync(join(media, "photo.txt"), "a photo\n");

    // gunicorn's stand-in on the socket the site proxies to.
    const socket = join(this.dir, p.socket);
    mkdirSync(dirname(socket), { recursive: true, mode: 0o755 });
    this.app = http.createServer((req, res) => {
      let bytes = 0;
      req.on("data", (c: Buffer) => (bytes += c.length));
      req.on("end", () => {
        const echo: Echo = { method: req.method ?? "", path: req.url ?? "", headers: req.headers };
        this.received.push({ ...echo, bytes });
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(echo));
      });
    });
    await new Promise<void>((done) => this.app!.listen(socket, done));
    chmodSync(socket, 0o666);

    this.port = await freePort();
    const site = wireNginxSite(renderNginxSite(spec, this.web), { dir: this.dir, port: this.port, appRoot: p.root });
    installNginxSites(this.dir, [{ path: `/etc/nginx/sites-available/${APP}.conf`, content: site }]);
    this.nginx = spawn("nginx", ["-e", "stderr", "-p", `${copy.prefix}/`, "-c", join(copy.prefix, "nginx.conf"), "-g", "daemon off;"],
      { stdio: ["ignore", "pipe", "pipe"] });
    for (const out of [this.nginx.stdout!, this.nginx.stderr!]) out.on("data", (c: Buffer) => (this.nginxOutput += c.toString()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.nginx.exitCode !== null) throw new Error(`nginx exited:\n${this.nginxOutput}`);
      const up = await this.request("/static/app.css").then(() => true, () => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error(`nginx did not answer within 10 s:\n${this.nginxOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  request(path: string, opts: { headers?: Record<string, string>; method?: string; body?: Buffer } = {}): Promise<Reply> {
    return new Promise((done, fail) => {
      const req = http.request({
        host: "127.0.0.1", port: this.port, path, method: opts.method ?? "GET", agent: false, timeout: 5000,
        headers: { Host: DOMAIN, ...opts.headers },
      }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", fail);
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", fail);
      req.end(opts.body);
    });
  }

  /**
   * The status line nginx answers a request whose headers announce `declared` body bytes, of which only
   * `sent` are sent: nginx judges the size from Content-Length before reading the body.
   */
  statusForUpload(declared: number, sent: number): Promise<string> {
    return new Promise((done, fail) => {
      const socket = connect(this.port, "127.0.0.1");
      let answer = "";
      socket.setTimeout(5000, () => socket.destroy(new Error("timeout")));
      socket.on("error", fail);
      socket.on("data", (c: Buffer) => {
        answer += c.toString("latin1");
        if (answer.includes("\r\n")) {
          socket.destroy();
          done(answer.split("\r\n")[0]);
        }
      });
      socket.write(`POST /upload HTTP/1.1\r\nHost: ${DOMAIN}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${declared}\r\n\r\n`);
      socket.write(Buffer.alloc(sent, 1));
    });
  }

  /** What the app received for `path` (the reply must come from the app). */
  async echo(path: string, headers: Record<string, string> = {}): Promise<Echo> {
    const reply = await this.request(path, { headers });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json");
    return JSON.parse(reply.body) as Echo;
  }

  /** Graceful stop (SIGQUIT, as `systemctl stop nginx`), then the app. */
  async stop(): Promise<void> {
    const nginx = this.nginx;
    if (nginx && nginx.exitCode === null) {
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise((r) => nginx.once("exit", r));
      nginx.kill("SIGQUIT");
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      if (nginx.exitCode === null) nginx.kill("SIGKILL");
    }
    const app = this.app;
    this.app = undefined;
    await new Promise<void>((done) => (app ? app.close(() => done()) : done()));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Forwarding headers a client on the internet might send to pose as someone else. */
const SPOOFED = {
  "X-Forwarded-For": "198.51.100.66",
  "X-Forwarded-Proto": "https",
  "X-Forwarded-Host": "evil.example",
  "X-Forwarded-Port": "443",
  "X-Forwarded-Prefix": "/admin",
  "X-Real-IP": "198.51.100.66",
  Forwarded: "for=198.51.100.66;proto=https;host=evil.example",
};

const FORWARDING = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-forwarded-prefix", "x-real-ip", "forwarded"];

function forwarding(echo: Echo): Record<string, unknown> {
  return Object.fromEntries(FORWARDING.filter((h) => h in echo.headers).map((h) => [h, echo.headers[h]]));
}

async function logLines(file: string, match: string, atLeast: number, withinMs: number): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l.includes(match)) : [];
    if (lines.length >= atLeast || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("nginx in front of the app: the rendered site on real nginx", () => {
  describe("a server on the internet (no load balancer to trust)", () => {
    const site = new Site(web([]));
    beforeAll(() => site.start());
    afterAll(async () => {
      await site.stop();
      site.remove();
    });

    test("the app gets the host, the client's address and the scheme, and nothing a client made up", async () => {
      const honest = await site.echo("/orders?page=2");
      expect(honest.path).toBe("/orders?page=2");
      expect(honest.headers.host).toBe(DOMAIN);
      expect(forwarding(honest)).toEqual({ "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http" });

      const spoofed = await site.echo("/orders", SPOOFED);
      expect(forwarding(spoofed)).toEqual({ "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http" });
    });

    test("requests for other host names never reach the app; /healthz does, on the app's health path", async () => {
      await expect(site.request("/", { headers: { Host: "evil.example" } })).rejects.toThrow(/socket hang up|ECONNRESET/);
      await expect(site.request("/orders", { headers: { Host: "10.0.0.5" } })).rejects.toThrow(/socket hang up|ECONNRESET/);
      const check = await site.echo("/healthz", { Host: "10.0.0.5" });
      expect(check.path).toBe(HEALTH_PATH);
      expect(check.headers.host).toBe("localhost");
      expect(forwarding(check)).toEqual({ "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http" });
    });

    test("static files come from nginx with cache headers; a missing one is nginx's 404, not the app's", async () => {
      const css = await site.request("/static/app.css");
      expect(css.status).toBe(200);
      expect(css.body).toBe(CSS);
      expect(css.headers["cache-control"]).toBe("public, max-age=2592000");
      expect(css.headers["x-content-type-options"]).toBe("nosniff");
      const missing = await site.request("/static/missing.css");
      expect(missing.status).toBe(404);
      expect(missing.headers["content-type"]).not.toBe("application/json");
    });

    test("no hidden file is served from /static/ or /media/ (.git, .env), while other files are", async () => {
      for (const path of ["/static/.git/config", "/static/.env", "/static/.git/", "/media/.htaccess", "/static/%2Egit/config"]) {
        const r = await site.request(path);
        expect(`${path} ${r.status}`).toBe(`${path} 404`);
        expect(r.body).not.toMatch(/token|SECRET_KEY|deny from/);
      }
      expect((await site.request("/media/photo.txt")).status).toBe(200);
    });

    test("an upload over maxUploadMb stops at nginx (413) and never reaches the app", async () => {
      const small = await site.request("/upload", { method: "POST", body: Buffer.alloc(512 * 1024, 1) });
      expect(small.status).toBe(200);
      expect(await site.statusForUpload(2 * 1024 * 1024, 64 * 1024)).toBe("HTTP/1.1 413 Request Entity Too Large");
      expect(site.received.filter((r) => r.path === "/upload").map((r) => r.bytes)).toEqual([512 * 1024]);
    });

    test("the app's requests reach its own access log within the flush time, and none is lost at stop", async () => {
      const marker = `/logged-${Date.now()}`;
      await site.echo(`${marker}-first`);
      // Flushed by the 5 s timer while nginx runs (a buffer holds it until then).
      const first = await logLines(site.appLog, nginxLogEntry({ method: "GET", uri: `${marker}-first`, status: 200 }), 1, 8_000);
      expect(first).toHaveLength(1);
      // One JSON object per line: the client, the whole request's time and the app's part of it.
      const entry = JSON.parse(first[0]) as Record<string, unknown>;
      expect(Object.keys(entry)).toEqual(NGINX_LOG_FIELDS.map((f) => f.field));
      expect(entry).toMatchObject({ remote_addr: "127.0.0.1", method: "GET", uri: `${marker}-first`, status: 200, upstream_status: "200", host: "shop.example.com" });
      expect(typeof entry.request_time).toBe("number");
      expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
      // Both in seconds with millisecond resolution (nginx reads its clocks separately: either may be the larger by 0.001).
      expect(entry.request_time as number).toBeGreaterThanOrEqual(0);
      expect(entry.upstream_response_time).toMatch(/^\d+\.\d{3}$/);
      expect(entry.request_id).toMatch(/^[0-9a-f]{32}$/);

      const oddAgent = 'say "hi" \\ there';
      for (let i = 0; i < 20; i++) await site.echo(`${marker}-${i}`, i === 7 ? { "User-Agent": oddAgent } : {});
      await expect(site.request("/", { headers: { Host: "evil.example" } })).rejects.toThrow();
      await site.stop();
      const all = (await logLines(site.appLog, `"uri":"${marker}-`, 21, 0)).filter((l) => !l.includes(`${marker}-first`));
      expect(all).toHaveLength(20);
      // A user agent with quotes and a backslash stays one valid line.
      const entries = all.map((l) => JSON.parse(l) as { status: number; uri: string; user_agent: string });
      expect(entries.map((e) => e.status)).toEqual(Array(20).fill(200));
      expect(entries.find((e) => e.uri === `${marker}-7`)?.user_agent).toBe(oddAgent);
      // Dropped requests for other host names stay out of the app's log; Debian's default log has them.
      expect(readFileSync(site.appLog, "utf8")).not.toMatch(/"status":444/);
      expect(readFileSync(site.debianLog, "utf8")).toMatch(/"GET \/ HTTP\/1\.1" 444 /);
    });
  });

  describe("a server behind a load balancer (its network trusted)", () => {
    const site = new Site(web(["127.0.0.0/8"]));
    beforeAll(() => site.start());
    afterAll(async () => {
      await site.stop();
      site.remove();
    });

    test("the load balancer's client address and scheme reach the app and the log", async () => {
      const echo = await site.echo("/checkout", { "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https" });
      expect(forwarding(echo)).toEqual({ "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https" });
      const plain = await site.echo("/checkout", { "X-Forwarded-Proto": "http" });
      expect(forwarding(plain)).toEqual({ "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http" });
      // Only the two the load balancer sets are believed; the rest are still dropped.
      const spoofed = await site.echo("/checkout", { ...SPOOFED, "X-Forwarded-For": "203.0.113.8", "X-Forwarded-Proto": "https" });
      expect(forwarding(spoofed)).toEqual({ "x-forwarded-for": "203.0.113.8", "x-forwarded-proto": "https" });
      await site.stop();
      const lines = await logLines(site.appLog, nginxLogEntry({ method: "GET", uri: "/checkout", status: 200 }), 3, 0);
      // Each nginx worker has its own buffer, so lines from different workers may come out of order.
      expect(lines.map((l) => (JSON.parse(l) as { remote_addr: string }).remote_addr).sort()).toEqual(["127.0.0.1", "203.0.113.7", "203.0.113.8"]);
    });
  });
});
