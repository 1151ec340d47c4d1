/**
 * Composes roles into one `#cloud-config` document per server, serialised with the `yaml` package.
 */
import { baseRole, baseTopLevel } from "./roles/base";
import { heartbeatPart, type HeartbeatCheck } from "./roles/heartbeat";
import { postgresRole } from "./roles/postgres";
import { redisRole } from "./roles/redis";
import { tlsRole } from "./roles/tls";
import { appRole, webRole, webUnits } from "./roles/web";
import { heartbeatChecks, workerRole, workerUnits } from "./roles/worker";
import { POLICY_RC_D, renderPolicyRcD } from "./firstBoot";
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
  /** Secret files left out of the user data, for the cloud to store and the server to fetch. */
  secretFiles: WriteFile[];
}

/** One server's cloud-config, with secret files delivered as the cloud requires. */
export function renderServerFiles(spec: ServerSpec, delivery: SecretDelivery): ServerFiles {
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
  if (has("postgres") || (has("worker") && spec.heartbeat)) {
    const checks: HeartbeatCheck[] = has("worker") && spec.app ? heartbeatChecks(spec.app.name, has("scheduler")) : [];
    parts.push(heartbeatPart(spec.heartbeat, checks));
  }

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
  const secretFiles = delivery.kind === "fetch" ? allFiles.filter((f) => f.secret) : [];
  const writeFiles = delivery.kind === "fetch" ? allFiles.filter((f) => !f.secret) : allFiles;
  const seen = new Set<string>();
  for (const f of allFiles) {
    if (seen.has(f.path)) throw new ProvisioningError(`two roles write ${f.path}`);
    seen.add(f.path);
  }
  const runcmd = parts.flatMap((p) => p.runcmd ?? []);
  if (startsItself.length > 0) runcmd.push(["rm", "-f", POLICY_RC_D]);
  // The first release, last: from its file (pushed releases arrive over SSH once the server is up).
  if (runsApp && spec.app && (spec.release ?? { kind: "file" }).kind === "file") {
    const p = appPaths(spec.app.name);
    runcmd.push([p.releaseScript, "--file", p.releaseBundle]);
  }

  const doc = {
    ...baseTopLevel(spec.base),
    users,
    packages,
    write_files: writeFiles.map((f) => ({
      path: f.path,
      content: f.content,
      permissions: f.permissions,
      owner: f.owner ?? "root:root",
      ...(f.defer ? { defer: true } : {}),
    })),
    runcmd,
  };
  return { userData: `#cloud-config\n${safeYaml(doc)}`, secretFiles };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
