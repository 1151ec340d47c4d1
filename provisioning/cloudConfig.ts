/**
 * Composes roles into one `#cloud-config` document per server, serialised with the `yaml` package.
 */
import { stringify } from "yaml";
import { baseRole, baseTopLevel } from "./roles/base";
import { appRole, webRole, webUnits } from "./roles/web";
import { appPaths, type RolePart, type ServerSpec } from "./types";

export class ProvisioningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProvisioningError";
  }
}

export function renderCloudConfig(spec: ServerSpec): string {
  const parts: RolePart[] = [baseRole(spec.base)];
  const units = { sockets: [] as string[], services: [] as string[] };
  if (spec.roles.includes("web")) {
    if (!spec.app || !spec.web) throw new ProvisioningError("the web role needs app and web specs");
    const w = webUnits(spec.app.name);
    units.sockets.push(...w.sockets);
    units.services.push(...w.services);
  }
  if (spec.app) parts.push(appRole(spec.app, units));
  if (spec.roles.includes("web") && spec.app && spec.web) parts.push(webRole(spec.app, spec.web));

  const packages = unique(parts.flatMap((p) => p.packages ?? []));
  const users = parts.flatMap((p) => p.users ?? []);
  const writeFiles = parts.flatMap((p) => p.writeFiles ?? []);
  const seen = new Set<string>();
  for (const f of writeFiles) {
    if (seen.has(f.path)) throw new ProvisioningError(`two roles write ${f.path}`);
    seen.add(f.path);
  }
  const runcmd = parts.flatMap((p) => p.runcmd ?? []);
  if (spec.app) runcmd.push([appPaths(spec.app.name).deployScript]);

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
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}

/** Byte length as the cloud counts it (UTF-8). */
export function userDataBytes(userData: string): number {
  return Buffer.byteLength(userData, "utf8");
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
