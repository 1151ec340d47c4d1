/**
 * The planned stack as a Mermaid flowchart in the talk's layout (clients -> DNS/LB -> servers -> data
 * stores, workers -> broker, CDN), each box labelled with its real resource names and sizes.
 *
 * `npm run plan -- --stack S --diagram FILE` writes it (`-` for standard output), also with `--diff` (the
 * working tree's plan); `npm run docs` puts the `prod` stack's at the top of the README. A pure function of
 * the plan: the same plan gives the same bytes. It reads only the recorded inputs with secrets masked
 * (`inputs`, never `plainInputs`), and only names, sizes and counts from them, so no secret can reach it.
 */
import type { RecordedResource, RunResult } from "../harness/mockRuntime";
import { loadSettings, NAMESPACE, type Settings } from "../settings";

/** Resource types the diagram draws, as the providers spell them (the plan's `type`). */
const T = {
  linuxServer: "fullstack:compute:LinuxServer",
  serverGroup: "fullstack:compute:LinuxServerGroup",
  webTier: "fullstack:web:WebTier",
  workerQueue: "fullstack:queue:WorkerQueue",
  postgres: "fullstack:data:PostgresDb",
  redis: "fullstack:data:RedisCache",
  droplet: "digitalocean:index/droplet:Droplet",
  doVolume: "digitalocean:index/volume:Volume",
  reservedIp: "digitalocean:index/reservedIp:ReservedIp",
  doLoadBalancer: "digitalocean:index/loadBalancer:LoadBalancer",
  doDns: "digitalocean:index/dnsRecord:DnsRecord",
  doCertificate: "digitalocean:index/certificate:Certificate",
  doCluster: "digitalocean:index/databaseCluster:DatabaseCluster",
  doPool: "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool",
  spacesBucket: "digitalocean:index/spacesBucket:SpacesBucket",
  doCdn: "digitalocean:index/cdn:Cdn",
  monitorAlert: "digitalocean:index/monitorAlert:MonitorAlert",
  uptimeCheck: "digitalocean:index/uptimeCheck:UptimeCheck",
  uptimeAlert: "digitalocean:index/uptimeAlert:UptimeAlert",
  ec2: "aws:ec2/instance:Instance",
  ebsVolume: "aws:ebs/volume:Volume",
  eip: "aws:ec2/eip:Eip",
  asg: "aws:autoscaling/group:Group",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  route53: "aws:route53/record:Record",
  acm: "aws:acm/certificate:Certificate",
  rds: "aws:rds/instance:Instance",
  elasticache: "aws:elasticache/replicationGroup:ReplicationGroup",
  sqs: "aws:sqs/queue:Queue",
  s3: "aws:s3/bucket:Bucket",
  cloudfront: "aws:cloudfront/distribution:Distribution",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  snsTopic: "aws:sns/topic:Topic",
  healthCheck: "aws:route53/healthCheck:HealthCheck",
} as const;

/** The diagram's Mermaid classes, one per kind of box (README legend). */
const CLASSES: Record<string, string> = {
  entry: "fill:#dbeafe,stroke:#1d4ed8",
  compute: "fill:#d4f7d4,stroke:#2a7a2a",
  data: "fill:#fde7c7,stroke:#b45309",
  ops: "fill:#f2f2f2,stroke:#777",
};

type Input = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" && v !== "[secret]" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Input => (v && typeof v === "object" && !Array.isArray(v) ? v as Input : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Natural order (web-2 before web-10), independent of locale, so the output is the same everywhere. */
export function naturalCompare(a: string, b: string): number {
  const split = (s: string) => s.split(/(\d+)/).map((p, i) => (i % 2 === 1 ? Number(p) : p));
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

const byName = (a: RecordedResource, b: RecordedResource) => naturalCompare(a.name, b.name) || naturalCompare(a.type, b.type);

/**
 * A label as Mermaid reads it inside `"..."`: every character that could end the string, start an entity
 * or markup, or break the line is written as an entity code (`"` is `#quot;`), so any resource name is
 * safe. Lines are joined with `<br/>` after escaping.
 */
export function mermaidLabel(...lines: string[]): string {
  const esc = (s: string) => s
    // eslint-disable-next-line no-control-regex -- a line break or control character would end the label's line
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
    .replace(/#/g, "#35;")
    .replace(/&/g, "#38;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#60;")
    .replace(/>/g, "#62;")
    .replace(/`/g, "#96;")
    .replace(/\|/g, "#124;");
  return `"${lines.filter((l) => l !== "").map(esc).join("<br/>")}"`;
}

/** Node ids: letters, digits and `_` from the name, with a prefix (so never a Mermaid keyword), unique. */
class Ids {
  private readonly used = new Set<string>();
  make(prefix: string, name: string): string {
    const base = `${prefix}_${name.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "")}`.replace(/_+$/, "");
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}_${n}`;
    this.used.add(id);
    return id;
  }
}

interface Edge { from: string; to: string; label?: string; dotted?: boolean }

/** One server box: a droplet, an EC2 instance, or an auto scaling group of them. */
interface Server {
  resource: RecordedResource;
  id: string;
  roles: string[];
  title: string;
  details: string[];
  volume?: RecordedResource;
  nodes: Partial<Record<"nginx" | "gunicorn" | "app" | "worker" | "scheduler" | "postgres" | "redis" | "volume", string>>;
}

/** A DigitalOcean database cluster's size, nodes and region. */
function clusterSize(r: RecordedResource): string {
  const nodes = num(r.inputs.nodeCount) ?? 1;
  return [str(r.inputs.size) ?? "?", `${nodes} node${nodes === 1 ? "" : "s"}${nodes > 1 ? ` (primary + ${nodes - 1} standby)` : ""}`, str(r.inputs.region)].filter(Boolean).join(", ");
}

/** The stack's settings, read from the config the program ran with by the program's own reader; undefined without one. */
function settingsOf(result: RunResult): Settings | undefined {
  if (!result.config) return undefined;
  const prefix = `${NAMESPACE}:`;
  const raw = Object.fromEntries(Object.entries(result.config).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  if (Object.keys(raw).length === 0) return undefined;
  try {
    return loadSettings(raw);
  } catch {
    return undefined;
  }
}

export function diagramOf(result: RunResult, stack: string): string {
  const all = [...result.resources].sort(byName);
  const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
  const ofType = (type: string) => all.filter((r) => r.type === type && r.custom);
  const components = (type: string) => all.filter((r) => r.type === type && !r.custom);
  /** The nearest ancestor component of `type`, if any. */
  const ancestor = (r: RecordedResource, type: string): RecordedResource | undefined => {
    for (let p = r.parent ? byUrn.get(r.parent) : undefined; p; p = p.parent ? byUrn.get(p.parent) : undefined) {
      if (p.type === type) return p;
    }
    return undefined;
  };
  const under = (root: RecordedResource, r: RecordedResource): boolean => {
    for (let p = r.parent; p; p = byUrn.get(p)?.parent) if (p === root.urn) return true;
    return false;
  };
  const childrenOf = (parent: string | undefined, type: string) => all.filter((r) => r.parent === parent && r.type === type);
  const settings = settingsOf(result);
  const awsRegion = result.config?.["aws:region"];

  const ids = new Ids();
  const lines: string[] = [];
  const edges: Edge[] = [];
  const classes = new Map<string, string[]>();
  const classify = (id: string, cls: keyof typeof CLASSES) => classes.set(cls, [...(classes.get(cls) ?? []), id]);
  const node = (indent: string, id: string, open: string, label: string, close: string, cls: keyof typeof CLASSES) => {
    lines.push(`${indent}${id}${open}${label}${close}`);
    classify(id, cls);
  };

  // Managed data stores by engine; a PostgresDb or RedisCache that made none runs on a server (the single box).
  const managedPostgres = [...ofType(T.doCluster).filter((r) => r.inputs.engine === "pg"), ...ofType(T.rds)];
  const managedRedis = [...ofType(T.doCluster).filter((r) => r.inputs.engine === "valkey" || r.inputs.engine === "redis"), ...ofType(T.elasticache)];
  const otherClusters = ofType(T.doCluster).filter((r) => !managedPostgres.includes(r) && !managedRedis.includes(r));
  const selfHostedPostgres = components(T.postgres).filter((c) => !managedPostgres.some((m) => under(c, m)));
  const selfHostedRedis = components(T.redis).filter((c) => !managedRedis.some((m) => under(c, m)));
  const queues = ofType(T.sqs);
  const hasWorkerQueue = components(T.workerQueue).length > 0;

  // What runs on each server. AWS writes every server's roles into its `Roles` tag (clouds/aws/servers.ts,
  // serverGroup.ts): exact and not secret, so it wins. DigitalOcean has no key/value labels: a droplet's
  // tags carry only the roles something connects to (none on the single box), and its user data is secret
  // (it carries the app's secrets inline), so there the component tree says it: a server under the
  // WebTier serves the app, one under the WorkerQueue works the queue, and the WorkerQueue runs the one
  // scheduler on its first server (components/workerQueue.ts). The single box's colocated roles are the
  // data components that made no managed cluster, and the worker the settings ask for when no WorkerQueue
  // exists, read from the stack's config by the program's own settings reader.
  const rolesOf = (r: RecordedResource, firstWorker: boolean): string[] => {
    const tagged = r.type === T.asg
      ? str(arr(r.inputs.tags).map(obj).find((t) => t.key === "Roles")?.value)
      : str(obj(r.inputs.tags).Roles);
    if (tagged) return tagged.split(",").map((s) => s.trim()).filter(Boolean);
    if (ancestor(r, T.webTier)) {
      const roles = ["web"];
      if (!hasWorkerQueue && settings?.worker) roles.push("worker", ...(settings.worker.scheduler ? ["scheduler"] : []));
      if (selfHostedPostgres.length > 0) roles.push("postgres");
      if (selfHostedRedis.length > 0) roles.push("redis");
      return roles;
    }
    if (ancestor(r, T.workerQueue)) {
      const scheduler = firstWorker && !ancestor(r, T.serverGroup) && (settings?.worker?.scheduler ?? true);
      return scheduler ? ["worker", "scheduler"] : ["worker"];
    }
    return [];
  };

  // Servers, web tier first, each in natural name order.
  const serverResources = [...ofType(T.droplet), ...ofType(T.ec2), ...ofType(T.asg)];
  const tierRank = (r: RecordedResource) => (ancestor(r, T.webTier) ? 0 : ancestor(r, T.workerQueue) ? 1 : 2);
  serverResources.sort((a, b) => tierRank(a) - tierRank(b) || byName(a, b));
  const firstWorker = serverResources.find((r) => ancestor(r, T.workerQueue) && !ancestor(r, T.serverGroup));
  const servers: Server[] = serverResources.map((r) => {
    const home = r.parent; // the LinuxServer or LinuxServerGroup component
    const volume = [...childrenOf(home, T.doVolume), ...childrenOf(home, T.ebsVolume)][0];
    const address = [...childrenOf(home, T.reservedIp), ...childrenOf(home, T.eip)][0];
    let title: string;
    const details: string[] = [];
    if (r.type === T.droplet) {
      title = `droplet ${r.name}`;
      details.push([str(r.inputs.size), str(r.inputs.region), str(r.inputs.image)].filter(Boolean).join(", "));
    } else if (r.type === T.ec2) {
      title = `EC2 instance ${r.name}`;
      const disk = num(obj(r.inputs.rootBlockDevice).volumeSize);
      details.push([str(r.inputs.instanceType), disk !== undefined ? `${disk} GiB disk` : "", awsRegion ?? ""].filter(Boolean).join(", "));
    } else {
      title = `auto scaling group ${r.name}`;
      const templateId = str(obj(r.inputs.launchTemplate).id);
      const template = ofType(T.launchTemplate).find((t) => templateId !== undefined && t.id === templateId) ?? childrenOf(home, T.launchTemplate)[0];
      details.push([str(template?.inputs.instanceType), template ? `launch template ${template.name}` : ""].filter(Boolean).join(", "));
      details.push(`min ${num(r.inputs.minSize) ?? "?"}, desired ${num(r.inputs.desiredCapacity) ?? "?"}, max ${num(r.inputs.maxSize) ?? "?"}${awsRegion ? `, ${awsRegion}` : ""}`);
    }
    if (address) details.push(`${address.type === T.reservedIp ? "reserved IP" : "Elastic IP"} ${address.name}`);
    return { resource: r, id: ids.make("srv", r.name), roles: rolesOf(r, r === firstWorker), title, details, volume, nodes: {} };
  });

  const workerKind = settings?.worker?.kind === "rq" ? "RQ" : settings?.worker?.kind === "celery" ? "Celery" : undefined;
  const framework = settings?.app.framework === "django" ? "Django" : settings?.app.framework === "flask" ? "Flask" : undefined;
  const appLabel = [framework ? `${framework} app` : "app", settings ? `${settings.app.name} @ ${settings.app.ref}` : ""];
  const workerLabel = [workerKind ? `${workerKind} worker` : "worker", settings?.worker ? `queues ${settings.worker.queues.join(", ")}` : ""];
  const schedulerLabel = workerKind === "Celery" ? "celery beat (the one scheduler)" : workerKind === "RQ" ? "rq-scheduler (the one scheduler)" : "scheduler";

  lines.push("flowchart LR");
  lines.push(`  %% Stack ${stack.replace(/[^\w.-]/g, "_")} as planned: npm run plan -- --stack ${stack.replace(/[^\w.-]/g, "_")} --diagram - (tools/diagram.ts)`);

  // Clients.
  const browser = "client_browser";
  lines.push(`  ${browser}(${mermaidLabel("Browsers and API clients")})`);
  classify(browser, "entry");

  // The way in: DNS records, then the load balancer.
  const cdnDomains = new Map<string, RecordedResource>();
  for (const c of ofType(T.doCdn)) if (str(c.inputs.customDomain)) cdnDomains.set(str(c.inputs.customDomain)!, c);
  for (const c of ofType(T.cloudfront)) for (const a of arr(c.inputs.aliases)) if (str(a)) cdnDomains.set(str(a)!, c);
  const cdnIds = new Map<RecordedResource, string>();
  const dns: { id: string; fqdn: string; target?: RecordedResource }[] = [];
  for (const r of ofType(T.doDns)) {
    const name = str(r.inputs.name) ?? "@";
    const domain = str(r.inputs.domain) ?? "";
    const fqdn = name === "@" ? domain : `${name}.${domain}`;
    const id = ids.make("dns", r.name);
    node("  ", id, "[", mermaidLabel(`DNS ${str(r.inputs.type) ?? ""} ${fqdn}`, `${r.name}, TTL ${num(r.inputs.ttl) ?? "default"} s`), "]", "entry");
    dns.push({ id, fqdn, target: cdnDomains.get(fqdn) });
  }
  for (const r of ofType(T.route53)) {
    const name = (str(r.inputs.name) ?? "").replace(/\.$/, "");
    if (name.startsWith("_")) continue; // certificate validation records
    const id = ids.make("dns", r.name);
    const alias = arr(r.inputs.aliases).length > 0 ? " alias" : "";
    node("  ", id, "[", mermaidLabel(`Route 53 ${str(r.inputs.type) ?? ""}${alias} ${name}`, r.name), "]", "entry");
    dns.push({ id, fqdn: name, target: cdnDomains.get(name) });
  }

  let lbId: string | undefined;
  for (const r of ofType(T.doLoadBalancer)) {
    lbId = ids.make("lb", r.name);
    const rules = arr(r.inputs.forwardingRules).map(obj).map((f) => {
      const cert = str(f.certificateName);
      const certificate = cert && ofType(T.doCertificate).filter((c) => cert === c.name || cert.startsWith(`${c.name}-`)).sort((a, b) => b.name.length - a.name.length)[0];
      return `${str(f.entryProtocol) ?? "?"} :${num(f.entryPort) ?? "?"} to ${str(f.targetProtocol) ?? "?"} :${num(f.targetPort) ?? "?"}${certificate ? ` (certificate ${certificate.name})` : ""}`;
    });
    const hc = obj(r.inputs.healthcheck);
    node("  ", lbId, "[", mermaidLabel(
      `load balancer ${r.name}`,
      [str(r.inputs.region), num(r.inputs.sizeUnit) !== undefined ? `${num(r.inputs.sizeUnit)} size unit${num(r.inputs.sizeUnit) === 1 ? "" : "s"}` : str(r.inputs.size)].filter(Boolean).join(", "),
      ...rules,
      r.inputs.redirectHttpToHttps === true ? "HTTP redirected to HTTPS" : "",
      str(hc.path) ? `health check ${str(hc.protocol) ?? ""} :${num(hc.port) ?? "?"}${str(hc.path)}` : "",
    ), "]", "entry");
  }
  for (const r of ofType(T.alb)) {
    lbId = ids.make("lb", r.name);
    const lbName = str(r.inputs.name) ?? r.name;
    const listeners = ofType(T.listener).filter((l) => (str(l.inputs.loadBalancerArn) ?? "").includes(`/${lbName}/`));
    const mine = listeners.length > 0 ? listeners : ofType(T.listener).filter((l) => l.parent === r.parent);
    const rules = mine.sort((a, b) => (num(b.inputs.port) ?? 0) - (num(a.inputs.port) ?? 0)).map((l) => {
      const action = arr(l.inputs.defaultActions).map(obj)[0] ?? {};
      const head = `${str(l.inputs.protocol) ?? "?"} :${num(l.inputs.port) ?? "?"}`;
      if (action.type === "redirect") {
        const to = obj(action.redirect);
        return `${head} redirected to ${str(to.protocol) ?? ""} :${str(to.port) ?? "?"}`;
      }
      const tgArn = str(action.targetGroupArn) ?? "";
      const tg = ofType(T.targetGroup).find((t) => tgArn.includes(`/${t.name}/`) || (str(t.inputs.name) !== undefined && tgArn.includes(`/${str(t.inputs.name)}/`)));
      // The listener names its certificate by ARN, known only after `pulumi up`: the ACM certificate for
      // the site's own DNS name is the one it serves.
      const cert = l.inputs.protocol === "HTTPS"
        ? ofType(T.acm).find((c) => dns.some((d) => !d.target && d.fqdn === str(c.inputs.domainName)))
        : undefined;
      const hc = obj(tg?.inputs.healthCheck);
      return `${head} to target group ${tg?.name ?? "?"}${tg ? ` (${str(tg.inputs.protocol) ?? ""} :${num(tg.inputs.port) ?? "?"}${str(hc.path) ? `, health ${str(hc.path)}` : ""})` : ""}${cert ? `, certificate ${cert.name}` : ""}`;
    });
    node("  ", lbId, "[", mermaidLabel(`${r.inputs.loadBalancerType === "network" ? "NLB" : "ALB"} ${r.name}`, ...rules), "]", "entry");
  }

  // Managed data stores and queues (before the servers, so their ids exist for the servers' edges).
  const pgIds: string[] = [];
  const redisIds: string[] = [];
  for (const r of managedPostgres) {
    const id = ids.make("db", r.name);
    pgIds.push(id);
    if (r.type === T.doCluster) {
      const pools = ofType(T.doPool).filter((p) => p.parent === r.parent).map((p) => `pool ${str(p.inputs.name) ?? p.name}: ${str(p.inputs.mode) ?? "?"}, ${num(p.inputs.size) ?? "?"} connections`);
      node("  ", id, "[(", mermaidLabel(`PostgreSQL ${str(r.inputs.version) ?? ""} ${r.name}`, clusterSize(r), ...pools), ")]", "data");
    } else {
      const storage = num(r.inputs.allocatedStorage);
      const max = num(r.inputs.maxAllocatedStorage);
      node("  ", id, "[(", mermaidLabel(
        `RDS ${str(r.inputs.engine) === "postgres" ? "PostgreSQL" : str(r.inputs.engine) ?? ""} ${str(r.inputs.engineVersion) ?? ""} ${r.name}`,
        `${str(r.inputs.instanceClass) ?? "?"}, ${storage ?? "?"} GiB ${str(r.inputs.storageType) ?? ""}${max ? ` (grows to ${max} GiB)` : ""}`,
        r.inputs.multiAz === true ? "Multi-AZ (standby in a second AZ)" : "single AZ",
      ), ")]", "data");
    }
  }
  for (const r of managedRedis) {
    const id = ids.make("cache", r.name);
    redisIds.push(id);
    if (r.type === T.doCluster) {
      const engine = r.inputs.engine === "valkey" ? "Valkey" : "Redis";
      node("  ", id, "[(", mermaidLabel(`${engine} ${str(r.inputs.version) ?? ""} ${r.name}`, clusterSize(r)), ")]", "data");
    } else {
      const nodes = num(r.inputs.numCacheClusters) ?? 1;
      const engine = r.inputs.engine === "valkey" ? "Valkey" : "Redis";
      node("  ", id, "[(", mermaidLabel(
        `ElastiCache ${engine} ${str(r.inputs.engineVersion) ?? ""} ${r.name}`,
        `${str(r.inputs.nodeType) ?? "?"}, ${nodes} node${nodes === 1 ? "" : "s"}${nodes > 1 ? ` (${nodes - 1} replica${nodes > 2 ? "s" : ""})` : ""}`,
        r.inputs.automaticFailoverEnabled === true ? "automatic failover" : "",
      ), ")]", "data");
    }
  }
  for (const r of otherClusters) {
    node("  ", ids.make("db", r.name), "[(", mermaidLabel(`${str(r.inputs.engine) ?? "database"} ${str(r.inputs.version) ?? ""} ${r.name}`, clusterSize(r)), ")]", "data");
  }
  // SQS: each worker queue with its dead-letter queue (named in the queue's redrive policy).
  const deadLetter = new Map<RecordedResource, RecordedResource>();
  for (const q of queues) {
    const policy = str(q.inputs.redrivePolicy);
    let target: string | undefined;
    try {
      target = policy ? str(obj(JSON.parse(policy)).deadLetterTargetArn) : undefined;
    } catch {
      target = undefined;
    }
    const dlq = target && queues.find((d) => d !== q && target!.endsWith(`:${d.name}`));
    if (dlq) deadLetter.set(q, dlq);
  }
  const dlqs = new Set(deadLetter.values());
  const queueIds: string[] = [];
  for (const q of queues.filter((x) => !dlqs.has(x))) {
    const id = ids.make("queue", q.name);
    queueIds.push(id);
    const dlq = deadLetter.get(q);
    const vis = num(q.inputs.visibilityTimeoutSeconds);
    node("  ", id, "[(", mermaidLabel(`SQS queue ${q.name}`, dlq ? `dead-letter queue ${dlq.name}` : "", vis !== undefined ? `visibility timeout ${vis} s` : ""), ")]", "data");
  }

  // Servers and what runs on each.
  for (const s of servers) {
    lines.push(`  subgraph ${s.id}[${mermaidLabel(s.title, ...s.details)}]`);
    lines.push("    direction TB");
    classify(s.id, "compute");
    const inner = (role: keyof Server["nodes"], label: string[], indent = "    ", shape: [string, string] = ["[", "]"], cls: keyof typeof CLASSES = "compute") => {
      const id = ids.make(s.id, role);
      s.nodes[role] = id;
      node(indent, id, shape[0], mermaidLabel(...label), shape[1], cls);
    };
    if (s.roles.includes("web")) {
      inner("nginx", ["nginx"]);
      inner("gunicorn", ["gunicorn"]);
      inner("app", appLabel);
    }
    if (s.roles.includes("worker")) inner("worker", workerLabel);
    if (s.roles.includes("scheduler")) inner("scheduler", [schedulerLabel]);
    const local = (["postgres", "redis"] as const).filter((role) => s.roles.includes(role));
    if (local.length > 0) {
      const pg = selfHostedPostgres[0];
      const cache = selfHostedRedis[0];
      const labels = { postgres: ["PostgreSQL", pg ? `${pg.name}, self-hosted` : "self-hosted"], redis: ["Redis", cache ? `${cache.name}, self-hosted` : "self-hosted"] };
      if (s.volume) {
        const volId = ids.make(s.id, "volume");
        const size = num(s.volume.inputs.size);
        lines.push(`    subgraph ${volId}[${mermaidLabel(`volume ${s.volume.name}`, [size !== undefined ? `${size} GiB` : "", str(s.volume.inputs.type) ?? ""].filter(Boolean).join(" "))}]`);
        classify(volId, "data");
        for (const role of local) inner(role, labels[role], "      ", ["[(", ")]"], "data");
        lines.push("    end");
      } else {
        for (const role of local) inner(role, labels[role], "    ", ["[(", ")]"], "data");
      }
    } else if (s.volume) {
      const size = num(s.volume.inputs.size);
      inner("volume", [`volume ${s.volume.name}`, size !== undefined ? `${size} GiB` : ""], "    ", ["[(", ")]"], "data");
    }
    lines.push("  end");
    const n = s.nodes;
    if (n.nginx && n.gunicorn && n.app) {
      edges.push({ from: n.nginx, to: n.gunicorn, label: "unix socket" }, { from: n.gunicorn, to: n.app, label: "WSGI" });
    }
  }

  // Static files: the bucket and the CDN in front of it.
  const bucketIds = new Map<string, string>(); // physical bucket name -> node id
  for (const r of ofType(T.spacesBucket)) {
    const id = ids.make("bucket", r.name);
    const physical = str(r.inputs.name) ?? r.name;
    bucketIds.set(physical, id);
    const versioned = obj(r.inputs.versioning).enabled === true;
    node("  ", id, "[(", mermaidLabel(`Spaces bucket ${physical}`, [str(r.inputs.region), str(r.inputs.acl), versioned ? "versioned" : ""].filter(Boolean).join(", ")), ")]", "data");
  }
  for (const r of ofType(T.s3)) {
    const id = ids.make("bucket", r.name);
    const physical = str(r.inputs.bucket) ?? r.name;
    bucketIds.set(physical, id);
    node("  ", id, "[(", mermaidLabel(`S3 bucket ${physical}`, awsRegion ?? ""), ")]", "data");
  }
  const originBucket = (origin: string): string | undefined => [...bucketIds].find(([name]) => origin === name || origin.startsWith(`${name}.`))?.[1];
  for (const r of ofType(T.doCdn)) {
    const id = ids.make("cdn", r.name);
    cdnIds.set(r, id);
    node("  ", id, "[", mermaidLabel(`CDN ${r.name}`, [str(r.inputs.customDomain), num(r.inputs.ttl) !== undefined ? `TTL ${num(r.inputs.ttl)} s` : ""].filter(Boolean).join(", ")), "]", "entry");
    const bucket = originBucket(str(r.inputs.origin) ?? "");
    if (bucket) edges.push({ from: id, to: bucket, label: "origin" });
  }
  for (const r of ofType(T.cloudfront)) {
    const id = ids.make("cdn", r.name);
    cdnIds.set(r, id);
    const aliases = arr(r.inputs.aliases).map(str).filter((a): a is string => a !== undefined);
    node("  ", id, "[", mermaidLabel(`CloudFront ${r.name}`, [...aliases, str(r.inputs.priceClass) ?? "", str(obj(r.inputs.defaultCacheBehavior).viewerProtocolPolicy) ?? ""].filter(Boolean).join(", ")), "]", "entry");
    for (const o of arr(r.inputs.origins).map(obj)) {
      const bucket = originBucket(str(o.domainName) ?? "");
      if (bucket) edges.push({ from: id, to: bucket, label: "origin" });
    }
  }

  // Monitoring, alerts and logs, summarised in one box.
  const count = (type: string, one: string, many = `${one}s`) => {
    const n = ofType(type).length;
    return n === 0 ? "" : `${n} ${n === 1 ? one : many}`;
  };
  const logGroups = ofType(T.logGroup).map((g) => str(g.inputs.name) ?? g.name);
  const ops = [
    [count(T.monitorAlert, "monitor alert"), count(T.uptimeAlert, "uptime alert")].filter(Boolean).join(", "),
    ...ofType(T.uptimeCheck).map((c) => `uptime check ${c.name}`),
    logGroups.length > 0 ? `CloudWatch log groups ${logGroups.join(", ")}` : "",
    [count(T.metricAlarm, "CloudWatch alarm"), ...ofType(T.snsTopic).map((t) => `SNS topic ${t.name}`)].filter(Boolean).join(", "),
    ...ofType(T.healthCheck).map((h) => `Route 53 health check ${h.name}`),
  ].filter(Boolean);
  if (ops.length > 0) {
    const id = ids.make("mon", stack);
    node("  ", id, "[", mermaidLabel("Monitoring, alerts and logs", ...ops), "]", "ops");
  }

  // Edges in the talk's direction.
  const web = servers.filter((s) => s.nodes.nginx);
  const siteDns = dns.filter((d) => !d.target);
  const front = lbId ? [lbId] : web.map((s) => s.nodes.nginx!);
  if (siteDns.length > 0) {
    for (const d of siteDns) edges.push({ from: browser, to: d.id, label: "HTTPS" });
    for (const d of siteDns) for (const f of front) edges.push({ from: d.id, to: f });
  } else {
    for (const f of front) edges.push({ from: browser, to: f, label: "HTTP(S)" });
  }
  if (lbId) for (const s of web) edges.push({ from: lbId, to: s.nodes.nginx!, label: "HTTP :80" });
  for (const [cdn, id] of cdnIds) {
    const named = dns.filter((d) => d.target === cdn);
    if (named.length > 0) for (const d of named) edges.push({ from: browser, to: d.id, label: "static files" }, { from: d.id, to: id });
    else edges.push({ from: browser, to: id, label: "static files" });
  }
  for (const s of servers) {
    const n = s.nodes;
    const pg = n.postgres ? [n.postgres] : pgIds;
    const cache = n.redis ? [n.redis] : redisIds;
    const broker = queueIds.length > 0 ? queueIds : cache;
    if (n.app) {
      for (const to of pg) edges.push({ from: n.app, to, label: "SQL" });
      for (const to of cache) edges.push({ from: n.app, to, label: queueIds.length > 0 || cache.length === 0 ? "cache" : "cache, enqueue" });
      if (queueIds.length > 0) for (const to of queueIds) edges.push({ from: n.app, to, label: "enqueue" });
    }
    if (n.worker) {
      for (const to of broker) edges.push({ from: n.worker, to, label: "tasks" });
      for (const to of pg) edges.push({ from: n.worker, to, label: "SQL" });
    }
    if (n.scheduler) for (const to of broker) edges.push({ from: n.scheduler, to, label: "schedules" });
  }

  const seen = new Set<string>();
  for (const e of edges) {
    const text = `  ${e.from} ${e.dotted ? "-.->" : "-->"}${e.label ? `|${mermaidLabel(e.label)}|` : ""} ${e.to}`;
    if (seen.has(text)) continue;
    seen.add(text);
    lines.push(text);
  }
  for (const [cls, style] of Object.entries(CLASSES)) lines.push(`  classDef ${cls} ${style}`);
  for (const [cls, members] of [...classes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) lines.push(`  class ${members.join(",")} ${cls}`);
  return `${lines.join("\n")}\n`;
}
