/**
 * Composes roles into one `#cloud-config` document per server, serialised with the `yaml` package.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { baseRole, baseTopLevel } from "./roles/base";
import { HEARTBEAT_AGE_CHECKS, heartbeatPart, type HeartbeatCheck } from "./roles/heartbeat";
import { logShipperPart } from "./roles/logShipper";
import { logStreams } from "./logs";
import { postgresRole } from "./roles/postgres";
import { redisRole } from "./roles/redis";
import { tlsRole } from "./roles/tls";
import { appRole, webRole, webUnits } from "./roles/web";
import { heartbeatChecks, workerRole, workerUnits } from "./roles/worker";
import { MARK_PACKAGES_INSTALLED, oneDaemonReload, POLICY_RC_D, renderPolicyRcD } from "./firstBoot";
import { bootOnBakedImage, imageBake, type CloudConfigDoc, type ImageBake } from "./image";
import { RELEASE_USER } from "./release";
import { safeYaml } from "./yaml";
import { appPaths, type Role, type RolePart, type SecretDelivery, type ServerSpec, type WriteFile } from "./types";

export class ProvisioningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProvisioningError";
  }
}

export interface ServerFiles {
  /** The `#cloud-config` document. */
  userData: string;
  /**
   * Files left out of the user data, for the cloud to store and the server to fetch first thing in runcmd
   * (`fetch` delivery only): every secret file, and the scripts that did not fit the user data (see
   * {@link UserDataBudget}); each keeps its `secret` flag.
   */
  fetchedFiles: WriteFile[];
  /** With `image: "baked"`: what the image the server boots from is baked with. */
  bake?: ImageBake;
}

/**
 * How big the user data may be: the cloud's limit and how it counts. When the document would be larger:
 * 1. its largest files are written compressed (cloud-init's write_files `encoding: gz+b64`, decoded by
 *    cc_write_files before writing), largest first, each only if that shrinks the counted size (where the
 *    cloud gzips the whole document, as on EC2, it never does);
 * 2. with `fetch` delivery, if still too big, its largest scripts (executables under /usr/local, which only
 *    runcmd and units started later run) move to the fetched files, largest first, until it fits.
 * A document within the limit is left as it is, so servers that fit never see their user data change.
 */
export interface UserDataBudget {
  limit: number;
  bytes: (userData: string) => number;
}

export function renderServerFiles(spec: ServerSpec, delivery: SecretDelivery, budget?: UserDataBudget): ServerFiles {
  const has = (role: Role) => spec.roles.includes(role);
  const need = <T>(value: T | undefined, role: Role, what: string): T => {
    if (value === undefined) throw new ProvisioningError(`the ${role} role needs ${what}`);
    return value;
  };
  if (has("scheduler") && !has("worker")) throw new ProvisioningError("the scheduler role runs beside the worker role");

  // Data stores first: the app's first release (the last command) migrates into a running database.
  const pushed = (has("web") || has("worker")) && spec.release?.kind === "push";
  const parts: RolePart[] = [baseRole(pushed ? { ...spec.base, sshUsers: [...(spec.base.sshUsers ?? []), RELEASE_USER] } : spec.base)];
  if (has("postgres")) parts.push(postgresRole(need(spec.postgres, "postgres", "a postgres spec")));
  if (has("redis")) parts.push(redisRole(need(spec.redis, "redis", "a redis spec")));

  const units = { sockets: [] as string[], services: [] as string[] };
  const runsApp = has("web") || has("worker");
  if (runsApp) {
    const app = need(spec.app, has("web") ? "web" : "worker", "an app spec");
    if (has("web")) {
      const w = webUnits(app.name);
      units.sockets.push(...w.sockets);
      units.services.push(...w.services);
    }
    if (has("worker")) units.services.push(...workerUnits(app.name, has("scheduler")));
    parts.push(appRole(app, { ...units, web: has("web") }, spec.release ?? { kind: "file" }));
    if (has("web")) parts.push(webRole(app, need(spec.web, "web", "a web spec")));
    // After the web role: its HTTP site is on before the first certificate request.
    if (has("web") && spec.web?.tls) parts.push(tlsRole(app, spec.web));
    if (has("worker")) parts.push(workerRole(app, need(spec.worker, "worker", "a worker spec"), has("scheduler")));
  }
  // Jobs (backup, restore drill) and services (scheduler, workers) check in. The jobs source the settings
  // wherever they run (no-op pings without a URL); workers get them only with a URL.
  // A managed database's drill (spec.restoreDrill, its files in the cloud's part) reports like the single box's.
  if (has("postgres") || (has("worker") && spec.heartbeat) || spec.restoreDrill) {
    const checks: HeartbeatCheck[] = has("worker") && spec.app ? heartbeatChecks(spec.app.name, has("scheduler")) : [];
    // With metrics, every report on the drill's server (the nightly backup's, at least) also says how long
    // ago the drill last succeeded (HEARTBEAT_AGE_CHECKS).
    const drill = (has("postgres") && spec.postgres?.restoreDrill !== undefined && spec.postgres.restoreDrill !== "off") || spec.restoreDrill !== undefined;
    // A drill's server without the nightly backup or services (a web server) reports the drill's age on the timer.
    parts.push(heartbeatPart(spec.heartbeat, checks, spec.heartbeat?.metrics && drill ? HEARTBEAT_AGE_CHECKS : [], !has("postgres") && spec.restoreDrill !== undefined));
  }

  // Logs off the server, for the app's servers (their streams are the app's; provisioning/logs.ts).
  if (spec.logSink && spec.app && (runsApp || has("postgres"))) parts.push(logShipperPart(spec.app.name, spec.logSink, logStreams(spec.app.name)));

  parts.push(...(spec.extra ?? []));
  if (delivery.kind === "fetch") {
    // Fetch secrets first: every later command may read them.
    parts.unshift({ packages: delivery.packages, writeFiles: delivery.files, runcmd: [delivery.command] });
  }
  const packages = unique(parts.flatMap((p) => p.packages ?? []));
  const users = parts.flatMap((p) => p.users ?? []);
  const startsItself = parts.flatMap((p) => p.startsItself ?? []);
  const allFiles = [
    ...parts.flatMap((p) => p.writeFiles ?? []),
    ...(startsItself.length > 0 ? [{ path: POLICY_RC_D, permissions: "0755", content: renderPolicyRcD(startsItself) }] : []),
  ];
  const writeFiles = delivery.kind === "fetch" ? allFiles.filter((f) => !f.secret) : allFiles;
  const seen = new Set<string>();
  for (const f of allFiles) {
    if (seen.has(f.path)) throw new ProvisioningError(`two roles write ${f.path}`);
    seen.add(f.path);
  }
  const runcmd = oneDaemonReload(parts.flatMap((p) => p.runcmd ?? []));
  // A release pushed during the first boot starts building once the packages are in (and the secrets).
  if (pushed) runcmd.splice(delivery.kind === "fetch" ? 1 : 0, 0, [...MARK_PACKAGES_INSTALLED]);
  if (startsItself.length > 0) runcmd.push(["rm", "-f", POLICY_RC_D]);
  // The first release, last: from its file (pushed releases arrive over SSH once the server is up).
  if (runsApp && spec.app && (spec.release ?? { kind: "file" }).kind === "file") {
    const p = appPaths(spec.app.name);
    runcmd.push([p.releaseScript, "--file", p.releaseBundle]);
  }

  const docOf = (compressed: ReadonlySet<string>): CloudConfigDoc => ({
    ...baseTopLevel(spec.base),
    users,
    packages,
    write_files: writeFiles.map((f) => ({
      path: f.path,
      ...(compressed.has(f.path) ? { encoding: "gz+b64", content: gzipSync(f.content, { level: 9 }).toString("base64") } : { content: f.content }),
      permissions: f.permissions,
      owner: f.owner ?? "root:root",
      ...(f.defer ? { defer: true } : {}),
    })),
    runcmd,
  });
  const baked = spec.image === "baked";
  const render = (compressed: ReadonlySet<string>) =>
    `#cloud-config\n${safeYaml(baked ? bootOnBakedImage(docOf(compressed), startsItself) : docOf(compressed))}`;
  const bake = baked ? imageBake(docOf(new Set()), startsItself) : undefined;
  const compressed = new Set<string>();
  let userData = render(compressed);
  const fetchedFiles = delivery.kind === "fetch" ? allFiles.filter((f) => f.secret) : [];
  if (budget) {
    // A file is kept compressed only if that makes the counted size smaller: where the cloud gzips the
    // whole document itself (EC2), base64 of gzip is nearly incompressible and only grows it.
    let size = budget.bytes(userData);
    const bySize = [...writeFiles].sort((a, b) => b.content.length - a.content.length || a.path.localeCompare(b.path));
    for (const f of bySize) {
      if (size <= budget.limit) break;
      compressed.add(f.path);
      const candidate = render(compressed);
      const candidateSize = budget.bytes(candidate);
      if (candidateSize < size) {
        userData = candidate;
        size = candidateSize;
      } else {
        compressed.delete(f.path);
      }
    }
    if (size > budget.limit && delivery.kind === "fetch") {
      const own = new Set(delivery.files.map((f) => f.path));
      const movable = bySize.filter((f) => isLateScript(f) && !own.has(f.path));
      for (const f of movable) {
        if (size <= budget.limit) break;
        writeFiles.splice(writeFiles.indexOf(f), 1);
        compressed.delete(f.path);
        fetchedFiles.push(f);
        userData = render(compressed);
        size = budget.bytes(userData);
      }
    }
  }
  return { userData, fetchedFiles, ...(bake ? { bake } : {}) };
}

/** A write_files entry's content as cloud-init writes it to disk (decoding the gz+b64 this renderer uses). */
export function writtenContent(entry: { content?: unknown; encoding?: unknown }): string {
  const content = typeof entry.content === "string" ? entry.content : "";
  return entry.encoding === "gz+b64" ? gunzipSync(Buffer.from(content, "base64")).toString("utf8") : content;
}

/** A parsed cloud-config's write_files with every entry's content decoded (see {@link writtenContent}). */
export function decodedWriteFiles<F extends { content?: unknown; encoding?: unknown }>(files: readonly F[] | undefined): (Omit<F, "encoding"> & { content: string })[] {
  return (files ?? []).map((f) => {
    const { encoding: _encoding, ...rest } = f;
    void _encoding;
    return { ...rest, content: writtenContent(f) };
  });
}

/**
 * A script that nothing runs before runcmd: an executable under /usr/local, run by runcmd's commands or by
 * units they start. cloud-init's write_files runs in the init stage and runcmd in the final one, after the
 * packages are installed; the fetch command is runcmd's first, so such a file can arrive with it.
 */
function isLateScript(f: WriteFile): boolean {
  return f.path.startsWith("/usr/local/") && (parseInt(f.permissions, 8) & 0o100) !== 0;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
