/**
 * HTTPS on one box, for real, on loopback: the rendered nginx sites on Debian's nginx, the rendered issue
 * script and deploy hook running Debian's certbot against Pebble (Let's Encrypt's ACME test server,
 * RFC 8555), which validates the HTTP-01 challenge by fetching the token from that nginx. Pebble finds
 * the test domain through a small DNS server here (it answers A records with the address a test
 * chooses), so validation is real: a wrong answer fails it.
 *
 * What a user relies on, checked from the outside:
 * - before a certificate exists the site serves the app over HTTP, and the ACME challenge path;
 * - a failed issuance (DNS pointing elsewhere) exits non-zero with certbot's own error and leaves nginx
 *   serving HTTP; so does an HTTPS site nginx refuses (the deploy hook puts the HTTP site back);
 * - a successful one gets a certificate from the CA for the domain, and the deploy hook switches nginx to
 *   the HTTPS site: HTTPS with that certificate (HSTS, the app told the scheme is https), HTTP answering
 *   301 to HTTPS except the challenges and /healthz; TLS for other names is refused;
 * - running the issue script again (its retry timer) changes nothing;
 * - `certbot renew` with what the first run stored (CA, webroot, hook) renews and reloads nginx: the
 *   certificate nginx serves changes.
 *
 * The steps build on each other and run in order. certbot runs with its directories under a temporary
 * directory (the scripts' paths are moved there, as the nginx sites' are), so nothing on this machine
 * changes. Needs root (nginx's `user www-data`, as `npm test` runs); pebble, certbot and openssl come from
 * tools/debianTools.ts: a missing one fails the test.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as tls from "node:tls";
import { parse } from "yaml";
import { TestAcme } from "../harness/acme";
import { freePort } from "../harness/local";
import { copyNginxConfig, installNginxSites, relocateServerPaths, wireNginxSite, type ServerFile } from "../harness/serverTools";
import {
  buildAppSpec, certificatePaths, HSTS_MAX_AGE_SECONDS, nginxSitePaths, renderServerFiles, TLS_DEPLOY_HOOK, TLS_ISSUE_SCRIPT,
  appPaths, type WebSpec,
} from "../provisioning";
import { ACME_WEBROOT, LETSENCRYPT_DIR } from "../provisioning/nginx";
import { loadSettings } from "../settings";
import { installHint } from "../tools/debianTools";

jest.setTimeout(60_000);

const APP = "shop";
const DOMAIN = "shop.example.com";
const CSS = ".btn { color: #1f2933; }\n";
const dir = mkdtempSync(join(tmpdir(), "fullstack-https-one-box-"));
const children: ChildProcess[] = [];
const at = (path: string) => join(dir, path);

/** Every program the test runs, or a clear failure naming the package (never a skip). */
function requireTools(): void {
  const missing = ["pebble", "certbot", "openssl", "nginx"].filter((c) => spawnSync("sh", ["-c", `command -v ${c}`], {
    env: { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` },
  }).status !== 0);
  if (missing.length > 0) throw new Error(missing.map((c) => `${c} is not installed: ${installHint(c)}`).join("\n"));
}

/** Runs a program without blocking this process (the DNS server and the stand-in app live here). */
function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    for (const out of [child.stdout!, child.stderr!]) out.on("data", (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs} ms)`;
      child.kill("SIGKILL");
    }, timeoutMs);
    children.push(child);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? (signal ? 128 : 1), output });
    });
  });
}

async function until<T>(what: string, withinMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + withinMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} within ${withinMs} ms${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// --- the rendered server ---------------------------------------------------------------------------

const settings = loadSettings({
  appRepo: "https://example.invalid/shop.git",
  appName: APP,
  adminSshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 test@example"],
  adminCidrs: ["203.0.113.7/32"],
});
const p = appPaths(APP);
const site = nginxSitePaths(APP);
const cert = certificatePaths(DOMAIN);

/** The web server's files as the rendered cloud-config writes them, for an ACME CA at `directory`. */
function serverFiles(directory: string): ServerFile[] {
  const app = buildAppSpec(settings.app, settings.web.gunicorn.version, { hostNames: [DOMAIN], https: true });
  // As components/webTier.ts builds it for one server with a domain and no load balancer.
  const web: WebSpec = { serverNames: [DOMAIN], maxUploadMb: 1, gunicorn: settings.web.gunicorn, trustedProxies: [], tls: { directory } };
  const { userData } = renderServerFiles({
    roles: ["web"],
    base: { os: "debian-12", adminUser: "ops", adminSshKeys: [], timezone: "UTC", swapMb: 0, firewall: [] },
    app, web,
  }, { kind: "inline" });
  return (parse(userData) as { write_files: ServerFile[] }).write_files;
}

const ports = { http: 0, https: 0 };
let acme: TestAcme;
let appServer: http.Server | undefined;
let nginx: ChildProcess | undefined;
let nginxOutput = "";
let acmeDirectoryUrl = "";
/** Pebble's issuing root, from its management interface. */
let pebbleRoot = "";
/** The environment the scripts and certbot run in: the CA that signed Pebble's API, wrappers first on PATH. */
let env: NodeJS.ProcessEnv = {};
/** Paths of this machine's certbot directory before the test (it must not change). */
let hostLetsEncrypt: string[] = [];

const nginxArgs = () => ["-p", `${at("etc/nginx")}/`, "-c", at("etc/nginx/nginx.conf")];
const file = (path: string) => at(path);

beforeAll(async () => {
  requireTools();
  hostLetsEncrypt = existsSync(LETSENCRYPT_DIR) ? readdirSync(LETSENCRYPT_DIR, { recursive: true }).map(String).sort() : [];
  chmodSync(dir, 0o755); // nginx's workers (www-data) walk into it
  for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
  acme = new TestAcme({ dir: at("pebble"), domain: DOMAIN, httpPort: ports.http });

  // Pebble validates HTTP-01 against the rendered nginx's port; its DNS answers for the domain.
  await acme.start();
  acmeDirectoryUrl = acme.directoryUrl();
  pebbleRoot = acme.root;

  // The stand-in for gunicorn on the app's socket: it answers with what it was asked.
  const socket = file(p.socket);
  mkdirSync(dirname(socket), { recursive: true, mode: 0o755 });
  appServer = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ path: req.url, proto: req.headers["x-forwarded-proto"], host: req.headers.host }));
    });
  });
  await new Promise<void>((resolve) => appServer!.listen(socket, resolve));
  chmodSync(socket, 0o666);
  const staticDir = file(p.staticRoot);
  mkdirSync(staticDir, { recursive: true });
  for (let d = staticDir; d !== dir; d = dirname(d)) chmodSync(d, 0o755);
  writeFileSync(join(staticDir, "app.css"), CSS);

  // nginx with the rendered sites as the first boot leaves them: the HTTP site enabled, the HTTPS one
  // written (enabled later, in its place, by the deploy hook).
  const copy = copyNginxConfig(dir);
  if (!("prefix" in copy)) throw new Error(copy.output);
  const files = serverFiles(acmeDirectoryUrl);
  const wire = (f: ServerFile) => ({ ...f, content: wireNginxSite(f.content, { dir, port: ports.http, tlsPort: ports.https, appRoot: p.root }) });
  installNginxSites(dir, files.filter((f) => f.path === site.available || f.path === site.https).map(wire));
  // The scripts, with their server paths moved here too.
  for (const path of [TLS_ISSUE_SCRIPT, TLS_DEPLOY_HOOK]) {
    const f = files.find((x) => x.path === path)!;
    mkdirSync(dirname(file(path)), { recursive: true });
    writeFileSync(file(path), relocateServerPaths(f.content, dir), { mode: parseInt(f.permissions!, 8) });
  }
  // What the server's nginx and systemctl do, for this nginx: the scripts call them by name.
  mkdirSync(at("bin"));
  const nginxCommand = `/usr/sbin/nginx ${nginxArgs().map((a) => `'${a}'`).join(" ")}`;
  writeFileSync(at("bin/nginx"), `#!/bin/sh\nexec ${nginxCommand} "$@"\n`, { mode: 0o755 });
  writeFileSync(at("bin/systemctl"), [
    "#!/bin/sh",
    `echo "systemctl $*" >> '${at("systemctl.log")}'`,
    `[ "$*" = "reload nginx" ] || { echo "systemctl $* is not what the test expects" >&2; exit 1; }`,
    `exec ${nginxCommand} -s reload`,
    "",
  ].join("\n"), { mode: 0o755 });
  env = {
    PATH: `${at("bin")}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    REQUESTS_CA_BUNDLE: acme.apiCaFile,
    HOME: dir,
    LANG: "C.UTF-8",
  };

  nginx = spawn("/usr/sbin/nginx", ["-e", "stderr", ...nginxArgs(), "-g", "daemon off;"], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(nginx);
  for (const out of [nginx.stdout!, nginx.stderr!]) out.on("data", (c: Buffer) => (nginxOutput += c.toString()));
  await until(`nginx answers\n${nginxOutput}`, 10_000, async () => {
    if (nginx!.exitCode !== null) throw new Error(`nginx exited:\n${nginxOutput}`);
    return (await httpGet("/static/app.css")).status === 200 ? true : undefined;
  });
}, 60_000);

/** Stops a child (nginx: SIGTERM stops its workers too), SIGKILL after 10 s, and lets go of its pipes. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
}

afterAll(async () => {
  for (const child of children) await stop(child);
  await acme?.stop();
  await new Promise<void>((resolve) => (appServer ? appServer.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function httpGet(path: string, host = DOMAIN): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port: ports.http, path, agent: false, timeout: 5000, headers: { Host: host } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** An HTTPS request to nginx that trusts only Pebble's root, sending `servername` as SNI. */
function httpsGet(path: string, servername = DOMAIN): Promise<Reply & { serial: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({
      host: "127.0.0.1", port: ports.https, path, servername, ca: pebbleRoot, agent: false, timeout: 5000, headers: { Host: servername },
    }, (res) => {
      const serial = (res.socket as tls.TLSSocket).getPeerCertificate().serialNumber;
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, serial }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** The serial number of the certificate certbot keeps as the lineage's current one. */
function liveSerial(): string {
  return new X509Certificate(readFileSync(file(cert.fullchain))).serialNumber;
}

const issue = () => runAsync(file(TLS_ISSUE_SCRIPT), [], env, 45_000);
const enabledSite = () => readlinkSync(file(site.enabled));
const reloads = () => (existsSync(at("systemctl.log")) ? readFileSync(at("systemctl.log"), "utf8").split("\n").filter(Boolean) : []);

describe("HTTPS on one box: the rendered sites, issue script and deploy hook, with certbot against Pebble", () => {
  it("before a certificate: the app over HTTP, and the ACME challenge path", async () => {
    const app = await httpGet("/orders");
    expect(app.status).toBe(200);
    expect(JSON.parse(app.body)).toEqual({ path: "/orders", proto: "http", host: DOMAIN });
    mkdirSync(file(`${ACME_WEBROOT}/.well-known/acme-challenge`), { recursive: true, mode: 0o755 });
    for (let d = file(`${ACME_WEBROOT}/.well-known/acme-challenge`); d !== dir; d = dirname(d)) chmodSync(d, 0o755);
    writeFileSync(file(`${ACME_WEBROOT}/.well-known/acme-challenge/probe`), "token.thumbprint");
    const token = await httpGet("/.well-known/acme-challenge/probe");
    expect([token.status, token.body, token.headers["content-type"]]).toEqual([200, "token.thumbprint", "text/plain"]);
    rmSync(file(`${ACME_WEBROOT}/.well-known/acme-challenge/probe`));
  });

  it("a failed issuance (DNS points elsewhere) exits non-zero with certbot's error, and nginx keeps serving HTTP", async () => {
    acme.dns.address = "127.0.0.2"; // loopback, but nothing listens there: Pebble's validation cannot connect
    const r = await issue();
    acme.dns.address = "127.0.0.1";
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/Some challenges have failed|Certbot failed to authenticate/);
    expect(r.output).toMatch(/127\.0\.0\.2/); // Pebble's reason, as certbot reports it
    expect(r.output).toContain(`fullstack-tls: no certificate for ${DOMAIN} yet; nginx keeps serving HTTP`);
    expect(acme.dns.queries).toContain(`${DOMAIN} 1`);
    expect(existsSync(file(cert.fullchain))).toBe(false);
    expect(enabledSite()).toBe(`../sites-available/${APP}.conf`);
    expect(reloads()).toEqual([]);
    const app = await httpGet("/orders");
    expect([app.status, JSON.parse(app.body).proto]).toEqual([200, "http"]);
  });

  it("a deploy hook whose HTTPS site nginx refuses puts the HTTP site back and fails; nginx keeps serving HTTP", async () => {
    // A certificate nginx cannot load, where certbot would put the real one.
    mkdirSync(dirname(file(cert.fullchain)), { recursive: true });
    writeFileSync(file(cert.fullchain), "not a certificate\n");
    writeFileSync(file(cert.privkey), "not a key\n");
    try {
      const r = await runAsync(file(TLS_DEPLOY_HOOK), [], { ...env, RENEWED_LINEAGE: dirname(file(cert.fullchain)) }, 30_000);
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/\[emerg\] .*cannot load certificate/);
      expect(r.output).toContain("fullstack-tls: nginx refuses the HTTPS site; the HTTP site stays in place");
      expect(enabledSite()).toBe(file(site.available));
      expect(reloads()).toEqual([]);
      const app = await httpGet("/orders");
      expect([app.status, JSON.parse(app.body).proto]).toEqual([200, "http"]);
    } finally {
      rmSync(dirname(file(cert.fullchain)), { recursive: true, force: true });
    }
  });

  it("issues the certificate from the CA for the domain, and the deploy hook switches nginx to HTTPS", async () => {
    const r = await issue();
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining("fullstack-tls: nginx serves HTTPS") });
    const leaf = new X509Certificate(readFileSync(file(cert.fullchain)));
    expect(leaf.subjectAltName).toBe(`DNS:${DOMAIN}`);
    expect(leaf.issuer).toMatch(/Pebble Intermediate CA/);
    expect(enabledSite()).toBe(file(site.https));
    expect(reloads()).toEqual(["systemctl reload nginx"]);
    // What the first run stored for renewals: Pebble, the webroot, the deploy hook.
    const renewal = readFileSync(file(`${LETSENCRYPT_DIR}/renewal/${DOMAIN}.conf`), "utf8");
    expect(renewal).toMatch(new RegExp(`^server = ${acmeDirectoryUrl.replace(/[.]/g, "\\.")}$`, "m"));
    expect(renewal).toMatch(/^authenticator = webroot$/m);
    expect(renewal).toContain(`${DOMAIN} = ${file(ACME_WEBROOT)}`);
    expect(renewal).toMatch(new RegExp(`^renew_hook = ${file(TLS_DEPLOY_HOOK)}$`, "m"));

    // nginx serves it (reloads are asynchronous: the old workers finish first).
    const served = await until("nginx serves the new certificate", 10_000, async () => {
      const reply = await httpsGet("/orders");
      return reply.serial === leaf.serialNumber ? reply : undefined;
    });
    expect(served.status).toBe(200);
    // The app is told the scheme is https (nginx's $scheme: no load balancer to believe).
    expect(JSON.parse(served.body)).toEqual({ path: "/orders", proto: "https", host: DOMAIN });
    expect(served.headers["strict-transport-security"]).toBe(`max-age=${HSTS_MAX_AGE_SECONDS}`);
    // Port 80 too: until the old workers have let go of its socket, one of them may still answer from the
    // HTTP-only site (seen on a loaded CI box), so the reload is done when the redirect comes back.
    await until("nginx's HTTP site redirects to HTTPS", 10_000, async () =>
      ((await httpGet("/orders")).status === 301 ? true : undefined));
  });

  it("over HTTPS: HSTS on every answer, TLS 1.2 and 1.3 only, other names refused in the handshake", async () => {
    for (const path of ["/", "/static/app.css", "/static/missing.css", "/healthz"]) {
      const r = await httpsGet(path);
      expect(`${path} ${r.headers["strict-transport-security"]}`).toBe(`${path} max-age=${HSTS_MAX_AGE_SECONDS}`);
    }
    const css = await httpsGet("/static/app.css");
    expect([css.status, css.body, css.headers["cache-control"]]).toEqual([200, CSS, "public, max-age=2592000"]);
    const version = (opts: tls.ConnectionOptions) => new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: "127.0.0.1", port: ports.https, ca: pebbleRoot, servername: DOMAIN, ...opts }, () => {
        resolve(s.getProtocol() ?? "");
        s.end();
      });
      s.setTimeout(5000, () => s.destroy(new Error("timeout")));
      s.on("error", reject);
    });
    expect(await version({ maxVersion: "TLSv1.2" })).toBe("TLSv1.2");
    expect(await version({})).toBe("TLSv1.3");
    await expect(version({ minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT:@SECLEVEL=0" })).rejects.toThrow(/alert protocol version/); // nginx refuses it, not this client
    await expect(httpsGet("/", "evil.example")).rejects.toThrow(/unrecognized name.*SSL alert number 112/);
    await expect(version({ servername: "" })).rejects.toThrow(/unrecognized name.*SSL alert number 112/); // no SNI at all
  });

  it("over HTTP: 301 to HTTPS, except the ACME challenges and /healthz", async () => {
    const redirect = await httpGet("/orders?page=2");
    expect([redirect.status, redirect.headers.location]).toEqual([301, `https://${DOMAIN}/orders?page=2`]);
    expect(redirect.headers["strict-transport-security"]).toBeUndefined(); // meaningless over HTTP
    const health = await httpGet("/healthz");
    expect([health.status, JSON.parse(health.body)]).toEqual([200, { path: "/healthz", proto: "http", host: "localhost" }]);
    const challenge = await httpGet("/.well-known/acme-challenge/missing-token");
    expect(challenge.status).toBe(404); // served from the webroot, not redirected
    // Other host names are still dropped.
    await expect(httpGet("/", "evil.example")).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it("the retry timer's next run changes nothing once HTTPS is on", async () => {
    const serial = liveSerial();
    const r = await issue();
    expect(r).toEqual({ status: 0, output: "" });
    expect(liveSerial()).toBe(serial);
    expect(reloads()).toHaveLength(1);
  });

  it("certbot renew with what the first run stored renews against the same CA and reloads nginx", async () => {
    const before = liveSerial();
    // As Debian's certbot.service runs it (`certbot -q renew --no-random-sleep-on-renew`), forced: the
    // certificate is far from due.
    const r = await runAsync("certbot", ["renew", "--force-renewal", "--non-interactive", "--no-random-sleep-on-renew",
      "--config-dir", file(LETSENCRYPT_DIR), "--work-dir", file("/var/lib/letsencrypt"), "--logs-dir", file("/var/log/letsencrypt")], env, 45_000);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringMatching(/Congratulations, all renewals succeeded/) });
    const after = liveSerial();
    expect(after).not.toBe(before);
    expect(reloads()).toEqual(["systemctl reload nginx", "systemctl reload nginx"]);
    await until("nginx serves the renewed certificate", 10_000, async () => ((await httpsGet("/")).serial === after ? true : undefined));
  });

  it("touched nothing of this machine's certbot", () => {
    expect(existsSync(LETSENCRYPT_DIR) ? readdirSync(LETSENCRYPT_DIR, { recursive: true }).map(String).sort() : []).toEqual(hostLetsEncrypt);
    expect(existsSync("/var/lib/letsencrypt/.certbot.lock")).toBe(false);
  });
});
