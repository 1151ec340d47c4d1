/**
 * Which input changes replace a resource (the engine deletes and recreates it) rather than update it in
 * place, per resource type the library creates: the provider's own rule, kept as data with its source.
 * The bridged providers take it from the Terraform provider's schema (`ForceNew: true` on the attribute,
 * or a CustomizeDiff that forces it); Pulumi's names are the attributes' in camelCase. A resource's own
 * `replaceOnChanges` option adds to these (see {@link replacingChanges}).
 *
 * The offline plan diff (harness/planDiff.ts) is built on this. A type without an entry is reported as
 * unknown, never guessed.
 */
import { AWS_REPLACEMENT, OTHER_REPLACEMENT } from "./replacementAws";

/** Where a type's rule comes from. */
export interface ReplacementSource {
  /** The file in the provider's repository, and the commit read. */
  readonly file: string;
  readonly commit: string;
}

export interface ReplacementRule {
  /** Top-level inputs (Pulumi's names) whose change replaces the resource. */
  readonly replaceOn: readonly string[];
  /** Changes the provider refuses outright, as it says (e.g. shrinking a volume). */
  readonly refuses?: readonly string[];
  /** Inputs that replace the resource only while another input (a boolean) is true. */
  readonly replaceOnWhen?: { readonly input: string; readonly replaces: readonly string[] };
  readonly source: ReplacementSource;
}

const TFDO = (file: string): ReplacementSource => ({ file: `digitalocean/terraform-provider-digitalocean ${file}`, commit: "401992a1 (2026-08-06)" });

/**
 * terraform-provider-digitalocean: `ForceNew: true` among each resource's top-level schema attributes
 * (read from the files named). Resources without an Update function have every settable attribute
 * ForceNew (Terraform requires it): the connection pool is one.
 */
export const DIGITALOCEAN_REPLACEMENT: Readonly<Record<string, ReplacementRule>> = {
  "digitalocean:index/droplet:Droplet": {
    replaceOn: ["dropletAgent", "gpuPartitionMode", "image", "monitoring", "publicNetworking", "region", "sshKeys", "userData", "vpcUuid"],
    source: TFDO("digitalocean/droplet/resource_droplet.go"),
  },
  "digitalocean:index/volume:Volume": {
    replaceOn: ["description", "initialFilesystemLabel", "initialFilesystemType", "name", "region", "snapshotId"],
    refuses: ["size: a smaller size (\"volumes `size` can only be expanded and not shrunk\", its CustomizeDiff)"],
    source: TFDO("digitalocean/volume/resource_volume.go"),
  },
  "digitalocean:index/firewall:Firewall": { replaceOn: [], source: TFDO("digitalocean/firewall/resource_firewall.go (schema in firewall.go)") },
  "digitalocean:index/loadBalancer:LoadBalancer": {
    replaceOn: ["ip", "network", "networkStack", "region", "subnetUuid", "type", "vpcUuid"],
    source: TFDO("digitalocean/loadbalancer/resource_loadbalancer.go"),
  },
  "digitalocean:index/reservedIp:ReservedIp": { replaceOn: ["region"], source: TFDO("digitalocean/reservedip/resource_reserved_ip.go") },
  "digitalocean:index/reservedIpAssignment:ReservedIpAssignment": {
    replaceOn: ["dropletId", "ipAddress"], source: TFDO("digitalocean/reservedip/resource_reserved_ip_assignment.go"),
  },
  "digitalocean:index/vpc:Vpc": { replaceOn: ["ipRange", "region"], source: TFDO("digitalocean/vpc/resource_vpc.go") },
  "digitalocean:index/tag:Tag": { replaceOn: ["name"], source: TFDO("digitalocean/tag/resource_tag.go") },
  "digitalocean:index/databaseCluster:DatabaseCluster": {
    // size, nodeCount and version are updates (resize, and the upgrade API for version).
    replaceOn: ["engine", "name", "privateNetworkUuid", "projectId"], source: TFDO("digitalocean/database/resource_database_cluster.go"),
  },
  "digitalocean:index/databaseFirewall:DatabaseFirewall": { replaceOn: ["clusterId"], source: TFDO("digitalocean/database/resource_database_firewall.go") },
  "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool": {
    replaceOn: ["clusterId", "dbName", "mode", "name", "size", "user"], source: TFDO("digitalocean/database/resource_database_connection_pool.go (no Update)"),
  },
  "digitalocean:index/databaseDb:DatabaseDb": { replaceOn: ["clusterId", "name"], source: TFDO("digitalocean/database/resource_database_db.go") },
  "digitalocean:index/databaseUser:DatabaseUser": { replaceOn: ["clusterId", "name"], source: TFDO("digitalocean/database/resource_database_user.go") },
  "digitalocean:index/spacesBucket:SpacesBucket": { replaceOn: ["region"], source: TFDO("digitalocean/spaces/resource_spaces_bucket.go") },
  "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration": {
    replaceOn: ["region"], source: TFDO("digitalocean/spaces/resource_spaces_bucket_cors_configuration.go"),
  },
  "digitalocean:index/spacesKey:SpacesKey": { replaceOn: [], source: TFDO("digitalocean/spaces/resource_spaces_key.go") },
  "digitalocean:index/cdn:Cdn": { replaceOn: ["origin"], source: TFDO("digitalocean/cdn/resource_cdn.go") },
  "digitalocean:index/certificate:Certificate": {
    replaceOn: ["certificateChain", "domains", "leafCertificate", "name", "privateKey", "type"], source: TFDO("digitalocean/certificate/resource_certificate.go"),
  },
  "digitalocean:index/domain:Domain": { replaceOn: ["ipAddress", "name"], source: TFDO("digitalocean/domain/resource_domain.go") },
  "digitalocean:index/dnsRecord:DnsRecord": { replaceOn: ["domain", "type"], source: TFDO("digitalocean/domain/resource_record.go") },
  "digitalocean:index/monitorAlert:MonitorAlert": { replaceOn: [], source: TFDO("digitalocean/monitoring/resource_monitor_alert.go") },
  "digitalocean:index/uptimeCheck:UptimeCheck": { replaceOn: [], source: TFDO("digitalocean/uptime/resource_uptime_check.go") },
  "digitalocean:index/uptimeAlert:UptimeAlert": { replaceOn: [], source: TFDO("digitalocean/uptime/resource_uptime_alert.go") },
  "digitalocean:index/project:Project": { replaceOn: [], source: TFDO("digitalocean/project/resource_project.go") },
};

/** The known rules, by type token: DigitalOcean's here, AWS's and the random, tls and command types' in ./replacementAws.ts. */
export const REPLACEMENT: Readonly<Record<string, ReplacementRule>> = { ...DIGITALOCEAN_REPLACEMENT, ...AWS_REPLACEMENT, ...OTHER_REPLACEMENT };

/**
 * Of the inputs that changed, those that replace the resource: the provider's rule (with the resource's
 * `inputs` for rules that depend on them), plus the resource's own `replaceOnChanges` (top-level names,
 * or `*` for all). `undefined` when the type has no rule here.
 */
export function replacingChanges(type: string, changed: readonly string[], replaceOnChanges: readonly string[] = [], inputs: Record<string, unknown> = {}): string[] | undefined {
  const rule = REPLACEMENT[type];
  const own = (name: string) => replaceOnChanges.some((p) => p === "*" || p === name || p.startsWith(`${name}.`) || p.startsWith(`${name}[`));
  if (!rule) return replaceOnChanges.length > 0 && changed.some(own) ? changed.filter(own) : undefined;
  const when = rule.replaceOnWhen && inputs[rule.replaceOnWhen.input] === true ? rule.replaceOnWhen.replaces : [];
  return changed.filter((name) => rule.replaceOn.includes(name) || when.includes(name) || own(name));
}
