/**
 * What DigitalOcean refuses that Pulumi's mocks accept. See ./index.ts. The facts (name rules, plans,
 * Spaces regions, sizes) and their sources live in settings/limits/digitalocean.ts; OPENAPI and TFDO
 * there name github.com/digitalocean/openapi and github.com/digitalocean/terraform-provider-digitalocean.
 */
import { writtenContent } from "../../provisioning/cloudConfig";
import { parse as parseYaml } from "yaml";
import { renderAppGrantSql } from "../../provisioning/postgresGrants";
import type { RecordedResource } from "../mockRuntime";
import {
  AGENT_ALERT_TYPES, DB_PLANS_SOURCE, DO_NAME_RULES, DROPLET_SIZES, MONITOR_ALERT_COMPARES, MONITOR_ALERT_TYPES, MONITOR_ALERT_WINDOWS, SPACES_REGIONS,
  UPTIME_ALERT_COMPARISONS, UPTIME_ALERT_PERIODS, UPTIME_ALERT_TYPES, UPTIME_CHECK_REGIONS, UPTIME_CHECK_TYPES, dbPlanProblem, nameProblem, type NameRule,
} from "../../settings/limits/digitalocean";
import { nameSentToCloud, type CloudRule } from "./rule";

const DO = (type: string) => `digitalocean:index/${type}`;
export const DO_TYPES = {
  sshKey: DO("sshKey:SshKey"),
  droplet: DO("droplet:Droplet"),
  volume: DO("volume:Volume"),
  tag: DO("tag:Tag"),
  firewall: DO("firewall:Firewall"),
  vpc: DO("vpc:Vpc"),
  loadBalancer: DO("loadBalancer:LoadBalancer"),
  certificate: DO("certificate:Certificate"),
  domain: DO("domain:Domain"),
  dnsRecord: DO("dnsRecord:DnsRecord"),
  cdn: DO("cdn:Cdn"),
  cluster: DO("databaseCluster:DatabaseCluster"),
  pool: DO("databaseConnectionPool:DatabaseConnectionPool"),
  database: DO("databaseDb:DatabaseDb"),
  databaseUser: DO("databaseUser:DatabaseUser"),
  bucket: DO("spacesBucket:SpacesBucket"),
  monitorAlert: DO("monitorAlert:MonitorAlert"),
  uptimeCheck: DO("uptimeCheck:UptimeCheck"),
  uptimeAlert: DO("uptimeAlert:UptimeAlert"),
} as const;
const T = DO_TYPES;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const lower = (v: string) => v.toLowerCase().replace(/\.$/, "");

/** A rule that a resource's (auto-)name meets a DigitalOcean name rule. */
function nameRule(id: string, type: string, rule: NameRule, prop = "name"): CloudRule {
  return {
    id, source: rule.source, types: [type],
    check: (r) => (r ? nameProblem(rule, nameSentToCloud(r!, prop)) : undefined),
  };
}

/** Resources `r` waits for, directly or through others (the engine's dependency graph). */
function waitsFor(r: RecordedResource, all: readonly RecordedResource[]): Set<string> {
  const byUrn = new Map(all.map((x) => [x.urn, x]));
  const seen = new Set<string>();
  const todo = [...(r.dependencies ?? [])];
  while (todo.length > 0) {
    const urn = todo.pop()!;
    if (seen.has(urn)) continue;
    seen.add(urn);
    todo.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return seen;
}

/** The zone names a resource puts a name into (certificate domains, CDN custom domain, record's zone). */
function namesIn(r: RecordedResource): string[] {
  const p = r.plainInputs;
  if (r.type === T.certificate) return ((p.domains as unknown[] | undefined) ?? []).map(String);
  if (r.type === T.cdn) return str(p.customDomain) ? [str(p.customDomain)!] : [];
  if (r.type === T.dnsRecord) return str(p.domain) ? [str(p.domain)!] : [];
  return [];
}

/** Whether a server's cloud-config writes a file with exactly `content`. */
function writesFile(server: RecordedResource, content: string): boolean {
  const userData = server.plainInputs.userData;
  if (typeof userData !== "string" || !userData.startsWith("#cloud-config")) return false;
  try {
    const files = (parseYaml(userData) as { write_files?: { content?: string; encoding?: string }[] } | null)?.write_files ?? [];
    return files.some((f) => writtenContent(f) === content);
  } catch {
    return false;
  }
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What is wrong with an alert's recipients (`alerts` of a MonitorAlert, one `notifications` entry of an UptimeAlert). */
function recipientProblems(what: string, recipients: unknown): string[] {
  const r = (recipients && typeof recipients === "object" ? recipients : {}) as { emails?: unknown; slacks?: unknown };
  const emails = list(r.emails);
  const slacks = list(r.slacks) as { url?: unknown; channel?: unknown }[];
  const out: string[] = [];
  if (emails.length === 0 && slacks.length === 0) out.push(`${what} names nobody (no email, no Slack webhook)`);
  for (const slack of slacks) {
    if (!str(slack.url) || !str(slack.channel)) out.push(`${what}: a Slack notification needs a url and a channel`);
  }
  return out;
}

/** The resource types each kind of alert policy may watch, by the ids they get. */
const ENTITY_TYPES: Record<keyof typeof MONITOR_ALERT_TYPES, string> = { droplet: DO_TYPES.droplet, loadBalancer: DO_TYPES.loadBalancer, databaseCluster: DO_TYPES.cluster };

export const digitaloceanRules: readonly CloudRule[] = [
  {
    id: "do-monitor-alert",
    source: "OPENAPI monitoring/models/alert_policy_request.yml (type, compare, window) and monitoring_create_alertPolicy.yml (valid entities; empty tags and entities watch every entity of the account); TFDO monitoring/resource_monitor_alert.go (value at least 0, description required)",
    types: [T.monitorAlert],
    check: (r, all) => {
      const p = r!.plainInputs;
      const out: string[] = [];
      const type = String(p.type);
      const kind = (Object.keys(MONITOR_ALERT_TYPES) as (keyof typeof MONITOR_ALERT_TYPES)[]).find((k) => (MONITOR_ALERT_TYPES[k] as readonly string[]).includes(type));
      if (!kind) out.push(`type ${JSON.stringify(type)} is not an alert policy type`);
      if (!MONITOR_ALERT_COMPARES.includes(String(p.compare))) out.push(`compare ${JSON.stringify(p.compare)} is not one of ${MONITOR_ALERT_COMPARES.join(", ")}`);
      if (!MONITOR_ALERT_WINDOWS.includes(String(p.window))) out.push(`window ${JSON.stringify(p.window)} is not one of ${MONITOR_ALERT_WINDOWS.join(", ")}`);
      if (typeof p.value !== "number" || p.value < 0) out.push(`value ${JSON.stringify(p.value)} is not a number of at least 0`);
      if (!str(p.description)) out.push("has no description");
      const entities = list(p.entities).map(String);
      if (entities.length === 0 && list(p.tags).length === 0) out.push("names no entities and no tags: it would watch every one of its kind in the account");
      if (kind) {
        const watched = all.filter((x) => x.type === ENTITY_TYPES[kind]);
        for (const e of entities) {
          const found = watched.find((x) => x.id === e);
          if (!found) out.push(`entity ${e} is not a ${kind} of this stack (a ${type} alert watches ${kind}s)`);
          else if (AGENT_ALERT_TYPES.includes(type) && found.plainInputs.monitoring !== true) {
            out.push(`droplet ${nameSentToCloud(found)} has no metrics agent (monitoring: true): ${type} would never have data`);
          }
        }
      }
      out.push(...recipientProblems("the alert", p.alerts));
      return out;
    },
  },
  {
    id: "do-uptime",
    source: "OPENAPI uptime/models/check.yml (type, regions, target), uptime/models/alert.yml (type, comparison, period), uptime/models/notification.yml; TFDO uptime/resource_uptime_check.go, resource_uptime_alert.go (name and check_id required)",
    types: [T.uptimeCheck, T.uptimeAlert],
    check: (r, all) => {
      const p = r!.plainInputs;
      const out: string[] = [];
      if (!str(p.name)) out.push("has no name");
      if (r!.type === T.uptimeCheck) {
        const type = String(p.type ?? "https");
        if (!UPTIME_CHECK_TYPES.includes(type)) out.push(`type ${JSON.stringify(type)} is not one of ${UPTIME_CHECK_TYPES.join(", ")}`);
        for (const region of list(p.regions).map(String)) {
          if (!UPTIME_CHECK_REGIONS.includes(region)) out.push(`region ${JSON.stringify(region)} is not one of ${UPTIME_CHECK_REGIONS.join(", ")}`);
        }
        const target = str(p.target) ?? "";
        if (type !== "ping" && !target.startsWith(`${type}://`)) out.push(`target ${JSON.stringify(target)} is not a ${type}:// URL`);
        return out;
      }
      const type = String(p.type);
      if (!UPTIME_ALERT_TYPES.includes(type)) out.push(`type ${JSON.stringify(type)} is not one of ${UPTIME_ALERT_TYPES.join(", ")}`);
      if (p.comparison !== undefined && !UPTIME_ALERT_COMPARISONS.includes(String(p.comparison))) {
        out.push(`comparison ${JSON.stringify(p.comparison)} is not one of ${UPTIME_ALERT_COMPARISONS.join(", ")}`);
      }
      if (p.period !== undefined && !UPTIME_ALERT_PERIODS.includes(String(p.period))) out.push(`period ${JSON.stringify(p.period)} is not one of ${UPTIME_ALERT_PERIODS.join(", ")}`);
      if ((type === "latency" || type === "ssl_expiry") && (typeof p.threshold !== "number" || p.comparison === undefined)) {
        out.push(`a ${type} alert needs a threshold and a comparison`);
      }
      if (!all.some((c) => c.type === T.uptimeCheck && c.id !== undefined && c.id === p.checkId)) out.push(`checkId ${JSON.stringify(p.checkId)} is no uptime check of this stack`);
      const notifications = list(p.notifications);
      if (notifications.length === 0) out.push("has no notifications");
      notifications.forEach((n, i) => out.push(...recipientProblems(`notifications[${i}]`, n)));
      return out;
    },
  },
  {
    // Issue 11, row SshKey: the API answers 422 for a public key the account already holds, so the second
    // stack (or any account with the admin's key) fails. Keys go to the admin user through cloud-init.
    id: "do-no-account-ssh-key",
    source: "DigitalOcean API POST /v2/account/keys (a key already in the account is refused, 422); TFDO sshkey/resource_ssh_key.go",
    types: [T.sshKey],
    check: (r) => `registers the account SSH key "${nameSentToCloud(r!)}"; a key the account already has is refused (422). ` +
      "Give admin keys to cloud-init (fullstack:adminSshKeys) and account keys by ID (fullstack:sshKeyIds)",
  },
  {
    id: "do-lb-lets-encrypt-dns-records",
    source: "OPENAPI load_balancers/models/load_balancer_base.yml `disable_lets_encrypt_dns_records` (default false: an A record for the certificate's apex domain is created); godo PR #482",
    types: [T.loadBalancer],
    check: (r, all) => {
      const rules = (r!.plainInputs.forwardingRules as { certificateName?: string; certificateId?: string }[] | undefined) ?? [];
      const named = rules.map((f) => f.certificateName ?? f.certificateId).filter((c): c is string => !!c);
      if (named.length === 0 || r!.plainInputs.disableLetsEncryptDnsRecords === true) return undefined;
      const certs = all.filter((c) => c.type === T.certificate);
      // A custom certificate creates no records; anything else (Let's Encrypt, or not found) does.
      const custom = named.every((n) => {
        const cert = certs.find((c) => c.plainInputs.name === n || c.id === n || n.startsWith(`${c.name}-`));
        return cert !== undefined && cert.plainInputs.type === "custom";
      });
      return custom ? undefined : "serves a Let's Encrypt certificate without disableLetsEncryptDnsRecords: true; DigitalOcean would point the zone's apex (A record) at this load balancer";
    },
  },
  {
    id: "do-cdn-no-duplicate-cname",
    source: "docs.digitalocean.com/products/spaces/how-to/customize-cdn-endpoint/ (DigitalOcean creates the custom subdomain's CNAME itself); OPENAPI domains/domains_create_record.yml (a second CNAME of one name is refused)",
    types: [T.dnsRecord],
    check: (r, all) => {
      const p = r!.plainInputs;
      if (str(p.type)?.toUpperCase() !== "CNAME" || !str(p.domain) || !str(p.name)) return undefined;
      const fqdn = p.name === "@" ? lower(str(p.domain)!) : `${lower(str(p.name)!)}.${lower(str(p.domain)!)}`;
      const cdn = all.find((c) => c.type === T.cdn && str(c.plainInputs.customDomain) && lower(str(c.plainInputs.customDomain)!) === fqdn);
      return cdn ? `adds a CNAME for ${fqdn}, the custom domain of CDN ${cdn.name}; DigitalOcean creates that record itself, and refuses a second one` : undefined;
    },
  },
  {
    // DatabaseDb is created and owned by doadmin and a DatabaseUser gets no rights in it; since PostgreSQL 15
    // only the database owner may CREATE in schema public, so the app's migrations fail unless a server
    // grants the rights first (provisioning/postgresGrants.ts, proven in tests/postgresGrants.test.ts).
    id: "do-pg-app-grants",
    source: "PostgreSQL 15 release notes (PUBLIC's CREATE on schema public removed; pg_database_owner owns it); DigitalOcean DatabaseDb owned by doadmin, DatabaseUser without grants",
    types: [T.databaseUser],
    check: (r, all) => {
      const cluster = all.find((c) => c.type === T.cluster && c.id !== undefined && c.id === r!.plainInputs.clusterId);
      if (!cluster || cluster.plainInputs.engine !== "pg" || Number(cluster.plainInputs.version) < 15) return undefined;
      const servers = all.filter((s) => s.type === T.droplet);
      return all.filter((d) => d.type === T.database && d.plainInputs.clusterId === cluster.id).flatMap((d) => {
        const grant = { database: nameSentToCloud(d), user: nameSentToCloud(r!) };
        return servers.some((s) => writesFile(s, renderAppGrantSql(grant))) ? []
          : [`no server grants ${grant.user} its rights in ${grant.database} (PostgreSQL ${String(cluster.plainInputs.version)}: only the owner, doadmin, may CREATE in schema public), so migrations fail`];
      });
    },
  },
  {
    id: "do-pool-delete-before-replace",
    source: "TFDO database/resource_database_connection_pool.go (every argument ForceNew, no update; pools are addressed by name)",
    types: [T.pool],
    check: (r) => (r!.deleteBeforeReplace ? undefined
      : "is replaced on any change (size, mode, ...) and addressed by its name: without deleteBeforeReplace the new pool's name is still taken"),
  },
  {
    id: "do-database-plan",
    source: DB_PLANS_SOURCE,
    types: [T.cluster],
    check: (r) => {
      const p = r!.plainInputs;
      const engine = p.engine === "pg" || p.engine === "valkey" ? p.engine : undefined;
      return engine ? dbPlanProblem(engine, String(p.size), Number(p.nodeCount ?? 1)) : undefined;
    },
  },
  {
    id: "do-spaces-region",
    source: "TFDO spaces/spaces_entities.go `SpacesRegions`",
    types: [T.bucket],
    check: (r) => {
      const region = String(r!.plainInputs.region);
      return SPACES_REGIONS.includes(region) ? undefined : `region ${region} has no Spaces; use one of ${SPACES_REGIONS.join(", ")}`;
    },
  },
  {
    id: "do-droplet-size",
    source: "@pulumi/digitalocean types/enums DropletSlug (see settings/limits/digitalocean.ts DROPLET_SIZES)",
    types: [T.droplet],
    check: (r) => (DROPLET_SIZES.includes(String(r!.plainInputs.size)) ? undefined : `size "${String(r!.plainInputs.size)}" is not a droplet plan`),
  },
  {
    // createDnsZone: records, certificates and the CDN's custom domain in a zone this stack creates must
    // wait for the Domain, or they race it on the first deploy.
    id: "do-wait-for-domain",
    source: "OPENAPI domains/domains_create_record.yml (records are created under /v2/domains/$DOMAIN_NAME/records); Let's Encrypt certificates need the domain's DNS on DigitalOcean (docs.digitalocean.com/products/spaces/how-to/customize-cdn-endpoint/)",
    types: [T.certificate, T.cdn, T.dnsRecord],
    check: (r, all) => {
      const domains = all.filter((d) => d.type === T.domain);
      const waits = waitsFor(r!, all);
      const problems: string[] = [];
      for (const name of namesIn(r!)) {
        const zone = domains.find((d) => lower(name) === lower(nameSentToCloud(d)) || lower(name).endsWith(`.${lower(nameSentToCloud(d))}`));
        if (zone && !waits.has(zone.urn)) problems.push(`${name} is in the zone ${nameSentToCloud(zone)} this stack creates (${zone.name}) but does not wait for it`);
      }
      return problems;
    },
  },
  nameRule("do-volume-name", T.volume, DO_NAME_RULES.volume),
  nameRule("do-droplet-name", T.droplet, DO_NAME_RULES.droplet),
  nameRule("do-tag-name", T.tag, DO_NAME_RULES.tag),
  nameRule("do-firewall-name", T.firewall, DO_NAME_RULES.firewall),
  nameRule("do-vpc-name", T.vpc, DO_NAME_RULES.vpc),
  nameRule("do-database-cluster-name", T.cluster, DO_NAME_RULES.databaseCluster),
  nameRule("do-pool-name", T.pool, DO_NAME_RULES.connectionPool),
  nameRule("do-bucket-name", T.bucket, DO_NAME_RULES.bucket),
];
