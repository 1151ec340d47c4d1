/**
 * A test ACME CA on this machine: Pebble (Let's Encrypt's ACME test server, RFC 8555, Debian package
 * `pebble`), a small DNS server that tells Pebble where the test domain lives, and a throwaway CA for
 * Pebble's own HTTPS API. Used by the loopback HTTPS test (tests/httpsOneBox.test.ts) and the VM test
 * (tests/server/run.ts), where the guest's certbot talks to it through qemu's 10.0.2.2.
 *
 * Validation is real: Pebble fetches every HTTP-01 token from `<domain>:<httpPort>` at the address the DNS
 * server gives for the domain (no PEBBLE_VA_ALWAYS_VALID), so a wrong answer fails the challenge as a
 * DNS record that does not point at the server yet would.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import { join } from "node:path";
import { freePort } from "./local";

/** A DNS server on loopback UDP: `domain`'s A record is `address` (changeable); other names do not exist. */
export class TestDns {
  address = "127.0.0.1";
  port = 0;
  readonly queries: string[] = [];
  private socket?: UdpSocket;

  constructor(readonly domain: string) {}

  async start(): Promise<void> {
    const socket = createSocket("udp4");
    this.socket = socket;
    socket.on("message", (msg, peer) => {
      const reply = this.answer(msg);
      if (reply) socket.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    this.port = socket.address().port;
  }

  /** RFC 1035 §4: echo the question; an A answer for the domain; NXDOMAIN for any other name. */
  private answer(msg: Buffer): Buffer | undefined {
    if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined;
    const labels: string[] = [];
    let i = 12;
    while (i < msg.length && msg[i] !== 0) {
      labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString("latin1"));
      i += msg[i] + 1;
    }
    const questionEnd = i + 5;
    if (questionEnd > msg.length) return undefined;
    const name = labels.join(".").toLowerCase();
    const type = msg.readUInt16BE(i + 1);
    this.queries.push(`${name} ${type}`);
    const ours = name === this.domain;
    const answers = ours && type === 1 ? 1 : 0;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100) | (ours ? 0 : 3), 2); // QR, AA, RD as asked; NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers, 6);
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // the name in the question
    record.writeUInt16BE(1, 2); // A
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(0, 6); // TTL 0: the next lookup sees a changed address
    record.writeUInt16BE(4, 10);
    this.address.split(".").forEach((octet, j) => record.writeUInt8(Number(octet), 12 + j));
    return Buffer.concat([header, msg.subarray(12, questionEnd), ...(answers ? [record] : [])]);
  }

  close(): void {
    this.socket?.close();
  }
}

export interface TestAcmeOptions {
  /** A directory of its own (Pebble's config, the API CA and keys). */
  dir: string;
  /** The domain the DNS server answers for. */
  domain: string;
  /** Where Pebble connects for HTTP-01 (the port nginx listens on, or a port forwarded to it). */
  httpPort: number;
  /** Addresses Pebble's API certificate is valid for, besides 127.0.0.1 (e.g. 10.0.2.2 for a qemu guest). */
  apiAddresses?: string[];
  /** Called with Pebble's process, e.g. to have it killed with the caller's other children. */
  onChild?: (child: ChildProcess) => void;
}

/** Pebble on 127.0.0.1 with its API CA, and the DNS server it asks. `start()` resolves once it answers. */
export class TestAcme {
  readonly dns: TestDns;
  /** PEM of the CA that signed Pebble's API certificate (what certbot must trust, REQUESTS_CA_BUNDLE). */
  apiCa = "";
  /** PEM of Pebble's issuing root (from its management interface): what a client of the site trusts. */
  root = "";
  acmePort = 0;
  managementPort = 0;
  output = "";
  private child?: ChildProcess;

  constructor(private readonly opts: TestAcmeOptions) {
    this.dns = new TestDns(opts.domain);
  }

  /** The directory URL, as reached at `host` (127.0.0.1 here, 10.0.2.2 from a qemu guest). */
  directoryUrl(host = "127.0.0.1"): string {
    return `https://${host}:${this.acmePort}/dir`;
  }

  get apiCaFile(): string {
    return join(this.opts.dir, "ca.pem");
  }

  async start(timeoutMs = 15_000): Promise<void> {
    const dir = this.opts.dir;
    mkdirSync(dir, { recursive: true });
    [this.acmePort, this.managementPort] = [await freePort(), await freePort()];
    const tlsAlpnPort = await freePort();
    // A CA for Pebble's own HTTPS API (Debian's pebble ships no test certificate).
    const openssl = (args: string[]) => {
      const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8", timeout: 30_000 });
      if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}:\n${r.stderr}`);
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(["req", "-x509", ...ec, "-days", "2", "-subj", "/CN=fullstack test CA", "-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(["req", ...ec, "-subj", "/CN=127.0.0.1", "-keyout", "api.key", "-out", "api.csr"]);
    const ips = ["127.0.0.1", ...(this.opts.apiAddresses ?? [])].map((ip) => `IP:${ip}`);
    writeFileSync(join(dir, "api.ext"), `subjectAltName=${[...ips, "DNS:localhost"].join(",")}\n`);
    openssl(["x509", "-req", "-in", "api.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "api.ext", "-out", "api.pem"]);
    this.apiCa = readFileSync(this.apiCaFile, "utf8");

    await this.dns.start();
    writeFileSync(join(dir, "config.json"), JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${this.acmePort}`,
        managementListenAddress: `127.0.0.1:${this.managementPort}`,
        certificate: join(dir, "api.pem"),
        privateKey: join(dir, "api.key"),
        httpPort: this.opts.httpPort,
        tlsPort: tlsAlpnPort,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }));
    // PEBBLE_VA_NOSLEEP: no random wait before validating; PEBBLE_WFE_NONCEREJECT=0: no bad-nonce drills.
    const child = spawn("pebble", ["-config", join(dir, "config.json"), "-dnsserver", `127.0.0.1:${this.dns.port}`], {
      env: { PATH: process.env.PATH, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" }, stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.opts.onChild?.(child);
    for (const out of [child.stdout!, child.stderr!]) out.on("data", (c: Buffer) => (this.output += c.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`pebble exited:\n${this.output}`);
      try {
        JSON.parse(await this.get(this.directoryUrl()));
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`pebble did not answer at ${this.directoryUrl()} within ${timeoutMs} ms: ${String(err)}\n${this.output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.root = await this.get(`https://127.0.0.1:${this.managementPort}/roots/0`);
  }

  /** A GET to Pebble's API, trusting only its API CA. */
  private get(url: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      https.get(url, { ca: this.apiCa, agent: false, timeout: 5000 }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))));
      }).on("error", reject);
    });
  }

  /** Stops Pebble (SIGKILL after 5 s) and the DNS server. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    this.dns.close();
  }
}
