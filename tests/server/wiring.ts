/**
 * What the server test boots: the dev stack's cloud-config, rendered by the library itself, with test
 * wiring applied to the copy that goes on the NoCloud seed only.
 *
 * Wiring through config overrides (rendered by the library like any stack's values):
 * - appRepo/appRef: the sample app (examples/app) served by a git daemon on the host (10.0.2.2 from the
 *   guest's user-mode network);
 * - adminSshKeys/adminCidrs: a throwaway key for this run, SSH allowed from 10.0.2.2 only;
 * - os: debian-12 (what the VM runs);
 * - pipIndexUrl: a simple index over the wheels baked into the image (no PyPI in the guest), reached by
 *   the deploy's pip as any private index would be;
 * - insecureRepoTransport: the git daemon speaks git:// on qemu's private network;
 * - appEnv: the stack's own entries and, for Celery workers, WORKER_KIND=celery for the sample app.
 * Wiring added to the seed copy only:
 * - VENV_OPTIONS=--system-site-packages appended to the deploy script's settings, so the virtualenv sees
 *   Debian's python3-flask & co. The deploy script reads VENV_OPTIONS from its own shell, not from the
 *   app environment file, so an appEnv entry would not reach it;
 * - unless SERVER_TEST_RECOMMENDS=1: apt configured not to install Recommends (time budget under TCG).
 */
import { parse, stringify } from "yaml";
import { mockSnapshotId, type RecordedResource } from "../../harness/mockRuntime";
import { BAKE_ENV } from "../../provisioning/digitalocean/imageBake";
import { IMAGE_BAKE_SCRIPT } from "../../provisioning/image";
import { decodedWriteFiles } from "../../provisioning/cloudConfig";
import { HEARTBEAT_ENV } from "../../provisioning/roles/heartbeat";
import { BACKUP_STORE_CFG, POSTGRES_ENV } from "../../provisioning/roles/postgres";
import { LETS_ENCRYPT_DIRECTORY, TLS_ISSUE_SCRIPT } from "../../provisioning/roles/tls";
import { KEY_NAMES } from "../../settings";
import { readStackConfig } from "../../tools/stackConfig";
import { planStack, ROOT } from "../helpers";

/** The guest sees the host's loopback as this address (qemu user-mode networking). */
export const HOST_FROM_GUEST = "10.0.2.2";
/** Where the seed puts the test ACME CA's API certificate authority (update-ca-certificates reads it). */
export const TEST_CA_FILE = "/usr/local/share/ca-certificates/fullstack-test-acme.crt";
/** Where build-image.sh puts the wheels made from Debian's gunicorn, rq and celery. */
export const WHEEL_DIR = "/opt/fullstack-test/wheels";

export interface CloudConfigDoc {
  packages?: string[];
  users?: { name: string; sudo?: string; [k: string]: unknown }[];
  write_files?: { path: string; content: string; permissions?: string; owner?: string; defer?: boolean; append?: boolean }[];
  fs_setup?: { device?: string }[];
  mounts?: string[][];
  runcmd?: unknown[];
  [key: string]: unknown;
}

export interface Roles {
  web: boolean;
  postgres: boolean;
  redis: boolean;
  /** The task queue worker's kind and unit, if the server runs one. */
  worker?: { kind: "rq" | "celery"; unit: string };
  scheduler?: { unit: string };
}

/** How a release reaches the server under test, as the stack's Pulumi program would push it. */
export interface ReleasePush {
  /** The release user and its private key (from the stack's tls.PrivateKey), and the host key to expect. */
  user: string;
  privateKey: string;
  hostPublicKey: string;
  /** The rendered release bundle (what the Command resource sends on stdin). */
  bundle: string;
}

export interface ServerUnderTest {
  stack: string;
  /** Present when the stack pushes releases over SSH (DigitalOcean); the server has no app until one arrives. */
  release?: ReleasePush;
  /** The appEnv the server was rendered with (the stack's and the wiring's entries). */
  appEnv: string[];
  serverName: string;
  appName: string;
  adminUser: string;
  gunicornUnit: string;
  /** Every systemd service the deploy script starts (APP_SERVICES). */
  appServices: string[];
  roles: Roles;
  /** Data volumes the cloud-config formats/mounts, by device path. */
  volumes: string[];
  /** What the library rendered (with config overrides), untouched. */
  rendered: string;
  /** The copy written to the seed: rendered plus seed-only wiring. */
  seed: string;
  /** Human-readable list of every test-only change. */
  wiring: string[];
  /** With `operations`: the backup bucket and key the server uses. */
  backupStore?: BackupStoreUnderTest;
  /**
   * With `serverImage: baked`: the builder's user data the stack's bake Command carries (plus the same
   * apt wiring as the seed), to bake the image the server boots from.
   */
  bake?: { userData: string };
}

export interface WiringOptions {
  stack: string;
  gitPort: number;
  sshPublicKey: string;
  /** Let apt install Recommends, as on a real server (slower under TCG). */
  installRecommends: boolean;
  /** More config overrides (keys without the namespace), e.g. {"workerKind": "celery"}. */
  extraConfig?: Record<string, unknown>;
  /**
   * HTTPS on the box from a test ACME CA on the host: the site gets `domain`, and the seed copy sends
   * certbot to `directoryUrl` (instead of Let's Encrypt) and makes the guest trust `caPem`, the CA of
   * that directory's own HTTPS (a private CA's users do the same).
   */
  acme?: { domain: string; directoryUrl: string; caPem: string };
  /**
   * Operations on the host: the stack gets a heartbeat URL and backups off the box, and the seed copy
   * sends the pings to `heartbeatUrl` (a receiver on the host) and the dumps to the S3-compatible server
   * at `s3Host` (host:port, plain HTTP, path-style), in place of healthchecks.io and Spaces; and the stack
   * ships its logs to `logSink` (a syslog receiver on the host, plain TCP to a private address).
   */
  operations?: { heartbeatUrl: string; s3Host: string; logSink: string };
}

/** What the seed's backup store settings say, for the host's S3 server to accept. */
export interface BackupStoreUnderTest {
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
  prefix: string;
}

export async function renderServer(opts: WiringOptions): Promise<ServerUnderTest> {
  const stackCfg = readStackConfig(ROOT, opts.stack).config;
  const stackEnv = stackCfg["fullstack:appEnv"] ? (JSON.parse(stackCfg["fullstack:appEnv"]) as string[]) : [];
  const repo = `git://${HOST_FROM_GUEST}:${opts.gitPort}/app.git`;
  const pipIndexUrl = `file://${WHEEL_DIR}/simple/`;
  const overrides: Record<string, unknown> = {
    appRepo: repo,
    appRef: "main",
    adminSshKeys: [opts.sshPublicKey],
    adminCidrs: [`${HOST_FROM_GUEST}/32`],
    appEnv: stackEnv,
    pipIndexUrl,
    // git daemon speaks git://, which nobody authenticates: fine on qemu's private network.
    insecureRepoTransport: true,
    ...(opts.acme ? { domain: opts.acme.domain } : {}),
    ...(opts.operations ? { heartbeatUrl: "https://hc-ping.invalid/fullstack-test", offsiteBackups: true, logSink: opts.operations.logSink } : {}),
  };
  if (KEY_NAMES.includes("os")) overrides.os = "debian-12";
  // What the server boots from: the image baked with its packages (the default here), or the stock image.
  const image = process.env.SERVER_TEST_IMAGE ?? "baked";
  if (image !== "baked" && image !== "stock") throw new Error(`SERVER_TEST_IMAGE=${image}: use baked or stock`);
  overrides.serverImage = image;
  for (const [k, v] of Object.entries(opts.extraConfig ?? {})) {
    if (!KEY_NAMES.includes(k)) throw new Error(`SERVER_TEST_CONFIG: unknown config key ${k}`);
    overrides[k] = v;
  }
  const wiring = [
    `appRepo=${repo} (examples/app served by git daemon on the host), appRef=main`,
    `adminSshKeys=[test key], adminCidrs=[${HOST_FROM_GUEST}/32]`,
    ...(overrides.os ? ["os=debian-12"] : []),
    `serverImage=${image} (SERVER_TEST_IMAGE=stock boots the stock image instead)`,
    ...(opts.acme ? [`domain=${opts.acme.domain} (one box with a domain: HTTPS from the server's own certificate)`] : []),
    `pipIndexUrl=${pipIndexUrl} (a simple index over the image's wheels)`,
    ...Object.entries(opts.extraConfig ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)} (SERVER_TEST_CONFIG)`),
  ];

  let server = await renderOne(opts.stack, overrides);
  let doc = parse(server.userData) as CloudConfigDoc;
  let roles = detectRoles(server.bake ? { ...doc, packages: bakedPackages(server.bake) } : doc);
  if (roles.worker?.kind === "celery") {
    // The sample app enqueues for RQ unless told otherwise.
    overrides.appEnv = [...(overrides.appEnv as string[]).filter((e) => !e.startsWith("WORKER_KIND=")), "WORKER_KIND=celery"];
    wiring.push("appEnv += WORKER_KIND=celery (the sample app's switch)");
    server = await renderOne(opts.stack, overrides);
    doc = parse(server.userData) as CloudConfigDoc;
    roles = detectRoles(server.bake ? { ...doc, packages: bakedPackages(server.bake) } : doc);
  }

  // Files the renderer compressed to fit the user data limit, as cloud-init writes them (the seed keeps them plain).
  const files = decodedWriteFiles(doc.write_files);
  doc.write_files = files;
  const deployConf = files.find((f) => /^\/etc\/[^/]+\/deploy\.conf$/.test(f.path));
  if (!deployConf) throw new Error("the rendered cloud-config writes no /etc/<app>/deploy.conf: cannot wire VENV_OPTIONS");
  const conf = shellSettings(deployConf.content);
  const appName = conf.APP_NAME;
  if (!appName) throw new Error(`${deployConf.path} sets no APP_NAME`);
  const appServices = (conf.APP_SERVICES ?? "").split(/\s+/).filter(Boolean);
  const gunicornUnit = appServices.find((s) => /gunicorn/.test(s)) ?? `${appName}-gunicorn.service`;
  const admin = (doc.users ?? []).find((u) => typeof u.sudo === "string");
  if (!admin) throw new Error("the rendered cloud-config creates no sudo user: the test cannot log in");

  const seedDoc: CloudConfigDoc = { ...doc, write_files: [...files] };
  seedDoc.write_files!.push({
    path: deployConf.path,
    content: "# fullstack-pulumi server test only: build the virtualenv over Debian's Python packages.\nVENV_OPTIONS='--system-site-packages'\n",
    permissions: deployConf.permissions,
    owner: deployConf.owner,
    append: true,
    ...(deployConf.defer ? { defer: true } : {}),
  });
  wiring.push(`seed only: write_files appends VENV_OPTIONS='--system-site-packages' to ${deployConf.path}`);
  if (opts.acme) {
    const issue = seedDoc.write_files!.findIndex((f) => f.path === TLS_ISSUE_SCRIPT);
    if (issue < 0) throw new Error(`the rendered cloud-config has no ${TLS_ISSUE_SCRIPT}, though the stack has a domain and one server`);
    const server = `--server=${LETS_ENCRYPT_DIRECTORY}`;
    const script = seedDoc.write_files![issue].content;
    if (!script.includes(server)) throw new Error(`${TLS_ISSUE_SCRIPT} does not ask ${LETS_ENCRYPT_DIRECTORY}: cannot send it to the test CA`);
    seedDoc.write_files![issue] = { ...seedDoc.write_files![issue], content: script.replace(server, `--server=${opts.acme.directoryUrl}`) };
    wiring.push(`seed only: ${TLS_ISSUE_SCRIPT} asks ${opts.acme.directoryUrl} (Pebble on the host) instead of Let's Encrypt`);
    seedDoc.write_files!.push({ path: TEST_CA_FILE, content: opts.acme.caPem, permissions: "0644", owner: "root:root" });
    // Before any runcmd entry: the role's first certificate attempt runs from runcmd. Appended to the
    // bundle certbot reads (requests -> Debian's certifi -> /etc/ssl/certs/ca-certificates.crt) rather than
    // by update-ca-certificates, whose rehash of every CA took 35 s of the first boot under emulation; the
    // file stays under /usr/local/share/ca-certificates, so a later update-ca-certificates keeps it.
    seedDoc.runcmd = [["sh", "-c", `cat ${TEST_CA_FILE} >> /etc/ssl/certs/ca-certificates.crt`], ...(seedDoc.runcmd ?? [])];
    wiring.push(`seed only: the guest trusts the test CA of Pebble's API (${TEST_CA_FILE}, appended to the CA bundle first in runcmd)`);
  }
  let backupStore: BackupStoreUnderTest | undefined;
  if (opts.operations) {
    const ops = opts.operations;
    const swap = (path: string, change: (content: string) => string, what: string) => {
      const i = seedDoc.write_files!.findIndex((f) => f.path === path);
      if (i < 0) throw new Error(`the rendered cloud-config writes no ${path}`);
      const before = seedDoc.write_files![i].content;
      const after = change(before);
      if (after === before) throw new Error(`${path}: ${what} not found`);
      seedDoc.write_files![i] = { ...seedDoc.write_files![i], content: after };
    };
    swap(HEARTBEAT_ENV, (c) => c.replace(/^HEARTBEAT_URL=.*$/m, `HEARTBEAT_URL='${ops.heartbeatUrl}'`), "HEARTBEAT_URL");
    wiring.push(`heartbeatUrl set; seed only: ${HEARTBEAT_ENV} pings ${ops.heartbeatUrl} (a receiver on the host)`);
    const cfg = files.find((f) => f.path === BACKUP_STORE_CFG)?.content ?? "";
    const setting = (name: string) => new RegExp(`^${name} = (.*)$`, "m").exec(cfg)?.[1];
    const env = shellSettings(files.find((f) => f.path === POSTGRES_ENV)?.content ?? "");
    const [accessKey, secretKey, region] = [setting("access_key"), setting("secret_key"), setting("bucket_location")];
    if (!accessKey || !secretKey || !region || !env.PG_OFFSITE_BUCKET) throw new Error(`${BACKUP_STORE_CFG} or ${POSTGRES_ENV} lacks the store's key, region or bucket`);
    backupStore = { accessKey, secretKey, region, bucket: env.PG_OFFSITE_BUCKET, prefix: env.PG_OFFSITE_PREFIX ?? "" };
    swap(BACKUP_STORE_CFG, (c) => c.replace(/^host_base = .*$/m, `host_base = ${ops.s3Host}`).replace(/^host_bucket = .*$/m, `host_bucket = ${ops.s3Host}`)
      .replace(/^use_https = True$/m, "use_https = False"), "host_base");
    wiring.push(`offsiteBackups=true; seed only: ${BACKUP_STORE_CFG} sends the dumps to ${ops.s3Host} (an S3 server on the host, plain HTTP, path-style)`);
    wiring.push(`logSink=${ops.logSink} (a syslog receiver on the host)`);
  }
  const bakeDoc = server.bake ? parse(server.bake) as CloudConfigDoc : undefined;
  if (!opts.installRecommends) {
    // Under TCG every package costs seconds; Recommends (graphics libraries via libgd3, gnupg, manpages,
    // sysstat, ...) add about 70 packages that nothing on the server uses. Fewer packages can only make
    // the test fail, never pass by accident. The image's builder gets the same setting.
    const aptConf = {
      path: "/etc/apt/apt.conf.d/99-fullstack-server-test",
      content: "// fullstack-pulumi server test only: keep the boot within the time budget.\n" +
        "APT::Install-Recommends \"false\";\nAcquire::Languages \"none\";\n",
      permissions: "0644",
      owner: "root:root",
    };
    seedDoc.write_files!.push(aptConf);
    bakeDoc?.write_files?.unshift(aptConf);
    wiring.push(`seed only: apt without Recommends and translations${bakeDoc ? " (and the image's builder)" : ""} (SERVER_TEST_RECOMMENDS=1 keeps them)`);
  }

  // Data volumes: named in fs_setup/mounts or in a rendered script that waits for the device.
  const volumes = [...new Set([
    ...(doc.fs_setup ?? []).map((f) => f.device).filter((d): d is string => typeof d === "string"),
    ...(doc.mounts ?? []).map((m) => m[0]).filter((d) => typeof d === "string" && d.startsWith("/dev/")),
    ...[...server.userData.matchAll(/\/dev\/disk\/by-id\/scsi-0DO_Volume_[A-Za-z0-9._-]+/g)].map((m) => m[0]),
  ])];

  return {
    stack: opts.stack,
    release: server.release,
    appEnv: overrides.appEnv as string[],
    serverName: server.name,
    appName,
    adminUser: admin.name,
    gunicornUnit,
    appServices,
    roles,
    volumes,
    rendered: server.userData,
    seed: `#cloud-config\n${stringify(seedDoc, { lineWidth: 0 })}`,
    wiring,
    backupStore,
    ...(bakeDoc ? { bake: { userData: `#cloud-config\n${stringify(bakeDoc, { lineWidth: 0 })}` } } : {}),
  };
}

/** The packages a builder's user data installs (the `apt_get install` line of provisioning/image.ts's script). */
function bakedPackages(bakeUserData: string): string[] {
  const script = (parse(bakeUserData) as CloudConfigDoc).write_files?.find((f) => f.path === IMAGE_BAKE_SCRIPT)?.content ?? "";
  const line = script.split("\n").find((l) => l.startsWith("apt_get install "));
  if (!line) throw new Error(`the bake's user data has no ${IMAGE_BAKE_SCRIPT} with an apt_get install line`);
  return line.replace("apt_get install ", "").split(" ").map((p) => p.replace(/^'|'$/g, ""));
}

async function renderOne(stack: string, overrides: Record<string, unknown>): Promise<{ name: string; userData: string; release?: ReleasePush; bake?: string }> {
  const result = await planStack(stack, overrides);
  const servers = result.resources.filter((r: RecordedResource) =>
    typeof r.plainInputs.userData === "string" && (r.plainInputs.userData as string).startsWith("#cloud-config\n"));
  if (servers.length === 0) throw new Error(`stack ${stack} renders no server with #cloud-config user data`);
  // One VM at a time on this machine: the first server that runs the web role (the single profile has one).
  const web = servers.find((s) => (s.plainInputs.userData as string).includes("/etc/nginx/sites-available/")) ?? servers[0];
  if (servers.length > 1) {
    console.warn(`server test: stack ${stack} renders ${servers.length} servers; booting ${web.name} only`);
  }
  // A baked image: the bake Command whose snapshot (its stdout, under the mocks) the droplet boots from.
  const image = String(web.plainInputs.image ?? "");
  const bake = result.resources.find((r) => r.type === "command:local:Command"
    && mockSnapshotId(String((r.plainInputs.environment as Record<string, unknown> | undefined)?.[BAKE_ENV.name])) === image);
  const bakeUserData = bake ? (bake.plainInputs.environment as Record<string, string>)[BAKE_ENV.userData] : undefined;
  return { name: web.name, userData: web.plainInputs.userData as string, release: releaseOf(result.resources, web.name), bake: bakeUserData };
}

/** The release Command the program made for a server, if releases are pushed over SSH. */
function releaseOf(resources: RecordedResource[], serverName: string): ReleasePush | undefined {
  const cmd = resources.find((r) => r.type === "command:remote:Command" && r.name === `${serverName}-release`);
  if (!cmd) return undefined;
  const conn = cmd.plainInputs.connection as { user: string; privateKey: string; hostKey: string };
  return { user: conn.user, privateKey: conn.privateKey, hostPublicKey: conn.hostKey, bundle: cmd.plainInputs.stdin as string };
}

/**
 * The release bundle the stack would push with these config overrides on top of the test wiring (a new
 * appRef, appEnv, ...): what a later `pulumi up` sends, rendered by the same program.
 */
export async function renderRelease(opts: WiringOptions, more: Record<string, unknown>): Promise<string> {
  const base = await renderServer({ ...opts, extraConfig: { ...(opts.extraConfig ?? {}), ...more } });
  if (!base.release) throw new Error(`stack ${opts.stack} does not push releases over SSH`);
  return base.release.bundle;
}

export function detectRoles(doc: CloudConfigDoc): Roles {
  const packages = doc.packages ?? [];
  const units = (doc.write_files ?? []).filter((f) => /^\/etc\/systemd\/system\/[^/]+\.service$/.test(f.path));
  const execOf = (content: string) => (content.match(/^ExecStart=(.+)$/m) ?? [])[1] ?? "";
  const unitName = (path: string) => path.split("/").pop()!;
  let worker: Roles["worker"];
  let scheduler: Roles["scheduler"];
  for (const u of units) {
    const exec = execOf(u.content);
    if (/\bcelery\b.*\sworker\b/.test(exec)) worker = { kind: "celery", unit: unitName(u.path) };
    else if (/\brq worker\b/.test(exec)) worker = { kind: "rq", unit: unitName(u.path) };
    else if (/\bcelery\b.*\sbeat\b|\brqscheduler\b/.test(exec)) scheduler = { unit: unitName(u.path) };
  }
  return {
    web: packages.includes("nginx") || packages.includes("nginx-light"),
    postgres: packages.some((p) => /^postgresql(-\d+)?$/.test(p)),
    redis: packages.some((p) => /^(redis-server|valkey-server|valkey)$/.test(p)),
    worker,
    scheduler,
  };
}

/** The NAME='value' lines of a rendered shell settings file (single-quoted values, as the library writes them). */
export function shellSettings(content: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of content.matchAll(/^([A-Z_][A-Z0-9_]*)='((?:[^']|'"'"')*)'$/gm)) out[m[1]] = m[2].replace(/'"'"'/g, "'");
  return out;
}
