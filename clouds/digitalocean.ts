/**
 * DigitalOcean: droplets in a VPC, cloud firewalls by droplet and by tag, a regional load balancer that
 * selects droplets by role tag, Let's Encrypt certificates and DNS in DigitalOcean's own DNS.
 */
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { RELEASE_USER, doDrillName, doRestoreDrillPart } from "../provisioning";
import { BAKE_COMMANDS, BAKE_ENV, BAKE_TOKEN_ENV, renderDoImageBakeProgram } from "../provisioning/digitalocean/imageBake";
import { CATALOG, SettingsError, fullKey, type OperatingSystem } from "../settings";
import { DO_NAME_RULES, doBakedImageName, doResourceName, nameProblem } from "../settings/limits/digitalocean";
import { digitaloceanAlerts, rememberCluster } from "./digitaloceanAlerts";
import type {
  BackupStoreHandle, BucketHandle, BucketRequest, CheckedIngressRule, CloudAdapter, ImageHandle, LoadBalancerHandle, NetworkHandle, PostgresHandle, RedisHandle, ReleaseRequest, RoleHandle, ServerHandle,
} from "./types";

const IMAGES: Record<OperatingSystem, string> = {
  "ubuntu-24.04": "ubuntu-24-04-x64",
  "debian-12": "debian-12-x64",
};

const EVERYWHERE = ["0.0.0.0/0", "::/0"];

/** The PostgreSQL clusters this adapter made, behind their neutral handles: their names (the drill finds them by name). */
const clusterNames = new WeakMap<PostgresHandle, string>();

function inboundRule(rule: CheckedIngressRule): digitalocean.types.input.FirewallInboundRule {
  const base = { protocol: rule.protocol, portRange: String(rule.port) };
  switch (rule.source.kind) {
    case "anywhere":
      return { ...base, sourceAddresses: EVERYWHERE };
    case "cidrs":
      return { ...base, sourceAddresses: [...rule.source.cidrs] };
    case "role":
      return { ...base, sourceTags: [rule.source.role.ref] };
    case "loadBalancer":
      return { ...base, sourceLoadBalancerUids: [rule.source.loadBalancer.id] };
  }
}

const ALL_EGRESS: digitalocean.types.input.FirewallOutboundRule[] = [
  { protocol: "tcp", portRange: "1-65535", destinationAddresses: EVERYWHERE },
  { protocol: "udp", portRange: "1-65535", destinationAddresses: EVERYWHERE },
  { protocol: "icmp", destinationAddresses: EVERYWHERE },
];

/**
 * A release pushed over SSH: the release user's key runs only the release entry point (its forced
 * command), which reads the bundle from stdin, waits for the droplet's first boot, and fails with the
 * server's own output. A new bundle runs it again (an update, not a new droplet); a new droplet too.
 */
function pushRelease(name: string, droplet: digitalocean.Droplet, release: ReleaseRequest, opts: pulumi.CustomResourceOptions): command.remote.Command {
  if (!release.ssh) throw new Error(`${name}: a DigitalOcean release needs the release key`);
  return new command.remote.Command(name, {
    connection: {
      host: droplet.ipv4Address,
      user: RELEASE_USER,
      privateKey: release.ssh.privateKey,
      // Made with the stack and given to the droplet (cloud-init ssh_keys): checked, never trusted on first use.
      hostKey: release.ssh.hostPublicKey,
      // A new droplet's sshd comes up a minute or so after the droplet is "active".
      dialErrorLimit: 60,
      perDialTimeout: 10,
    },
    // The forced command runs whatever is asked; the name is for the reader of the state.
    create: pulumi.interpolate`release ${release.appName}`,
    stdin: release.bundle,
    // A new droplet gets the current release.
    triggers: [droplet.id],
    addPreviousOutputInEnv: false,
  }, {
    ...opts,
    dependsOn: release.after,
    customTimeouts: { create: `${release.timeoutSeconds}s`, update: `${release.timeoutSeconds}s` },
  });
}

/** The load balancer's health check of its droplets (`healthyThreshold` passes in a row make one healthy). */
const LB_HEALTH_CHECK = { checkIntervalSeconds: 10, responseTimeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3 };

export const digitalOceanAdapter: CloudAdapter = {
  name: "digitalocean",
  userDataLimit: CATALOG.digitalocean.userDataLimit,

  userDataBytes(cloudConfig) {
    return Buffer.byteLength(cloudConfig, "utf8");
  },

  // DigitalOcean serves user data only to the droplet itself; Pulumi keeps it secret in state.
  secretDelivery() {
    return { kind: "inline" };
  },

  // A managed database's restore drill: its newest backup forked into a throwaway cluster through the API,
  // with the token given for it (fullstack:restoreDrillToken; provisioning/digitalocean/doRestoreDrill.ts).
  restoreDrillPart: doRestoreDrillPart,
  managedDatabaseId(handle) {
    const name = clusterNames.get(handle);
    if (name === undefined) throw new Error("this database was not made by the DigitalOcean adapter");
    // The fork is a cluster too: `<name>-drill` must be a cluster name DigitalOcean takes.
    const problem = nameProblem(DO_NAME_RULES.databaseCluster, doDrillName(name));
    if (problem) throw new SettingsError(fullKey("restoreDrillToken"), "[secret]", `turns on the restore drill, whose fork's ${problem}`, "use a shorter app or stack name, or unset it");
    return name;
  },

  // No agent runs commands on a droplet for us: releases arrive over SSH.
  releaseDelivery: "push",

  volumeDevicePath(volumeName) {
    return `/dev/disk/by-id/scsi-0DO_Volume_${volumeName}`;
  },

  network(name, args, opts): NetworkHandle {
    const vpc = new digitalocean.Vpc(name, { name: doResourceName(name), region: args.region, description: args.description }, opts);
    // No account-level SshKey: the API refuses a public key the account already holds (422), so a second
    // stack, or any account that has the admin's key, would fail. Admin keys reach the admin user through
    // cloud-init instead; see server() for what a droplet created without account keys means.
    return { id: vpc.id, cidr: vpc.ipRange, region: args.region };
  },

  role(name, args, opts): RoleHandle {
    const tag = new digitalocean.Tag(name, { name: doResourceName(args.tagName) }, opts);
    return { role: args.role, ref: tag.name };
  },

  bakeImage(name, args, opts): ImageHandle {
    // The program runs where `pulumi up` runs, with the provider's token: the stack's digitalocean:token
    // when it is set there (secret), else the environment the provider reads it from (BAKE_TOKEN_ENV).
    const token = new pulumi.Config("digitalocean").getSecret("token");
    const imageName = args.key.apply((key) => doBakedImageName(args.prefix, args.kind, key));
    const bake = new command.local.Command(name, {
      create: BAKE_COMMANDS.create,
      delete: BAKE_COMMANDS.delete,
      environment: {
        [BAKE_ENV.program]: renderDoImageBakeProgram(),
        [BAKE_ENV.name]: imageName,
        [BAKE_ENV.region]: args.region,
        [BAKE_ENV.size]: args.size,
        [BAKE_ENV.baseImage]: IMAGES[args.os],
        [BAKE_ENV.userData]: args.userData,
        ...(token ? { [BAKE_TOKEN_ENV[0]]: token } : {}),
      },
      // A new image (its name holds the bake's key), place, size or base is a new snapshot, made before the
      // servers that boot from it are replaced; the old one is deleted after them (pulumi-command: only
      // `triggers` replaces, harness/replacementAws.ts). Any other change (this program, the token) runs the
      // create again, which finds the snapshot by its name and answers the same ID.
      triggers: [imageName, args.region, args.size, IMAGES[args.os]],
    }, opts);
    return { id: bake.stdout.apply((out) => (out ?? "").trim().split("\n").pop() ?? "") };
  },

  server(name, args, opts): ServerHandle {
    // Secret files travel inline (secretDelivery is inline); bucket access uses Spaces keys from config.
    const volume = args.volume
      ? new digitalocean.Volume(`${name}-data`, {
        name: args.volume.name,
        region: args.region,
        size: args.volume.sizeGb,
        initialFilesystemType: "ext4",
        initialFilesystemLabel: "data",
        description: `Data of ${args.hostname}; survives the droplet's replacement.`,
      }, { ...opts, protect: args.volume.protect })
      : undefined;
    const droplet = new digitalocean.Droplet(name, {
      name: doResourceName(args.hostname),
      region: args.region,
      size: args.size,
      // A baked image of the server's packages (bakeImage), else the stock image of its OS.
      image: args.image?.id ?? IMAGES[args.os],
      userData: args.userData,
      vpcUuid: args.network.id,
      // The identities of the roles something selects the droplet by (a database firewall, a load
      // balancer, a firewall rule): a role nothing references has no tag. A changed list is an update in
      // place, never a new droplet (TFDO droplet/resource_droplet.go: `tags` is tag.TagsSchema(), an
      // optional set without ForceNew, and resourceDigitalOceanDropletUpdate tags and untags the droplet).
      tags: args.identities.map((r) => r.ref),
      // Keys already in the account (fullstack:sshKeyIds), embedded in root's authorized_keys at creation.
      // Without them DigitalOcean sets a root password and mails it ("When using SSH keys, we also do not
      // email out the root password", digitalocean.com/blog/api-now-supports-ssh-keys-for-droplet-creates;
      // OPENAPI droplets/models/droplet_create.yml `ssh_keys` embeds keys in root's account). The base role
      // makes that password useless: root login and password login are off (sshd, cloud-init
      // disable_root/ssh_pwauth) and root's password is locked (provisioning/roles/base.ts).
      sshKeys: [...args.sshKeyIds],
      monitoring: true,
      ipv6: true,
      gracefulShutdown: true,
      volumeIds: volume ? [volume.id] : undefined,
    }, {
      ...opts,
      // A volume attaches to one droplet at a time: the old droplet must go before the new one boots.
      deleteBeforeReplace: volume !== undefined,
      // Deleting shuts the droplet down first (gracefulShutdown): workers finish their tasks within their
      // stop timeout. The provider's own delete timeout is 60 s (TFDO droplet/resource_droplet.go Timeouts).
      customTimeouts: args.drainSeconds !== undefined ? { delete: `${args.drainSeconds + 300}s` } : opts.customTimeouts,
      // ssh_keys only act at creation and force a new droplet (TFDO droplet/resource_droplet.go
      // `ssh_keys` ForceNew): a changed key list must not replace running servers.
      ignoreChanges: [...(opts.ignoreChanges ?? []), "sshKeys"],
      // A new size is a new droplet, not a resize: the provider resizes by powering the droplet off hard
      // (TFDO droplet/resource_droplet.go resourceDigitalOceanDropletUpdate: PowerOff, Resize, PowerOn;
      // graceful_shutdown acts only on delete), which would stop every web server of the update at once
      // and cut running tasks and PostgreSQL short. Replaced, servers behind the load balancer come up
      // before the old ones go, and the old ones shut down gracefully (workers drain).
      replaceOnChanges: [...(opts.replaceOnChanges ?? []), "size"],
    });
    const release = args.release && pushRelease(`${name}-release`, droplet, args.release, opts);
    let address = droplet.ipv4Address;
    if (args.reservedIp) {
      const ip = new digitalocean.ReservedIp(`${name}-ip`, { region: args.region }, opts);
      // The address moves to a new droplet only once its release answers (the release waits for /healthz).
      new digitalocean.ReservedIpAssignment(`${name}-ip`, {
        ipAddress: ip.ipAddress,
        dropletId: droplet.id.apply(Number),
      }, { ...opts, dependsOn: release ? [release] : [] });
      address = ip.ipAddress;
    }
    return { id: droplet.id, publicIp: droplet.ipv4Address, privateIp: droplet.ipv4AddressPrivate, address, volumeId: volume?.id, release };
  },

  serverFirewall(name, args, opts) {
    new digitalocean.Firewall(name, {
      name: doResourceName(name),
      dropletIds: [args.server.id.apply(Number)],
      inboundRules: args.ingress.map(inboundRule),
      outboundRules: ALL_EGRESS,
    }, opts);
  },

  loadBalancer(name, args, opts): LoadBalancerHandle {
    const http = { entryPort: 80, entryProtocol: "http", targetPort: 80, targetProtocol: "http" };
    const lb = new digitalocean.LoadBalancer(name, {
      name: doResourceName(args.name),
      region: args.region,
      vpcUuid: args.network.id,
      dropletTag: args.targetRole.ref,
      sizeUnit: 1,
      forwardingRules: args.certificate
        ? [http, { entryPort: 443, entryProtocol: "https", targetPort: 80, targetProtocol: "http", certificateName: args.certificate.name }]
        : [http],
      redirectHttpToHttps: args.certificate !== undefined,
      // Unset, DigitalOcean adds an A record for the certificate's apex domain pointing at this load
      // balancer (OPENAPI load_balancers/models/load_balancer_base.yml `disable_lets_encrypt_dns_records`;
      // godo PR #482), taking over the zone's apex. We write our own records (dnsRecord()).
      disableLetsEncryptDnsRecords: true,
      tlsCipherPolicy: args.certificate ? "STRONG" : undefined,
      healthcheck: { port: 80, protocol: "http", path: args.healthCheckPath, ...LB_HEALTH_CHECK },
      enableBackendKeepalive: true,
      httpIdleTimeoutSeconds: 60,
    }, opts);
    return { id: lb.id, address: lb.ip };
  },

  attachToLoadBalancer(name, args, opts) {
    // The load balancer selects droplets by their role tag: a new droplet is in it from the start, and
    // gets traffic once healthyThreshold checks in a row pass. Replaced droplets are deleted at the end of
    // the update, so the update must not end before the new droplet counts as healthy: after its first
    // release (which answered its health check on the server) it waits that long, once per droplet.
    if (!args.server.release) return;
    const seconds = LB_HEALTH_CHECK.healthyThreshold * LB_HEALTH_CHECK.checkIntervalSeconds + LB_HEALTH_CHECK.responseTimeoutSeconds;
    new command.local.Command(`${name}-healthy`, {
      create: `sleep ${seconds}`,
      triggers: [args.server.id],
    }, { ...opts, dependsOn: [args.server.release] });
  },

  dnsZone(name, args, opts) {
    if (!args.create) return { name: pulumi.output(args.zone), id: pulumi.output(args.zone) };
    const domain = new digitalocean.Domain(name, { name: args.zone }, opts);
    return { name: domain.name, id: domain.id };
  },

  certificate(name, args, opts) {
    const cert = new digitalocean.Certificate(name, {
      type: "lets_encrypt",
      // Let's Encrypt validates through the zone, so the certificate waits for it (a zone the stack creates).
      domains: [args.zone.id.apply(() => args.domain)],
    }, opts);
    return { id: cert.uuid, name: cert.name };
  },

  dnsRecord(name, args, opts) {
    const recordName = args.zone.name.apply((zone) => (args.domain === zone ? "@" : args.domain.slice(0, -(zone.length + 1))));
    // DigitalOcean's load balancers have an IPv4 address: an A record either way.
    new digitalocean.DnsRecord(name, { domain: args.zone.name, type: "A", name: recordName, value: args.address, ttl: 300 }, opts);
  },

  managedPostgres(name, args, opts): PostgresHandle {
    const clusterName = doResourceName(args.clusterName);
    const cluster = new digitalocean.DatabaseCluster(name, {
      name: clusterName,
      engine: "pg",
      version: args.version,
      size: args.size,
      region: args.region,
      nodeCount: args.nodes,
      privateNetworkUuid: args.network.id,
    }, { ...opts, protect: args.protect });
    const db = new digitalocean.DatabaseDb(`${name}-db`, { clusterId: cluster.id, name: args.database }, { ...opts, protect: args.protect });
    const user = new digitalocean.DatabaseUser(`${name}-user`, { clusterId: cluster.id, name: args.user }, opts);
    // Every pool argument forces a new pool (TFDO database/resource_database_connection_pool.go: `size`,
    // `name`, `mode`, ... ForceNew, no update), and the pool is addressed by its name: created before the
    // old one is deleted, the new pool's name is taken (the API refuses it). So the old pool goes first:
    // a dbPoolSize change drops the pool for the seconds the new one takes; the URL does not change.
    const pool = new digitalocean.DatabaseConnectionPool(`${name}-pool`, {
      clusterId: cluster.id,
      name: `${args.database}-pool`,
      dbName: db.name,
      user: user.name,
      mode: "transaction",
      size: args.poolSize,
    }, { ...opts, deleteBeforeReplace: true });
    new digitalocean.DatabaseFirewall(`${name}-fw`, {
      clusterId: cluster.id,
      rules: args.allowRoles.map((r) => ({ type: "tag", value: r.ref })),
    }, opts);
    const url = (host: pulumi.Output<string>, port: pulumi.Output<number>, database: pulumi.Output<string>) =>
      pulumi.secret(pulumi.interpolate`postgresql://${user.name}:${user.password}@${host}:${port}/${database}?sslmode=require`);
    // DatabaseDb is created by, and owned by, doadmin; the DatabaseUser gets no rights in it. Since
    // PostgreSQL 15 only the owner may CREATE in schema public, so the server that migrates grants them
    // first, as doadmin, over the private network (the only way in: the database firewall admits the
    // app's roles only). Proven in tests/postgresGrants.test.ts.
    const adminConnection = pulumi.secret(pulumi.all([cluster.privateHost, cluster.port, cluster.user, cluster.password, db.name])
      .apply(([host, port, adminUser, password, database]) => ({ host, port, user: adminUser, password, database, sslmode: "require" })));
    const handle: PostgresHandle = {
      host: cluster.privateHost,
      port: cluster.port,
      database: db.name,
      user: user.name,
      url: url(pool.privateHost, pool.port, pool.name),
      directUrl: url(cluster.privateHost, cluster.port, db.name),
      adminConnection,
    };
    rememberCluster(handle, { id: cluster.id, size: args.size, engine: "pg" });
    clusterNames.set(handle, clusterName);
    return handle;
  },

  managedRedis(name, args, opts): RedisHandle {
    // DigitalOcean discontinued managed Redis; Valkey speaks the same protocol (Celery and RQ work unchanged).
    const cluster = new digitalocean.DatabaseCluster(name, {
      name: doResourceName(args.clusterName),
      engine: "valkey",
      version: "8",
      size: args.size,
      region: args.region,
      nodeCount: args.nodes,
      privateNetworkUuid: args.network.id,
      evictionPolicy: args.evictionPolicy,
    }, { ...opts, protect: args.protect });
    new digitalocean.DatabaseFirewall(`${name}-fw`, {
      clusterId: cluster.id,
      rules: args.allowRoles.map((r) => ({ type: "tag", value: r.ref })),
    }, opts);
    const handle: RedisHandle = {
      host: cluster.privateHost,
      port: cluster.port,
      url: pulumi.secret(pulumi.interpolate`rediss://default:${cluster.password}@${cluster.privateHost}:${cluster.port}/0`),
    };
    rememberCluster(handle, { id: cluster.id, size: args.size, engine: "valkey" });
    return handle;
  },

  bucket(name, args, opts): BucketHandle {
    const provider = spacesProvider(name, args.credentials, opts);
    const bucket = new digitalocean.SpacesBucket(name, {
      name: args.bucketName,
      region: args.region,
      acl: "private",
      versioning: { enabled: true },
      forceDestroy: false,
    }, { ...opts, provider, protect: args.protect });
    new digitalocean.SpacesBucketCorsConfiguration(`${name}-cors`, {
      bucket: bucket.id,
      region: args.region,
      corsRules: [{ allowedMethods: ["GET", "HEAD"], allowedOrigins: [...args.corsOrigins], allowedHeaders: ["*"], maxAgeSeconds: 3600 }],
    }, { ...opts, provider });
    let certificateName: pulumi.Output<string> | undefined;
    if (args.customDomain) {
      certificateName = digitalOceanAdapter.certificate(`${name}-cdn-cert`, { zone: args.customDomain.zone, domain: args.customDomain.name }, opts).name;
    }
    const cdn = new digitalocean.Cdn(`${name}-cdn`, {
      origin: bucket.bucketDomainName,
      ttl: 3600,
      customDomain: args.customDomain?.name,
      certificateName,
    }, opts);
    // No DnsRecord for the custom domain: DigitalOcean creates its CNAME itself in a zone it hosts ("We'll
    // automatically create a CNAME record for it if necessary", docs.digitalocean.com/products/spaces/
    // how-to/customize-cdn-endpoint/), and a second CNAME of the same name is refused.
    const appKey = args.credentials ? undefined
      : new digitalocean.SpacesKey(`${name}-app-key`, { name: `${doResourceName(name)}-app`, grants: [{ bucket: bucket.name, permission: "readwrite" }] }, opts);
    return {
      bucketName: bucket.name,
      appCredentials: appKey
        ? { accessId: appKey.accessKey, secretKey: pulumi.secret(appKey.secretKey) }
        : { accessId: pulumi.output(args.credentials!.accessId), secretKey: pulumi.secret(args.credentials!.secretKey) },
      endpoint: pulumi.output(`https://${args.region}.digitaloceanspaces.com`),
      publicUrl: args.customDomain ? pulumi.output(`https://${args.customDomain.name}`) : pulumi.interpolate`https://${cdn.endpoint}`,
    };
  },

  backupStore(name, args, opts): BackupStoreHandle {
    const provider = spacesProvider(name, undefined, opts);
    // Private, no versions to pile up; Spaces expires each dump after the retention (S3 lifecycle rules,
    // which Spaces supports: docs.digitalocean.com/products/spaces/how-to/configure-lifecycle-rules/).
    // Spaces encrypts data at rest itself and takes no SSE-S3 header.
    const bucket = new digitalocean.SpacesBucket(name, {
      name: args.bucketName,
      region: args.region,
      acl: "private",
      forceDestroy: false,
      lifecycleRules: [{ enabled: true, expiration: { days: args.retentionDays }, abortIncompleteMultipartUploadDays: 1 }],
    }, { ...opts, provider, protect: args.protect });
    // The server's key reaches this bucket only (Spaces keys grant per bucket: read, readwrite or
    // fullaccess; readwrite is the least that can upload, and it can delete too).
    const key = new digitalocean.SpacesKey(`${name}-key`, { name: `${doResourceName(name)}-server`, grants: [{ bucket: bucket.name, permission: "readwrite" }] }, opts);
    return {
      bucketName: bucket.name,
      store: pulumi.secret(pulumi.all([bucket.name, key.accessKey, key.secretKey]).apply(([bucketName, accessKey, secretKey]) => ({
        host: `${args.region}.digitaloceanspaces.com`, bucket: bucketName, region: args.region, accessKey, secretKey, serverSideEncryption: false,
      }))),
      byInstanceRole: false,
    };
  },
  // Resource alert policies, an uptime check and its alerts (./digitaloceanAlerts.ts).
  alerts: digitaloceanAlerts,

  // DigitalOcean has no log service: logs stay in each droplet's journal (and nginx's files), read over
  // SSH by the admin user (from the admin addresses the firewall admits).
  logs(_name, args) {
    const server = args.roles.flatMap((r) => r.servers)[0];
    const app = args.streams.find((s) => s.name === "app") ?? args.streams[0];
    const units = (app?.units ?? []).map((u) => `-u ${u}`).join(" ");
    return {
      groups: [],
      tailCommand: server
        ? pulumi.interpolate`ssh ${args.adminUser}@${server.handle.address} sudo journalctl --follow ${units}`
        : pulumi.output(`sudo journalctl --follow ${units}`),
    };
  },
};

/**
 * The Spaces API takes its own keys. Without keys in config, the API token makes them (POST
 * /v2/spaces/keys): one with full access that creates buckets (the bucket's own keys, limited to it, are
 * made beside it). All live in the state, their secrets secret. The API token still comes from
 * digitalocean:token or DIGITALOCEAN_TOKEN.
 */
function spacesProvider(name: string, credentials: BucketRequest["credentials"], opts: pulumi.ComponentResourceOptions): digitalocean.Provider {
  const deployKey = credentials ? undefined
    : new digitalocean.SpacesKey(`${name}-deploy-key`, { name: `${doResourceName(name)}-deploy`, grants: [{ bucket: "", permission: "fullaccess" }] }, opts);
  const deployer = credentials ?? { accessId: deployKey!.accessKey, secretKey: pulumi.secret(deployKey!.secretKey) };
  return new digitalocean.Provider(`${name}-spaces`, {
    token: new pulumi.Config("digitalocean").getSecret("token"),
    spacesAccessId: deployer.accessId,
    spacesSecretKey: deployer.secretKey,
  }, opts);
}
