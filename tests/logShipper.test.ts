/**
 * The rendered log shipper on real rsyslog (Debian's, with its gtls driver), on loopback: the lines of the
 * app's services (written to rsyslog's syslog socket with their tags, as journald forwards them) and of
 * nginx's access log reach a TLS syslog receiver that this test runs, as RFC 5424 messages; lines of other
 * programs stay local; a receiver whose certificate names another host gets nothing. Only the paths (the
 * socket, nginx's file, the CA bundle) and the receiver are the test's.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logStreams, nginxAccessLog } from "../provisioning";
import { logShipperPart, LOG_SHIPPER_CONF, renderLogShipperConfig, SYSTEM_CA_FILE } from "../provisioning/roles/logShipper";
import { installHint } from "../tools/debianTools";

const APP = "shop";
const dir = mkdtempSync(join(tmpdir(), "fullstack-log-shipper-"));
const at = (path: string) => join(dir, path);
let rsyslog: ChildProcess | undefined;
let rsyslogOutput = "";
const receivers: Server[] = [];
const sockets: TLSSocket[] = [];

function requireTools(): void {
  const env = { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` };
  const missing = ["rsyslogd", "logger", "openssl"].filter((c) => spawnSync("sh", ["-c", `command -v ${c}`], { env }).status !== 0);
  if (spawnSync("sh", ["-c", "ls /usr/lib/*/rsyslog/lmnsd_gtls.so"], { env }).status !== 0) missing.push("rsyslog's TLS driver");
  if (missing.length > 0) throw new Error(missing.map((c) => `${c} is not installed: ${installHint(c)}`).join("\n"));
}

/** A self-signed certificate for `name` (its own CA). */
function certificate(name: string): { key: string; cert: string } {
  const key = at(`${name}.key`);
  const cert = at(`${name}.crt`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", `/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`, "-keyout", key, "-out", cert], { stdio: "ignore" });
  return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
}

/** A TLS syslog receiver on loopback: every line it gets. */
async function receiver(credentials: { key: string; cert: string }): Promise<{ port: number; lines: string[] }> {
  const lines: string[] = [];
  const server = createServer(credentials, (socket: TLSSocket) => {
    sockets.push(socket);
    let buffer = "";
    socket.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      lines.push(...parts.filter((l) => l !== ""));
    });
    socket.on("error", () => undefined);
  });
  server.on("tlsClientError", () => undefined);
  receivers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { port: (server.address() as AddressInfo).port, lines };
}

async function until<T>(what: string, withinMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what} within ${withinMs} ms; rsyslog said:\n${rsyslogOutput}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const log = (tag: string, message: string) => execFileSync("logger", ["--socket", at("log"), "--socket-errors=on", "-t", tag, message]);

beforeAll(requireTools);
afterAll(async () => {
  if (rsyslog && rsyslog.exitCode === null) {
    const exited = new Promise((done) => rsyslog!.once("exit", done));
    rsyslog.kill("SIGTERM");
    await exited;
  }
  for (const socket of sockets) socket.destroy();
  for (const server of receivers) await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

describe("the log shipper on real rsyslog, to a TLS syslog receiver on loopback", () => {
  const good = { lines: [] as string[], port: 0 };
  const wrongName = { lines: [] as string[], port: 0 };

  beforeAll(async () => {
    const localhost = certificate("localhost");
    Object.assign(good, await receiver(localhost));
    Object.assign(wrongName, await receiver(certificate("logs.example.org")));
    // Trusts both certificates: the second fails only on its name.
    writeFileSync(at("ca.crt"), `${localhost.cert}${readFileSync(at("logs.example.org.crt"), "utf8")}`);
    mkdirSync(at("work"));
    writeFileSync(at("access.log"), "");
    writeFileSync(at("error.log"), "");
    const shipper = (port: number) => renderLogShipperConfig(APP, { host: "localhost", port, tls: true }, logStreams(APP), at("ca.crt"))
      .replaceAll(nginxAccessLog(APP), at("access.log")).replaceAll("/var/log/nginx/error.log", at("error.log"));
    writeFileSync(at("ship.conf"), shipper(good.port));
    // The second receiver gets the same lines from a copy of the action (its own ruleset name).
    writeFileSync(at("ship-wrong.conf"), shipper(wrongName.port).replaceAll("fullstack_ship", "fullstack_ship_wrong")
      .replace(/^module\(load="(imfile|mmrm1stspace)"\)$/gm, "").replace(/^input\(.*$/gm, ""));
    // Debian's rsyslog.conf in miniature: the syslog socket journald forwards to, and the drop-ins.
    writeFileSync(at("rsyslog.conf"), [
      'module(load="imuxsock" SysSock.Use="off")',
      `input(type="imuxsock" Socket="${at("log")}")`,
      `global(workDirectory="${at("work")}")`,
      `include(file="${at("ship.conf")}")`,
      `include(file="${at("ship-wrong.conf")}")`,
      `*.* action(type="omfile" file="${at("local.log")}")`,
      "",
    ].join("\n"));
    rsyslog = spawn("rsyslogd", ["-n", "-f", at("rsyslog.conf"), "-i", at("rsyslogd.pid")], {
      env: { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` }, stdio: ["ignore", "pipe", "pipe"],
    });
    for (const out of [rsyslog.stdout!, rsyslog.stderr!]) out.on("data", (c: Buffer) => (rsyslogOutput += c.toString()));
    await until("rsyslog's socket", 10_000, () => (spawnSync("test", ["-S", at("log")]).status === 0 ? true : undefined));
  }, 30_000);

  it("ships the app's services' lines and nginx's access log, as RFC 5424 messages with their tags, and nothing else", async () => {
    log(`${APP}-gunicorn`, "GET /orders 200");
    log(`${APP}-worker`, "Task shop.tasks.send_mail succeeded");
    log("fullstack-postgres-backup", "backup: done");
    log("sshd", "Accepted publickey for ops");
    appendFileSync(at("access.log"), '{"method":"GET","uri":"/","status":200,"request_time":0.004}\n');
    const shipped = await until("four lines at the receiver", 15_000, () => (good.lines.length >= 4 ? good.lines : undefined));
    // <PRI>1 TIMESTAMP HOST APP-NAME PROCID MSGID SD MSG
    const fields = (line: string) => /^<\d+>1 \S+ \S+ (\S+) \S+ \S+ \S+ (.*)$/.exec(line)?.slice(1, 3);
    expect(shipped.map(fields).sort()).toEqual([
      ["fullstack-postgres-backup", "backup: done"],
      [`${APP}-gunicorn`, "GET /orders 200"],
      [`${APP}-nginx`, '{"method":"GET","uri":"/","status":200,"request_time":0.004}'],
      [`${APP}-worker`, "Task shop.tasks.send_mail succeeded"],
    ]);
    // Everything stays local too, sshd's line included, which no receiver gets.
    await until("sshd's line in the local file", 5_000, () => (readFileSync(at("local.log"), "utf8").includes("Accepted publickey") ? true : undefined));
    expect(good.lines.join("\n")).not.toContain("Accepted publickey");
  }, 30_000);

  it("sends nothing to a receiver whose certificate names another host", () => {
    // By now the first receiver has every line; the second had the same time and the same lines to send.
    expect(wrongName.lines).toEqual([]);
    expect(rsyslogOutput).toMatch(/peer name not authorized - +not permitted to talk to it\. Names: DNSname: logs\.example\.org/);
    // The only complaints are about that peer: the rendered settings load cleanly.
    expect(rsyslogOutput.split("\n").filter((l) => l !== "" && !l.includes("peer name not authorized"))).toEqual([]);
  });
});

describe("what a server gets", () => {
  it("rsyslog, its TLS driver and the CA bundle for a TLS receiver; plain TCP needs neither", () => {
    const tls = logShipperPart(APP, { host: "logs.example.com", port: 6514, tls: true }, logStreams(APP));
    expect(tls.packages).toEqual(["rsyslog", "rsyslog-gnutls", "ca-certificates"]);
    expect(tls.writeFiles!.map((f) => f.path)).toEqual([LOG_SHIPPER_CONF]);
    expect(tls.writeFiles![0].content).toContain(`StreamDriver.CAFile="${SYSTEM_CA_FILE}"`);
    const plain = logShipperPart(APP, { host: "10.0.2.2", port: 5140, tls: false }, logStreams(APP));
    expect(plain.packages).toEqual(["rsyslog"]);
    expect(plain.writeFiles![0].content).not.toMatch(/StreamDriver/);
  });
});
