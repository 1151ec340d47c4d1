/**
 * Host-side machinery for the server test: the cached base image, the per-run overlay and seed, qemu,
 * the git daemon serving the sample app, and small HTTP/SSH/QMP clients. Every child process is
 * tracked so one call to {@link killAll} (also run on exit and on signals) leaves nothing behind.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync, appendFileSync, closeSync, constants, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync,
  renameSync, rmSync, statSync, writeFileSync,
} from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { createConnection } from "node:net";
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import { freePort } from "../../harness/local";

export const HERE = __dirname;

// ---------------------------------------------------------------------------------------------- processes

const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Kills every process this run started (qemu, git daemon), by pid. Synchronous: safe in exit handlers. */
export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function run(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}):
  Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = track(execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, killSignal: "SIGKILL" },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 255) : 0;
        resolveRun({ code, stdout: String(stdout), stderr: String(stderr) });
      }));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}


// ---------------------------------------------------------------------------------------------- lock

/** One server test at a time on this machine (two TCG guests fight over two cores). */
export function takeLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch {
      const pid = Number(readFileSync(path, "utf8").trim());
      if (pid && isAlive(pid)) {
        throw new Error(`another server test (pid ${pid}) holds ${path}; run one VM at a time`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot take ${path}`);
}

/**
 * Kills what an earlier run left behind if that run's node process was itself killed (SIGKILL leaves
 * no chance to clean up): the pid files name only processes this harness started, and the pid must
 * still run a command line mentioning the run directory.
 */
export function reapStale(runDir: string): string[] {
  const reaped: string[] = [];
  for (const name of ["qemu.pid", "git-daemon.pid"]) {
    const file = join(runDir, name);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, "utf8").trim());
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    } catch {
      continue;
    }
    if (pid > 1 && cmdline.includes(runDir)) {
      try {
        process.kill(pid, "SIGKILL");
        reaped.push(`${name.replace(".pid", "")} ${pid}`);
      } catch {
        // gone
      }
    }
  }
  return reaped;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------- image

export interface BaseImage {
  dir: string;
  /** The disk new VMs get an overlay of: the base's raw file, or a baked image's qcow2 (see `format`). */
  raw: string;
  /** The disk's format. @default "raw" */
  format?: "raw" | "qcow2";
  kernel: string;
  initrd: string;
  built: boolean;
  /** Seconds this run spent building the image (0 when cached). */
  buildSeconds: number;
  /** Seconds the cached image took to build, when it was built. */
  builtInSeconds?: number;
}

/** The cached base image for the current build script, built (about 3 minutes) when missing. */
export async function ensureImage(cacheDir: string, log: (s: string) => void): Promise<BaseImage> {
  const hash = createHash("sha256");
  for (const f of ["build-image.sh", "deb2wheel.py"]) hash.update(readFileSync(join(HERE, f)));
  const key = hash.digest("hex").slice(0, 12);
  const dir = join(cacheDir, `image-${key}`);
  const info = join(dir, "image.info");
  const image = { dir, raw: join(dir, "base.raw"), kernel: join(dir, "vmlinuz"), initrd: join(dir, "initrd.img"), built: false, buildSeconds: 0 };
  if (existsSync(info)) {
    const recorded = /^build_seconds=([\d.]+)$/m.exec(readFileSync(info, "utf8"));
    return { ...image, builtInSeconds: recorded ? Number(recorded[1]) : undefined };
  }

  log(`building the base image into ${dir} (debootstrap; cached for later runs)`);
  const started = Date.now();
  const code = await new Promise<number>((resolveBuild) => {
    const child = track(spawn("bash", [join(HERE, "build-image.sh"), dir], { stdio: ["ignore", "inherit", "inherit"] }));
    child.on("exit", (c) => resolveBuild(c ?? 1));
  });
  if (code !== 0) throw new Error(`building the base image failed (build-image.sh exit ${code})`);
  // Older images (from earlier versions of the build script) only take space.
  for (const old of readdirSync(cacheDir)) {
    if (old.startsWith("image-") && join(cacheDir, old) !== dir) rmSync(join(cacheDir, old), { recursive: true, force: true });
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  appendFileSync(info, `build_seconds=${seconds}\n`);
  return { ...image, built: true, buildSeconds: seconds, builtInSeconds: seconds };
}

/**
 * A baked image (provisioning/image.ts) of `base`: the builder's user data booted as a cloud's builder
 * droplet boots it, until it powers itself off (its script does only when everything succeeded); its
 * disk, an overlay of the base, is the image. Cached by the base and the user data, like the base.
 */
export async function ensureBakedImage(cacheDir: string, base: BaseImage, userData: string, accel: Accel, memoryMb: number,
  log: (s: string) => void, limitS = 1500): Promise<BaseImage> {
  const key = createHash("sha256").update(`${base.dir}\n${userData}`).digest("hex").slice(0, 12);
  const dir = join(cacheDir, `baked-${key}`);
  const info = join(dir, "baked.info");
  const image: BaseImage = { dir, raw: join(dir, "disk.qcow2"), format: "qcow2", kernel: base.kernel, initrd: base.initrd, built: false, buildSeconds: 0 };
  if (existsSync(info)) {
    const recorded = /^bake_seconds=([\d.]+)$/m.exec(readFileSync(info, "utf8"));
    return { ...image, builtInSeconds: recorded ? Number(recorded[1]) : undefined };
  }
  const runDir = `${dir}.tmp`;
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const seed = makeSeed(runDir, userData, `instance-id: image-bake-${Date.now()}\nlocal-hostname: image-bake\n`);
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const vm = new Vm({ runDir, image: base, seedIso: seed, accel, memoryMb, httpPort: ports[0], httpsPort: ports[1], sshPort: ports[2], volumes: [] });
  log(`baking the server image into ${dir} (the builder's user data; cached for later runs)`);
  vm.start();
  let lastLog = Date.now();
  while (vm.running) {
    const s = (Date.now() - vm.startedAt) / 1000;
    if (s > limitS) {
      vm.kill();
      throw new Error(`the image bake did not power off within ${limitS} s (a failed step leaves the builder running); console:\n${vm.serialTail(40)}`);
    }
    if (Date.now() - lastLog > 60_000) {
      lastLog = Date.now();
      log(`baking (${Math.round(s)} s): ${(vm.serialTail(5).split("\n").filter((l) => l.trim()).pop() ?? "").slice(0, 140)}`);
    }
    await sleep(2000);
  }
  const seconds = Math.round((Date.now() - vm.startedAt) / 100) / 10;
  if (!/reboot: Power down/.test(vm.serial())) throw new Error(`the image bake's VM stopped without powering off (${vm.exitDescription}); console:\n${vm.serialTail(40)}`);
  mkdirSync(dir, { recursive: true });
  renameSync(vm.overlay, image.raw);
  writeFileSync(info, `bake_seconds=${seconds}\n`);
  rmSync(runDir, { recursive: true, force: true });
  // Older bakes (of earlier user data or bases) only take space.
  for (const old of readdirSync(cacheDir)) {
    if (old.startsWith("baked-") && join(cacheDir, old) !== dir) rmSync(join(cacheDir, old), { recursive: true, force: true });
  }
  return { ...image, built: true, buildSeconds: seconds, builtInSeconds: seconds };
}

// ---------------------------------------------------------------------------------------------- seed, repo

export function makeSeed(runDir: string, userData: string, metaData: string): string {
  writeFileSync(join(runDir, "user-data"), userData);
  writeFileSync(join(runDir, "meta-data"), metaData);
  const iso = join(runDir, "seed.iso");
  const localds = which("cloud-localds");
  if (localds) {
    execFileSync(localds, [iso, join(runDir, "user-data"), join(runDir, "meta-data")]);
  } else {
    const geniso = which("genisoimage") ?? which("mkisofs");
    if (!geniso) throw new Error("neither cloud-localds nor genisoimage is installed (apt-get install genisoimage)");
    execFileSync(geniso, ["-quiet", "-output", iso, "-volid", "cidata", "-joliet", "-rock",
      join(runDir, "user-data"), join(runDir, "meta-data")]);
  }
  return iso;
}

/** A bare repository holding the sample app as one commit on `main`, for the git daemon to serve. */
export function makeAppRepo(runDir: string, appDir: string): string {
  const work = join(runDir, "app-src");
  const bare = join(runDir, "git", "app.git");
  rmSync(work, { recursive: true, force: true });
  rmSync(join(runDir, "git"), { recursive: true, force: true });
  copyTree(appDir, work);
  const git = (cwd: string, ...args: string[]) => execFileSync("git", args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "fullstack test", GIT_AUTHOR_EMAIL: "test@fullstack.invalid",
      GIT_COMMITTER_NAME: "fullstack test", GIT_COMMITTER_EMAIL: "test@fullstack.invalid",
    },
  });
  git(work, "init", "--quiet", "-b", "main");
  git(work, "add", "-A");
  git(work, "commit", "--quiet", "-m", "sample app for the server test");
  mkdirSync(join(runDir, "git"), { recursive: true });
  git(runDir, "clone", "--quiet", "--bare", work, bare);
  return join(runDir, "git");
}

function copyTree(src: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  for (const name of readdirSync(src)) {
    if (name === "__pycache__" || name === ".venv" || name.endsWith(".pyc") || name.startsWith("celerybeat-schedule")) continue;
    const s = join(src, name);
    if (statSync(s).isDirectory()) copyTree(s, join(dest, name));
    else copyFileSync(s, join(dest, name));
  }
}

export async function startGitDaemon(baseDir: string, port: number, logFile: string): Promise<void> {
  const out = openSync(logFile, "a");
  const child = track(spawn("git", ["daemon", "--reuseaddr", "--listen=127.0.0.1", `--port=${port}`, `--base-path=${baseDir}`,
    "--export-all", "--informative-errors", "--verbose", `--pid-file=${join(baseDir, "..", "git-daemon.pid")}`, baseDir],
  { stdio: ["ignore", out, out] }));
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) throw new Error(`git daemon exited (${child.exitCode}); see ${logFile}`);
    if (await portOpen(port)) return;
    await sleep(100);
  }
  throw new Error(`git daemon did not listen on 127.0.0.1:${port}`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolveOpen(true);
    });
    sock.once("error", () => resolveOpen(false));
  });
}

// ---------------------------------------------------------------------------------------------- qemu

export type Accel = "kvm" | "tcg";

/** KVM only where it can work: /dev/kvm usable and the CPU exposes vmx/svm (not so on these machines). */
export function probeKvm(): { usable: boolean; why: string } {
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
  } catch {
    return { usable: false, why: "/dev/kvm is missing or not accessible" };
  }
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  if (!/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo)) return { usable: false, why: "the CPU exposes no vmx/svm flags" };
  return { usable: true, why: "/dev/kvm and vmx/svm present" };
}

export interface VmOptions {
  runDir: string;
  image: BaseImage;
  seedIso: string;
  accel: Accel;
  memoryMb: number;
  httpPort: number;
  /** Host port forwarded to the guest's 443 (HTTPS once the site has its certificate). */
  httpsPort: number;
  sshPort: number;
  /** Device paths of data volumes to attach (DigitalOcean's /dev/disk/by-id/scsi-0DO_Volume_<name>). */
  volumes: string[];
}

export class Vm {
  readonly serialLog: string;
  readonly overlay: string;
  readonly qmpSocket: string;
  startedAt = 0;
  private proc?: ChildProcess;

  constructor(readonly opts: VmOptions) {
    this.serialLog = join(opts.runDir, "serial.log");
    this.overlay = join(opts.runDir, "disk.qcow2");
    this.qmpSocket = join(opts.runDir, "qmp.sock");
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get exitDescription(): string {
    return this.proc ? `exit code ${this.proc.exitCode}, signal ${this.proc.signalCode}` : "not started";
  }

  /** Fresh overlay disks and a fresh qemu process. */
  start(): void {
    const { runDir, image, opts } = { runDir: this.opts.runDir, image: this.opts.image, opts: this.opts };
    rmSync(this.overlay, { force: true });
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", image.raw, "-F", image.format ?? "raw", this.overlay]);
    const args = [
      "-name", "fullstack-server-test",
      "-nodefaults", "-no-user-config", "-display", "none",
      "-machine", "q35",
      ...(opts.accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg,thread=multi", "-cpu", "max"]),
      "-smp", "2", "-m", String(opts.memoryMb),
      "-kernel", image.kernel, "-initrd", image.initrd,
      "-append", "root=/dev/vda rw console=ttyS0,115200n8 net.ifnames=0",
      "-drive", `file=${this.overlay},if=virtio,format=qcow2,cache=unsafe,discard=unmap`,
      "-drive", `file=${opts.seedIso},if=virtio,format=raw,readonly=on`,
      "-netdev", `user,id=net0,hostfwd=tcp:127.0.0.1:${opts.httpPort}-:80,hostfwd=tcp:127.0.0.1:${opts.httpsPort}-:443,hostfwd=tcp:127.0.0.1:${opts.sshPort}-:22`,
      "-device", "virtio-net-pci,netdev=net0",
      "-device", "virtio-rng-pci",
      "-serial", `file:${this.serialLog}`,
      "-qmp", `unix:${this.qmpSocket},server=on,wait=off`,
      "-pidfile", join(runDir, "qemu.pid"),
    ];
    opts.volumes.forEach((device, i) => {
      const m = /^\/dev\/disk\/by-id\/scsi-0DO_Volume_(.+)$/.exec(device);
      if (!m) throw new Error(`do not know how to attach data volume ${device} to a qemu guest`);
      const disk = join(runDir, `volume-${i}.qcow2`);
      rmSync(disk, { force: true });
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "10G"]);
      // What a DigitalOcean volume looks like to the guest: udev names it scsi-0<vendor>_<product>_<serial>.
      if (i === 0) args.push("-device", "virtio-scsi-pci,id=scsi0");
      args.push("-drive", `file=${disk},if=none,id=vol${i},format=qcow2,cache=unsafe,discard=unmap`,
        "-device", `scsi-hd,drive=vol${i},bus=scsi0.0,vendor=DO,product=Volume,serial=${m[1]}`);
    });
    rmSync(this.serialLog, { force: true });
    rmSync(this.qmpSocket, { force: true });
    const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
    writeFileSync(join(runDir, "qemu.cmdline"), `qemu-system-x86_64 ${args.map(q).join(" ")}\n`);
    const out = openSync(join(runDir, "qemu.log"), "w");
    this.startedAt = Date.now();
    this.proc = track(spawn("qemu-system-x86_64", args, { stdio: ["ignore", out, out] }));
  }

  serial(): string {
    try {
      return readFileSync(this.serialLog, "latin1");
    } catch {
      return "";
    }
  }

  serialTail(lines = 40): string {
    return this.serial().replace(/\r/g, "").split("\n").slice(-lines).join("\n");
  }

  /** Sends one QMP command (e.g. system_powerdown). */
  async qmp(command: string): Promise<void> {
    await new Promise<void>((resolveQmp, reject) => {
      const sock = createConnection(this.qmpSocket);
      let buf = "";
      let sent = 0;
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`QMP ${command}: no answer`));
      }, 10_000);
      sock.on("data", (d) => {
        buf += d.toString();
        if (sent === 0 && buf.includes("QMP")) {
          sock.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\n");
          sent = 1;
        } else if (sent === 1 && buf.includes("return")) {
          buf = "";
          sock.write(JSON.stringify({ execute: command }) + "\n");
          sent = 2;
        } else if (sent === 2 && /return|error/.test(buf)) {
          clearTimeout(timer);
          sock.end();
          if (buf.includes("error")) reject(new Error(`QMP ${command}: ${buf.trim()}`));
          else resolveQmp();
        }
      });
      sock.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** ACPI power-off; kills qemu if the guest has not stopped after `timeoutMs`. */
  async stop(timeoutMs = 60_000): Promise<"powered-off" | "killed" | "not-running"> {
    if (!this.running) return "not-running";
    try {
      await this.qmp("system_powerdown");
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (!this.running) return "powered-off";
        await sleep(500);
      }
    } catch {
      // fall through to kill
    }
    this.kill();
    return "killed";
  }

  kill(): void {
    if (this.proc?.pid && this.running) {
      try {
        process.kill(this.proc.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
}

/** Reads only the new part of a growing file (the serial log), from a remembered offset. */
export class Tail {
  private offset = 0;
  constructor(private readonly path: string) {}
  read(): string {
    if (!existsSync(this.path)) return "";
    const size = statSync(this.path).size;
    if (size <= this.offset) return "";
    const fd = openSync(this.path, "r");
    const buf = Buffer.alloc(size - this.offset);
    readSync(fd, buf, 0, buf.length, this.offset);
    closeSync(fd);
    this.offset = size;
    return buf.toString("latin1");
  }
}

// ---------------------------------------------------------------------------------------------- http, ssh

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function httpRequest(port: number, path: string, opts: { method?: string; timeoutMs?: number; host?: string } = {}):
  Promise<HttpResponse> {
  return new Promise((resolveReq, reject) => {
    const req = http.request({
      host: "127.0.0.1", port, path, method: opts.method ?? "GET", agent: false,
      headers: { Host: opts.host ?? `127.0.0.1:${port}`, Connection: "close" },
      timeout: opts.timeoutMs ?? 10_000,
    }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolveReq({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timed out after ${opts.timeoutMs ?? 10_000} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export interface HttpsResponse extends HttpResponse {
  /** The certificate the server presented (verified against the CA given). */
  certificate: { subjectAltName?: string; issuer: string; serialNumber: string };
}

/** An HTTPS request to the guest (through its port forward) sending `servername` as SNI and Host, trusting only `ca`. */
export function httpsRequest(port: number, path: string, opts: { servername: string; ca: string; method?: string; timeoutMs?: number }):
  Promise<HttpsResponse> {
  return new Promise((resolveReq, reject) => {
    const req = https.request({
      host: "127.0.0.1", port, path, method: opts.method ?? "GET", agent: false, servername: opts.servername, ca: opts.ca,
      headers: { Host: opts.servername, Connection: "close" },
      timeout: opts.timeoutMs ?? 10_000,
    }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      const issuer = Object.entries(peer.issuer ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(", ");
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolveReq({
        status: res.statusCode ?? 0, headers: res.headers, body,
        certificate: { subjectAltName: peer.subjectaltname, issuer, serialNumber: peer.serialNumber },
      }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timed out after ${opts.timeoutMs ?? 10_000} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * The site as a visitor reaches it: over HTTP by its domain (or the forwarded address when it has none)
 * until it has a certificate, then over HTTPS (`useHttps`), as a browser following the redirect and
 * HSTS would.
 */
export class Site {
  private tls?: { ca: string };
  constructor(readonly httpPort: number, readonly httpsPort: number, readonly domain?: string) {}

  /** From now on, requests go over HTTPS, trusting only `ca` (the ACME CA's root). */
  useHttps(ca: string): void {
    if (!this.domain) throw new Error("HTTPS needs the site's domain");
    this.tls = { ca };
  }

  get scheme(): "http" | "https" {
    return this.tls ? "https" : "http";
  }

  request(path: string, opts: { method?: string; timeoutMs?: number } = {}): Promise<HttpResponse> {
    if (this.tls) return httpsRequest(this.httpsPort, path, { ...opts, servername: this.domain!, ca: this.tls.ca });
    return httpRequest(this.httpPort, path, { ...opts, host: this.domain });
  }

  /** Always over HTTP (the redirect, /healthz and the ACME challenges stay there). */
  http(path: string, opts: { method?: string; timeoutMs?: number } = {}): Promise<HttpResponse> {
    return httpRequest(this.httpPort, path, { ...opts, host: this.domain });
  }
}

export class Ssh {
  /** `knownHosts`: a known_hosts file to check the server's host key against (strictly); else any key is accepted. */
  constructor(private readonly port: number, private readonly user: string, private readonly key: string, private readonly knownHosts?: string) {}

  private args(command: string, timeoutS: number): string[] {
    return [
      "-i", this.key, "-p", String(this.port),
      "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", `StrictHostKeyChecking=${this.knownHosts ? "yes" : "no"}`,
      "-o", `UserKnownHostsFile=${this.knownHosts ?? "/dev/null"}`, "-o", "LogLevel=ERROR", "-o", `ConnectTimeout=${Math.min(timeoutS, 10)}`,
      "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=2",
      `${this.user}@127.0.0.1`, command,
    ];
  }

  exec(command: string, timeoutS = 30, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return run("ssh", this.args(command, timeoutS), { timeoutMs: timeoutS * 1000, input });
  }

  /** stdout of a command that must succeed. */
  async out(command: string, timeoutS = 30): Promise<string> {
    const r = await this.exec(command, timeoutS);
    if (r.code !== 0) throw new Error(`ssh ${JSON.stringify(command)} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 500)}`);
    return r.stdout.trim();
  }
}
