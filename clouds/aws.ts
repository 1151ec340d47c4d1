/**
 * AWS: a VPC with public and private subnets in two availability zones, one security group per role
 * (every rule described), EC2 instances with IMDSv2 and encrypted gp3 disks whose user data carries no
 * secret (servers fetch their secret files from SSM Parameter Store at boot with their instance role),
 * an ALB with TLS from ACM, RDS PostgreSQL forcing TLS, ElastiCache Valkey with encryption and an auth
 * token, a private S3 bucket behind CloudFront with origin access control, Route 53 and SQS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { CATALOG, checkProviderRegion, type OperatingSystem } from "../settings";
import {
  CORS_S3_ORIGIN_REQUEST_POLICY, rdsIdentifier, replicationGroupId, sqsQueuePart, targetGroupName,
} from "../settings/limits/aws";
import type {
  BucketHandle, CloudAdapter, DnsZoneHandle, IngressRule, LoadBalancerHandle, NetworkHandle, PostgresHandle, QueueHandle,
  RedisHandle, ReleaseRequest, RoleHandle, ServerGroupHandle, ServerHandle, ServerSpec,
} from "./types";
import { appPaths } from "../provisioning";

/** AMIs by owner and name pattern (amd64). Looked up once per deploy; servers ignore newer AMIs. */
const IMAGES: Record<OperatingSystem, { owner: string; name: string }> = {
  "ubuntu-24.04": { owner: "099720109477", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*" },
  "debian-12": { owner: "136693071363", name: "debian-12-amd64-*" },
};

const VPC_CIDR = "10.0.0.0/16";
const PUBLIC_CIDRS = ["10.0.0.0/20", "10.0.16.0/20"];
const PRIVATE_CIDRS = ["10.0.128.0/20", "10.0.144.0/20"];
/** The AWS-managed CachingOptimized policy. */
const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/** TLS 1.3 and 1.2 only. */
const ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
export const SECRET_FETCH_SCRIPT = "/usr/local/sbin/fullstack-fetch-secrets";
export const DRAIN_SCRIPT = "/usr/local/sbin/fullstack-group-drain";
export const DRAIN_UNIT = "fullstack-group-drain.service";
/** The auto scaling lifecycle hook a leaving server completes once its services have stopped. */
export const DRAIN_HOOK = "fullstack-drain";
/** The longest an auto scaling lifecycle hook waits for a heartbeat (AWS's limit). */
const MAX_HOOK_SECONDS = 7200;
/** How often a draining server tells its group it is still stopping (well inside any hook timeout it gets). */
const DRAIN_HEARTBEAT_SECONDS = 300;

interface AwsNetwork {
  vpcId: pulumi.Output<string>;
  publicSubnetIds: pulumi.Output<string>[];
  privateSubnetIds: pulumi.Output<string>[];
  azs: pulumi.Output<string[]>;
  /** Servers go in public subnets when there is no NAT. */
  serversPublic: boolean;
}

// Adapter-private details behind the neutral handles.
const networks = new WeakMap<NetworkHandle, AwsNetwork>();
const serverGroups = new WeakMap<ServerHandle, pulumi.Output<string>>();
const targetGroups = new WeakMap<LoadBalancerHandle, pulumi.Output<string>>();
const zoneIds = new WeakMap<DnsZoneHandle, pulumi.Output<string>>();

/**
 * A role's security group is made on first use of its `ref`: by a rule that admits the role (a data
 * store's, a role-to-role rule) or by a server that has the role once such a rule exists. A server wears
 * only the role groups that exist when it is made: a role nothing admits (the single box's postgres and
 * redis, which listen on localhost; the scheduler) needs no group, and EC2 allows only 5 security groups
 * per network interface by default (Amazon VPC quotas), which the single box's own group and five role
 * groups would pass. A rule that admits a role after servers with that role were made is an error, not a
 * silently unreachable server.
 */
interface LazyRole {
  made(): boolean;
  /** Servers made with the role before its group existed. */
  readonly unworn: string[];
}
const lazyRoles = new WeakMap<RoleHandle, LazyRole>();

/** The role groups a server made now wears; records the roles it does not. */
function wornRoleGroups(server: string, roles: readonly RoleHandle[]): pulumi.Output<string>[] {
  return roles.filter((r) => {
    const lazy = lazyRoles.get(r);
    if (!lazy || lazy.made()) return true;
    lazy.unworn.push(server);
    return false;
  }).map((r) => r.ref);
}

function details(network: NetworkHandle): AwsNetwork {
  const d = networks.get(network);
  if (!d) throw new Error("this network was not made by the AWS adapter");
  return d;
}

/**
 * A release in place through Systems Manager, without SSH: a Command document that waits for the first
 * boot, fetches the secret files (the release bundle among them) and runs the release entry point, and an
 * association that runs it on the server, or on the group's servers one at a time (maxConcurrency 1,
 * maxErrors 0: the first failure stops the rest). The provider waits for an association's success only
 * when it creates one (terraform-provider-aws internal/service/ssm/association.go: `waitAssociationSuccess`
 * in Create, not in Update), so a new release replaces the association (replaceOnChanges on its
 * `parameters`, which carry the bundle's digest): the update waits, and fails when the release fails.
 */
function ssmRelease(name: string, physicalName: string, release: ReleaseRequest, dependsOn: pulumi.Resource[], opts: pulumi.CustomResourceOptions): aws.ssm.Association {
  const document = new aws.ssm.Document(name, {
    name: `${physicalName}-release`,
    documentType: "Command",
    documentFormat: "JSON",
    content: release.appName.apply((appName) => JSON.stringify({
      schemaVersion: "2.2",
      description: `Release ${appName} in place (fullstack-pulumi)`,
      parameters: { bundleDigest: { type: "String", description: "SHA-256 of the release bundle (a new one runs a new release)" } },
      mainSteps: [{
        action: "aws:runShellScript",
        name: "release",
        inputs: {
          timeoutSeconds: String(release.timeoutSeconds),
          runCommand: [
            "set -eu",
            "cloud-init status --wait >/dev/null || true",
            SECRET_FETCH_SCRIPT,
            `echo "release {{ bundleDigest }}"`,
            `${appPaths(appName).releaseScript} --file ${appPaths(appName).releaseBundle}`,
          ],
        },
      }],
    })),
    tags: { Name: `${physicalName}-release` },
  }, opts);
  return new aws.ssm.Association(name, {
    name: document.name,
    associationName: `${physicalName}-release`,
    targets: [{ key: "tag:Name", values: [physicalName] }],
    // A digest of the whole bundle (its secrets included, so nothing to guess from): not secret, so a
    // preview shows that a release will run.
    parameters: { bundleDigest: pulumi.unsecret(release.bundle.apply((b) => createHash("sha256").update(b).digest("hex"))) },
    maxConcurrency: "1",
    maxErrors: "0",
    waitForSuccessTimeoutSeconds: release.timeoutSeconds,
  }, { ...opts, dependsOn: [...dependsOn, ...(release.after ?? [])] as pulumi.Input<pulumi.Resource>[], replaceOnChanges: ["parameters"] });
}

/** Parameter Store name of a server's secret files. */
export function secretParameterName(hostname: string): string {
  return `/fullstack/${hostname}/secret-files`;
}

/** The boot script that writes a server's secret files from Parameter Store (python3-boto3, instance role). */
export function renderSecretFetchScript(parameter: string, region: string): string {
  return [
    "#!/usr/bin/python3",
    "# Rendered by fullstack-pulumi: writes this server's secret files from SSM Parameter Store.",
    "import grp, json, os, pwd, time",
    "import boto3",
    "",
    `PARAMETER = ${JSON.stringify(parameter)}`,
    `REGION = ${JSON.stringify(region)}`,
    "",
    "def fetch():",
    "    ssm = boto3.client('ssm', region_name=REGION)",
    "    for attempt in range(30):",
    "        try:",
    "            return ssm.get_parameter(Name=PARAMETER, WithDecryption=True)['Parameter']['Value']",
    "        except Exception as err:  # the instance role can take a moment to become usable",
    "            print(f'fetch-secrets: {err}; retrying')",
    "            time.sleep(min(2 ** attempt, 20))",
    "    raise SystemExit('fetch-secrets: could not read ' + PARAMETER)",
    "",
    "for f in json.loads(fetch()):",
    "    os.makedirs(os.path.dirname(f['path']), exist_ok=True)",
    "    user, _, group = f.get('owner', 'root:root').partition(':')",
    "    fd = os.open(f['path'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)",
    "    with os.fdopen(fd, 'w') as out:",
    "        out.write(f['content'])",
    "    os.chown(f['path'], pwd.getpwnam(user).pw_uid, grp.getgrnam(group or user).gr_gid)",
    "    os.chmod(f['path'], int(f['permissions'], 8))",
    "    print('fetch-secrets: wrote ' + f['path'])",
    "",
  ].join("\n");
}

/**
 * The watcher a server of an auto scaling group runs: it polls the instance metadata for the group's
 * decision to terminate it (a rolling release, a smaller group), stops the given services (systemd gives
 * each its stop timeout, so running tasks finish), then completes the lifecycle hook so the termination
 * goes on. If anything fails, the hook's timeout lets the termination go on anyway. Honours
 * AWS_EC2_METADATA_SERVICE_ENDPOINT like the AWS SDKs do.
 */
export function renderDrainScript(region: string, units: readonly string[]): string {
  return [
    "#!/usr/bin/python3",
    "# Rendered by fullstack-pulumi: leaves the auto scaling group gracefully (stops services, then completes the lifecycle hook).",
    "import os, subprocess, sys, threading, time, urllib.error, urllib.request",
    "import boto3",
    "",
    `REGION = ${JSON.stringify(region)}`,
    `HOOK = ${JSON.stringify(DRAIN_HOOK)}`,
    `UNITS = ${JSON.stringify(units)}`,
    'IMDS = os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254").rstrip("/")',
    `HEARTBEAT_SECONDS = ${DRAIN_HEARTBEAT_SECONDS}`,
    "",
    "def metadata(path):",
    "    token_request = urllib.request.Request(IMDS + '/latest/api/token', method='PUT',",
    "                                           headers={'X-aws-ec2-metadata-token-ttl-seconds': '300'})",
    "    token = urllib.request.urlopen(token_request, timeout=5).read().decode()",
    "    request = urllib.request.Request(IMDS + '/latest/meta-data/' + path, headers={'X-aws-ec2-metadata-token': token})",
    "    try:",
    "        return urllib.request.urlopen(request, timeout=5).read().decode()",
    "    except urllib.error.HTTPError as err:",
    "        if err.code == 404:",
    "            return None",
    "        raise",
    "",
    "def wait_for_termination():",
    "    while True:",
    "        try:",
    "            if metadata('autoscaling/target-lifecycle-state') == 'Terminated':",
    "                return",
    "        except Exception as err:  # the metadata service can be briefly unavailable",
    "            print(f'group-drain: {err}', flush=True)",
    "        time.sleep(5)",
    "",
    "def own_group():",
    "    instance = metadata('instance-id')",
    "    autoscaling = boto3.client('autoscaling', region_name=REGION)",
    "    found = autoscaling.describe_auto_scaling_instances(InstanceIds=[instance])['AutoScalingInstances']",
    "    if not found:",
    "        sys.exit('group-drain: this instance is in no auto scaling group')",
    "    return autoscaling, found[0]['AutoScalingGroupName'], instance",
    "",
    "def keep_hook_alive(done):",
    "    # A warm shutdown may outlast the hook's timeout (tasks of up to a day): tell the group to wait longer.",
    "    while not done.wait(HEARTBEAT_SECONDS):",
    "        try:",
    "            autoscaling, group, instance = own_group()",
    "            autoscaling.record_lifecycle_action_heartbeat(LifecycleHookName=HOOK, AutoScalingGroupName=group, InstanceId=instance)",
    "        except (Exception, SystemExit) as err:",
    "            print(f'group-drain: heartbeat: {err}', flush=True)",
    "",
    "def main():",
    "    wait_for_termination()",
    "    print('group-drain: leaving the group: stopping ' + ' '.join(UNITS), flush=True)",
    "    done = threading.Event()",
    "    threading.Thread(target=keep_hook_alive, args=(done,), daemon=True).start()",
    "    stopped = subprocess.call(['systemctl', 'stop', *UNITS])",
    "    done.set()",
    "    autoscaling, group, instance = own_group()",
    "    autoscaling.complete_lifecycle_action(LifecycleHookName=HOOK, AutoScalingGroupName=group, InstanceId=instance,",
    "                                          LifecycleActionResult='CONTINUE')",
    "    print(f'group-drain: services stopped (systemctl exit {stopped}); termination goes on', flush=True)",
    "",
    "if __name__ == '__main__':",
    "    main()",
    "",
  ].join("\n");
}

function ingressRules(name: string, securityGroupId: pulumi.Input<string>, rules: readonly IngressRule[], opts: pulumi.ComponentResourceOptions): void {
  rules.forEach((rule, i) => {
    const base = { securityGroupId, ipProtocol: rule.protocol, fromPort: rule.port, toPort: rule.port, description: rule.description };
    const src = rule.source;
    const sources: Partial<aws.vpc.SecurityGroupIngressRuleArgs>[] =
      src.kind === "anywhere" ? [{ cidrIpv4: "0.0.0.0/0" }, { cidrIpv6: "::/0" }]
        : src.kind === "cidrs" ? src.cidrs.map((c) => (c.includes(":") ? { cidrIpv6: c } : { cidrIpv4: c }))
          : src.kind === "role" ? [{ referencedSecurityGroupId: src.role.ref }]
            : [{ referencedSecurityGroupId: src.loadBalancer.securityRef }];
    sources.forEach((source, j) => {
      new aws.vpc.SecurityGroupIngressRule(`${name}-${rule.port}-${i}-${j}`, { ...base, ...source }, opts);
    });
  });
}

function allEgress(name: string, securityGroupId: pulumi.Input<string>, opts: pulumi.ComponentResourceOptions): void {
  new aws.vpc.SecurityGroupEgressRule(`${name}-egress`, {
    securityGroupId, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "All outbound (packages, git, APIs)",
  }, opts);
  new aws.vpc.SecurityGroupEgressRule(`${name}-egress6`, {
    securityGroupId, ipProtocol: "-1", cidrIpv6: "::/0", description: "All outbound over IPv6",
  }, opts);
}

/** A data store's security group: its port, from the given roles only, every rule described. */
function dataStoreGroup(name: string, net: AwsNetwork, cluster: string, engine: string, port: number, roles: readonly RoleHandle[],
  opts: pulumi.ComponentResourceOptions): aws.ec2.SecurityGroup {
  const sg = new aws.ec2.SecurityGroup(`${name}-sg`, {
    name: sgName(`${cluster}-${engine.toLowerCase()}`), vpcId: net.vpcId, description: `${engine} ${cluster}: only from the app servers`,
  }, opts);
  ingressRules(`${name}-sg`, sg.id, roles.map((role) => ({
    port, protocol: "tcp", source: { kind: "role", role }, description: `${engine} from the ${role.role} role`,
  })), opts);
  return sg;
}

function sgName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 255);
}

function assumeRolePolicy(service: string): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });
}

const IMDS_V2 = { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled", instanceMetadataTags: "disabled" };
const ROOT_GB = 20;
/** Seconds a new server takes to boot, install and deploy before health checks count. */
const BOOT_SECONDS = 600;

/**
 * Where the rendered user data names the data volume's device until server() knows the volume's ID.
 * Not a path that exists: a server whose user data still held it would wait for it and fail.
 */
const DATA_VOLUME_DEVICE = "/dev/fullstack-ebs-volume-pending";

/**
 * The path a server sees for its data volume `volumeId`, attached as /dev/sdf. On Nitro instances an EBS
 * volume is an NVMe disk whose serial number is its ID without the dash, which udev links as
 * /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_<serial>; the kernel's nvme<N>n1 names follow the order
 * the disks answer at boot, which can change between boots (AWS's "Map Amazon EBS volumes to NVMe device
 * names"), so they are never used. Xen instances (t2) see the attachment name, as /dev/xvdf.
 */
export function dataVolumeDevice(volumeId: string, instanceType: string): string {
  if (/^t2\./.test(instanceType)) return "/dev/xvdf";
  const serial = /^vol-([0-9a-f]+)$/.exec(volumeId)?.[1];
  if (!serial) throw new Error(`${volumeId} is not an EBS volume ID (vol-<hex>)`);
  return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol${serial}`;
}

/** `userData` with the data volume's device filled in; `volume` undefined: there must be none to fill. */
function withDataVolume(userData: string, physicalName: string, volume?: { id: string; instanceType: string }): string {
  const holds = userData.includes(DATA_VOLUME_DEVICE);
  if (!volume) {
    if (holds) throw new Error(`${physicalName}: the user data mounts a data volume, but the server has none`);
    return userData;
  }
  if (!holds) throw new Error(`${physicalName}: the server has a data volume, but its user data does not mount it`);
  return userData.replaceAll(DATA_VOLUME_DEVICE, dataVolumeDevice(volume.id, volume.instanceType));
}

/**
 * What a server and a server group share: the security group that carries its own rules, the secret
 * files in Parameter Store, an instance role that reads only those (plus SSM, CloudWatch and the app's
 * buckets and queues), the AMI and the gzip'd user data, checked to hold no secret.
 */
function serverBase(name: string, physicalName: string, args: ServerSpec, opts: pulumi.ComponentResourceOptions, group = false) {
  const net = details(args.network);
  // Security group names are unique in a VPC, and a group is named like its role ("shop-web"), whose
  // security group already has that name.
  const sgPhysical = group ? `${physicalName}-group` : physicalName;
  const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
    name: sgName(sgPhysical), vpcId: net.vpcId, description: group ? `Servers of the group ${physicalName}` : `Server ${physicalName}`,
    tags: { Name: sgPhysical },
  }, opts);
  allEgress(`${name}-sg`, securityGroup.id, opts);

  const parameter = new aws.ssm.Parameter(`${name}-secrets`, {
    name: secretParameterName(physicalName),
    type: "SecureString",
    tier: "Intelligent-Tiering",
    description: `Secret files of ${physicalName}, fetched at boot`,
    value: pulumi.secret(args.secretFiles.apply((files) => JSON.stringify(files.map((f) => ({
      path: f.path, content: f.content, permissions: f.permissions, owner: f.owner ?? "root:root",
    }))))),
  }, opts);

  const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"), tags: { Name: physicalName } }, opts);
  new aws.iam.RolePolicyAttachment(`${name}-ssm`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }, opts);
  new aws.iam.RolePolicyAttachment(`${name}-cloudwatch`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy" }, opts);
  const buckets = pulumi.output(args.bucketAccess ?? []);
  const queues = pulumi.output(args.queueAccess ?? []);
  new aws.iam.RolePolicy(`${name}-own`, {
    role: role.id,
    policy: pulumi.all([parameter.arn, buckets, queues]).apply(([paramArn, bucketNames, queueArns]) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "OwnSecrets", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [paramArn] },
        // AmazonSSMManagedInstanceCore allows ssm:GetParameter(s) on every parameter of the account, which
        // would let any server read every other server's (and every other stack's) secret files. Only this
        // server's own parameter, and the CloudWatch agent's configuration, stay readable.
        {
          Sid: "NoOtherParameters", Effect: "Deny", Action: ["ssm:GetParameter*"],
          NotResource: [paramArn, "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*"],
        },
        ...(bucketNames.length ? [
          { Sid: "StaticBucketList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketNames.map((b) => `arn:aws:s3:::${b}`) },
          { Sid: "StaticBucketObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: bucketNames.map((b) => `arn:aws:s3:::${b}/*`) },
        ] : []),
        ...(queueArns.length ? [{
          Sid: "TaskQueues", Effect: "Allow",
          Action: ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueues"],
          Resource: queueArns,
        }] : []),
      ],
    })),
  }, opts);
  const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, opts);

  const image = IMAGES[args.os];
  const ami = aws.ec2.getAmiOutput({
    mostRecent: true, owners: [image.owner],
    filters: [{ name: "name", values: [image.name] }, { name: "architecture", values: ["x86_64"] }],
  }, { parent: opts.parent });

  // The rendered cloud-config is secret by inheritance (it is rendered from the app's environment), yet
  // with fetch delivery it holds no secret file: keep it visible so previews show what changes.
  const userDataBase64 = pulumi.unsecret(pulumi.all([args.userData, args.secretFiles]).apply(([u, secretFiles]) => {
    const leaked = secretFiles.filter((f) => f.content.length > 0 && u.includes(f.content));
    if (leaked.length > 0) throw new Error(`${physicalName}: user data would carry the secret file(s) ${leaked.map((f) => f.path).join(", ")}`);
    return gzipSync(Buffer.from(u, "utf8"), { level: 9 }).toString("base64");
  }));
  return {
    securityGroup, role, profile, ami, userDataBase64, parameter,
    securityGroupIds: [securityGroup.id, ...wornRoleGroups(physicalName, args.roles)],
    rolesTag: args.roles.map((r) => r.role).join(","),
  };
}

export const awsAdapter: CloudAdapter = {
  name: "aws",
  userDataLimit: CATALOG.aws.userDataLimit,

  // cloud-init reads gzip-compressed user data; the limit applies to what EC2 stores.
  userDataBytes(cloudConfig) {
    return gzipSync(Buffer.from(cloudConfig, "utf8"), { level: 9 }).length;
  },

  // The release bundle is one of the secret files; Systems Manager's agent runs it (ssmRelease()).
  releaseDelivery: "file",

  // EC2 user data is readable by anyone who can describe the instance: no secret goes there.
  secretDelivery(hostname, region) {
    return {
      kind: "fetch",
      packages: ["python3-boto3"],
      files: [{ path: SECRET_FETCH_SCRIPT, permissions: "0755", content: renderSecretFetchScript(secretParameterName(hostname), region) }],
      command: [SECRET_FETCH_SCRIPT],
    };
  },

  volumeDevicePath() {
    // Known only once the volume exists: server() puts the real path in (dataVolumeDevice).
    return DATA_VOLUME_DEVICE;
  },

  network(name, args, opts): NetworkHandle {
    // Resources go where the provider's region says (aws:region, or AWS_REGION); servers fetch their
    // secrets from Parameter Store in fullstack:region. The two must agree.
    checkProviderRegion(args.region, aws.config.region);
    const azs = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: opts.parent }).names.apply((n) => n.slice(0, 2));
    const vpc = new aws.ec2.Vpc(name, {
      cidrBlock: VPC_CIDR, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name },
    }, opts);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: name } }, opts);
    const publicRt = new aws.ec2.RouteTable(`${name}-public`, {
      vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: { Name: `${name}-public` },
    }, opts);
    const publicSubnets = PUBLIC_CIDRS.map((cidr, i) => {
      const subnet = new aws.ec2.Subnet(`${name}-public-${i + 1}`, {
        vpcId: vpc.id, cidrBlock: cidr, availabilityZone: azs.apply((z) => z[i]), mapPublicIpOnLaunch: false,
        tags: { Name: `${name}-public-${i + 1}`, Tier: "public" },
      }, opts);
      new aws.ec2.RouteTableAssociation(`${name}-public-${i + 1}`, { subnetId: subnet.id, routeTableId: publicRt.id }, opts);
      return subnet;
    });
    const natMode = args.natMode ?? "none";
    const routes: aws.types.input.ec2.RouteTableRoute[] = [];
    if (natMode === "gateway") {
      const eip = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: { Name: `${name}-nat` } }, opts);
      const nat = new aws.ec2.NatGateway(`${name}-nat`, {
        allocationId: eip.id, subnetId: publicSubnets[0].id, tags: { Name: `${name}-nat` },
      }, { ...opts, dependsOn: [igw] });
      routes.push({ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id });
    } else if (natMode === "instance") {
      const sg = new aws.ec2.SecurityGroup(`${name}-nat`, {
        name: sgName(`${name}-nat`), vpcId: vpc.id, description: "NAT instance: forwards private subnets to the internet",
      }, opts);
      new aws.vpc.SecurityGroupIngressRule(`${name}-nat-from-vpc`, {
        securityGroupId: sg.id, ipProtocol: "-1", cidrIpv4: VPC_CIDR, description: "Traffic from the private subnets",
      }, opts);
      allEgress(`${name}-nat`, sg.id, opts);
      const ami = aws.ec2.getAmiOutput({
        mostRecent: true, owners: [IMAGES["debian-12"].owner],
        filters: [{ name: "name", values: [IMAGES["debian-12"].name] }, { name: "architecture", values: ["x86_64"] }],
      }, { parent: opts.parent });
      const natInstance = new aws.ec2.Instance(`${name}-nat`, {
        ami: ami.id, instanceType: "t3.nano", subnetId: publicSubnets[0].id, associatePublicIpAddress: true,
        sourceDestCheck: false, vpcSecurityGroupIds: [sg.id],
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
        rootBlockDevice: { volumeType: "gp3", encrypted: true, volumeSize: 8 },
        userData: [
          "#cloud-config",
          "packages: [iptables, iptables-persistent]",
          "write_files:",
          "  - path: /etc/sysctl.d/90-nat.conf",
          "    content: \"net.ipv4.ip_forward = 1\\n\"",
          "runcmd:",
          "  - [sysctl, --system]",
          `  - [sh, -c, "iptables -t nat -A POSTROUTING -s ${VPC_CIDR} -o $(ip route show default | awk '{print $5}') -j MASQUERADE && netfilter-persistent save"]`,
          "",
        ].join("\n"),
        tags: { Name: `${name}-nat` },
      }, { ...opts, ignoreChanges: ["ami"] });
      routes.push({ cidrBlock: "0.0.0.0/0", networkInterfaceId: natInstance.primaryNetworkInterfaceId });
    }
    const privateRt = new aws.ec2.RouteTable(`${name}-private`, { vpcId: vpc.id, routes, tags: { Name: `${name}-private` } }, opts);
    const privateSubnets = PRIVATE_CIDRS.map((cidr, i) => {
      const subnet = new aws.ec2.Subnet(`${name}-private-${i + 1}`, {
        vpcId: vpc.id, cidrBlock: cidr, availabilityZone: azs.apply((z) => z[i]), mapPublicIpOnLaunch: false,
        tags: { Name: `${name}-private-${i + 1}`, Tier: "private" },
      }, opts);
      new aws.ec2.RouteTableAssociation(`${name}-private-${i + 1}`, { subnetId: subnet.id, routeTableId: privateRt.id }, opts);
      return subnet;
    });
    const handle: NetworkHandle = { id: vpc.id, cidr: vpc.cidrBlock, region: args.region };
    networks.set(handle, {
      vpcId: vpc.id, azs,
      publicSubnetIds: publicSubnets.map((s) => s.id),
      privateSubnetIds: privateSubnets.map((s) => s.id),
      serversPublic: natMode === "none",
    });
    return handle;
  },

  role(name, args, opts): RoleHandle {
    let sg: aws.ec2.SecurityGroup | undefined;
    const lazy: LazyRole = { made: () => sg !== undefined, unworn: [] };
    const handle: RoleHandle = {
      role: args.role,
      get ref(): pulumi.Output<string> {
        if (!sg) {
          if (lazy.unworn.length > 0) {
            throw new Error(`AWS: a rule admits the ${args.role} role after its servers (${lazy.unworn.join(", ")}) were made without its ` +
              "security group; make data stores and role rules before the servers they admit");
          }
          sg = new aws.ec2.SecurityGroup(name, {
            name: sgName(args.tagName),
            vpcId: details(args.network).vpcId,
            description: `Servers with the ${args.role} role`,
            tags: { Name: args.tagName, Role: args.role },
          }, opts);
        }
        return sg.id;
      },
    };
    lazyRoles.set(handle, lazy);
    return handle;
  },

  server(name, args, opts): ServerHandle {
    const net = details(args.network);
    // Spread servers over both zones, by name so a server keeps its zone (and its volume) for life.
    const zone = [...args.hostname].reduce((h, c) => h + c.charCodeAt(0), 0) % 2;
    // A server that asks for a static public address serves the internet itself: an Elastic IP on an
    // instance in a private subnet (no route to the internet gateway) would never answer.
    const isPublic = net.serversPublic || args.reservedIp === true;
    const subnetId = isPublic ? net.publicSubnetIds[zone] : net.privateSubnetIds[zone];
    // The volume first: the user data names it by its ID.
    const volume = args.volume && new aws.ebs.Volume(`${name}-data`, {
      availabilityZone: net.azs.apply((z) => z[zone]),
      size: args.volume.sizeGb,
      type: "gp3",
      encrypted: true,
      tags: { Name: args.volume.name },
    }, { ...opts, protect: args.volume.protect });
    const userData = pulumi.all([args.userData, volume ? volume.id : undefined]).apply(([u, volumeId]) =>
      withDataVolume(u, args.hostname, volumeId === undefined ? undefined : { id: volumeId, instanceType: args.size }));
    const base = serverBase(name, args.hostname, { ...args, userData }, opts);

    const instance = new aws.ec2.Instance(name, {
      ami: base.ami.id,
      instanceType: args.size,
      subnetId,
      associatePublicIpAddress: isPublic,
      vpcSecurityGroupIds: base.securityGroupIds,
      iamInstanceProfile: base.profile.name,
      metadataOptions: IMDS_V2,
      rootBlockDevice: { volumeType: "gp3", volumeSize: ROOT_GB, encrypted: true, deleteOnTermination: true },
      userDataBase64: base.userDataBase64,
      // A new release is a new server, as on DigitalOcean.
      userDataReplaceOnChange: true,
      monitoring: true,
      tags: { Name: args.hostname, Roles: base.rolesTag },
    }, {
      ...opts,
      // Newer AMIs arrive through unattended upgrades, not by replacing servers.
      ignoreChanges: ["ami"],
      deleteBeforeReplace: args.volume !== undefined,
    });

    if (volume) {
      new aws.ec2.VolumeAttachment(`${name}-data`, { deviceName: "/dev/sdf", volumeId: volume.id, instanceId: instance.id, stopInstanceBeforeDetaching: true }, opts);
    }

    let address = instance.publicIp;
    if (args.reservedIp) {
      const eip = new aws.ec2.Eip(`${name}-ip`, { domain: "vpc", tags: { Name: args.hostname } }, opts);
      new aws.ec2.EipAssociation(`${name}-ip`, { allocationId: eip.id, instanceId: instance.id }, opts);
      address = eip.publicIp;
    }
    const release = args.release && ssmRelease(`${name}-release`, args.hostname, args.release, [base.parameter, instance], opts);
    const handle: ServerHandle = {
      id: instance.id, publicIp: instance.publicIp, privateIp: instance.privateIp, address, volumeId: volume ? volume.id : undefined, release,
    };
    serverGroups.set(handle, base.securityGroup.id);
    return handle;
  },

  groupMemberPart(group, drain) {
    return {
      packages: ["python3-boto3"],
      writeFiles: [
        { path: DRAIN_SCRIPT, permissions: "0755", content: renderDrainScript(group.region, drain.units) },
        {
          path: `/etc/systemd/system/${DRAIN_UNIT}`, permissions: "0644", content: [
            "# Rendered by fullstack-pulumi.",
            "[Unit]",
            `Description=Leave the auto scaling group ${group.name} gracefully`,
            "After=network-online.target",
            "Wants=network-online.target",
            "",
            "[Service]",
            "Type=simple",
            `ExecStart=${DRAIN_SCRIPT}`,
            "Restart=on-failure",
            "RestartSec=10",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
          ].join("\n"),
        },
      ],
      runcmd: [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", DRAIN_UNIT]],
    };
  },

  serverGroup(name, args, opts): ServerGroupHandle {
    const net = details(args.network);
    // Group servers are interchangeable and keep no data: no volume to fill in.
    const userData = pulumi.output(args.userData).apply((u) => withDataVolume(u, args.name));
    const base = serverBase(name, args.name, { ...args, userData }, opts, true);
    ingressRules(`${name}-fw`, base.securityGroup.id, args.ingress, opts);
    const targetGroup = args.loadBalancer ? targetGroups.get(args.loadBalancer) : undefined;
    if (args.loadBalancer && !targetGroup) throw new Error("this load balancer was not made by the AWS adapter");

    // Servers in public subnets (no NAT) need a public address to reach package mirrors; that takes a
    // network interface block, which then carries the security groups too.
    const template = new aws.ec2.LaunchTemplate(name, {
      description: `Servers of ${args.name}`,
      imageId: base.ami.id,
      instanceType: args.size,
      iamInstanceProfile: { name: base.profile.name },
      ...(net.serversPublic
        ? { networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "true", deleteOnTermination: "true", securityGroups: base.securityGroupIds }] }
        : { vpcSecurityGroupIds: base.securityGroupIds }),
      metadataOptions: IMDS_V2,
      blockDeviceMappings: [{
        deviceName: base.ami.rootDeviceName,
        ebs: { volumeType: "gp3", volumeSize: ROOT_GB, encrypted: "true", deleteOnTermination: "true" },
      }],
      monitoring: { enabled: true },
      userData: base.userDataBase64,
      updateDefaultVersion: true,
      tagSpecifications: ["instance", "volume"].map((resourceType) => ({ resourceType, tags: { Name: args.name, Roles: base.rolesTag } })),
      tags: { Name: args.name },
    }, {
      ...opts,
      // As for single servers: newer AMIs arrive through unattended upgrades, not by a rolling replacement.
      ignoreChanges: ["imageId"],
    });

    const group = new aws.autoscaling.Group(name, {
      minSize: args.count,
      desiredCapacity: args.count,
      // Room for a full second set while a refresh launches new servers before it stops old ones.
      maxSize: args.count * 2,
      vpcZoneIdentifiers: net.serversPublic ? net.publicSubnetIds : net.privateSubnetIds,
      launchTemplate: { id: template.id, version: template.latestVersion.apply((v) => String(v)) },
      targetGroupArns: targetGroup ? [targetGroup] : [],
      // Behind a load balancer a server that fails /healthz is replaced, not only one whose VM fails.
      healthCheckType: targetGroup ? "ELB" : "EC2",
      // cloud-init installs packages and deploys the release before /healthz can answer.
      healthCheckGracePeriod: BOOT_SECONDS,
      defaultInstanceWarmup: BOOT_SECONDS,
      // A new template version (a new release, size or setting) rolls through the group: new servers
      // in service first (up to twice the count), then old ones go, never below the count.
      instanceRefresh: {
        strategy: "Rolling",
        preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: String(BOOT_SECONDS) },
      },
      terminationPolicies: ["OldestLaunchTemplate", "OldestInstance"],
      tags: [
        { key: "Name", value: args.name, propagateAtLaunch: true },
        { key: "Roles", value: base.rolesTag, propagateAtLaunch: true },
      ],
    }, opts);
    if (args.drainSeconds !== undefined) {
      // A leaving server stops its services first (see renderDrainScript). The hook holds its
      // termination until the server completes it, or for heartbeatTimeout after its last heartbeat,
      // then lets it go on even if the server never answered.
      new aws.autoscaling.LifecycleHook(`${name}-drain`, {
        name: DRAIN_HOOK,
        autoscalingGroupName: group.name,
        lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
        // Longer stops send heartbeats every DRAIN_HEARTBEAT_SECONDS (up to AWS's 48 h in all).
        heartbeatTimeout: pulumi.output(args.drainSeconds).apply((s) => Math.min(MAX_HOOK_SECONDS, Math.max(2 * DRAIN_HEARTBEAT_SECONDS, s + 60))),
        defaultResult: "CONTINUE",
      }, opts);
      new aws.iam.RolePolicy(`${name}-drain`, {
        role: base.role.id,
        policy: group.arn.apply((arn) => JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "FindOwnGroup", Effect: "Allow", Action: ["autoscaling:DescribeAutoScalingInstances"], Resource: "*" },
            { Sid: "LeaveOwnGroup", Effect: "Allow", Action: ["autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"], Resource: [arn] },
          ],
        })),
      }, opts);
    }
    const release = args.release && ssmRelease(`${name}-release`, args.name, args.release, [base.parameter, group], opts);
    return { id: group.id, name: group.name, release };
  },

  serverFirewall(name, args, opts) {
    const sg = serverGroups.get(args.server);
    if (!sg) throw new Error("this server was not made by the AWS adapter");
    ingressRules(name, sg, args.ingress, opts);
  },

  allowIngress(name, args, opts) {
    ingressRules(name, args.to.ref, args.rules, opts);
  },

  loadBalancer(name, args, opts): LoadBalancerHandle {
    const net = details(args.network);
    const sg = new aws.ec2.SecurityGroup(`${name}-sg`, {
      name: sgName(args.name), vpcId: net.vpcId, description: `Load balancer ${args.name}: HTTP(S) from the internet`,
    }, opts);
    const ports = args.certificate ? [80, 443] : [80];
    ingressRules(`${name}-sg`, sg.id, ports.map((port) => ({
      port, protocol: "tcp", source: { kind: "anywhere" }, description: port === 443 ? "HTTPS from the internet" : "HTTP from the internet",
    })), opts);
    new aws.vpc.SecurityGroupEgressRule(`${name}-sg-to-servers`, {
      securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: VPC_CIDR, description: "HTTP to the web servers",
    }, opts);
    // ELB names: 1 to 32 letters, digits and hyphens, no hyphen first or last, not "internal-"
    // (terraform-provider-aws elbv2/validate.go). The settings refuse app and stack names that do not fit.
    const lb = new aws.lb.LoadBalancer(name, {
      name: args.name,
      loadBalancerType: "application",
      internal: false,
      subnets: net.publicSubnetIds,
      securityGroups: [sg.id],
      dropInvalidHeaderFields: true,
      idleTimeout: 60,
    }, opts);
    // A target group is replaced when its VPC, port, protocol or target type changes, and the new one must
    // exist before the listener lets go of the old: its name ends in a hash of those inputs, so it changes
    // with them. Pulumi's own auto-name (logical name + 8) would pass ELB's 32 characters once app and
    // stack names reach 17.
    const tgShape = { port: 80, protocol: "HTTP", targetType: "instance" };
    const tg = new aws.lb.TargetGroup(`${name}-web`, {
      name: pulumi.output(net.vpcId).apply((vpcId) => targetGroupName(args.name, { vpcId, ...tgShape })),
      ...tgShape, vpcId: net.vpcId,
      deregistrationDelay: 30,
      healthCheck: { path: args.healthCheckPath, port: "80", protocol: "HTTP", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 3 },
    }, opts);
    if (args.certificate) {
      new aws.lb.Listener(`${name}-http`, {
        loadBalancerArn: lb.arn, port: 80, protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      }, opts);
      new aws.lb.Listener(`${name}-https`, {
        loadBalancerArn: lb.arn, port: 443, protocol: "HTTPS", sslPolicy: ALB_TLS_POLICY, certificateArn: args.certificate.id,
        defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
      }, opts);
    } else {
      new aws.lb.Listener(`${name}-http`, {
        loadBalancerArn: lb.arn, port: 80, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
      }, opts);
    }
    const handle: LoadBalancerHandle = { id: lb.arn, address: lb.dnsName, securityRef: sg.id, zoneId: lb.zoneId };
    targetGroups.set(handle, tg.arn);
    return handle;
  },

  attachToLoadBalancer(name, args, opts) {
    const tg = targetGroups.get(args.loadBalancer);
    if (!tg) throw new Error("this load balancer was not made by the AWS adapter");
    new aws.lb.TargetGroupAttachment(name, { targetGroupArn: tg, targetId: args.server.id, port: 80 }, opts);
  },

  dnsZone(name, args, opts) {
    if (args.create) {
      const zone = new aws.route53.Zone(name, { name: args.zone, comment: "Managed by fullstack-pulumi" }, opts);
      const handle = { name: zone.name, resource: zone };
      zoneIds.set(handle, zone.zoneId);
      return handle;
    }
    const found = aws.route53.getZoneOutput({ name: args.zone, privateZone: false }, { parent: opts.parent });
    const handle = { name: pulumi.output(args.zone) };
    zoneIds.set(handle, found.zoneId);
    return handle;
  },

  certificate(name, args, opts) {
    return acmCertificate(name, args.zone, args.domain, opts);
  },

  dnsRecord(name, args, opts) {
    const zoneId = zoneIds.get(args.zone);
    if (!zoneId) throw new Error("AWS DNS records need a Route 53 zone");
    if (args.loadBalancer) {
      // An ALB's addresses change: an alias to its DNS name, answered with its current addresses.
      if (!args.loadBalancer.zoneId) throw new Error("AWS DNS records for a load balancer need an ALB");
      new aws.route53.Record(name, {
        zoneId, name: args.domain, type: "A",
        aliases: [{ name: args.loadBalancer.address, zoneId: args.loadBalancer.zoneId, evaluateTargetHealth: true }],
      }, opts);
      return;
    }
    // A single server's Elastic IP.
    new aws.route53.Record(name, { zoneId, name: args.domain, type: "A", records: [args.address], ttl: 300 }, opts);
  },

  managedPostgres(name, args, opts): PostgresHandle {
    const net = details(args.network);
    const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: net.privateSubnetIds, description: `Private subnets of ${args.clusterName}` }, opts);
    const sg = dataStoreGroup(name, net, args.clusterName, "PostgreSQL", 5432, args.allowRoles, opts);
    // A new pgVersion needs a parameter group of the new family. The group is auto-named, so Pulumi
    // creates the new one before the database moves to it; the old one is left in place (retainOnDelete),
    // since RDS refuses to delete a group the database still uses until its upgrade is applied.
    const params = new aws.rds.ParameterGroup(`${name}-params`, {
      family: `postgres${args.version}`,
      description: `TLS-only PostgreSQL ${args.version} for ${args.clusterName}`,
      parameters: [{ name: "rds.force_ssl", value: "1" }],
    }, { ...opts, retainOnDelete: true });
    const identifier = rdsIdentifier(args.clusterName);
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, opts);
    const finalSnapshot = new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, opts);
    const db = new aws.rds.Instance(name, {
      identifier,
      engine: "postgres",
      engineVersion: args.version,
      // A pgVersion change is a major version upgrade, which RDS refuses without this (ModifyDBInstance).
      allowMajorVersionUpgrade: true,
      instanceClass: args.size,
      allocatedStorage: 20,
      maxAllocatedStorage: 200,
      storageType: "gp3",
      storageEncrypted: true,
      dbName: args.database,
      username: args.user,
      password: password.result,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [sg.id],
      parameterGroupName: params.name,
      multiAz: args.nodes > 1,
      publiclyAccessible: false,
      backupRetentionPeriod: 7,
      copyTagsToSnapshot: true,
      deletionProtection: args.protect,
      skipFinalSnapshot: !args.protect,
      finalSnapshotIdentifier: args.protect ? pulumi.interpolate`${identifier}-final-${finalSnapshot.hex}` : undefined,
      autoMinorVersionUpgrade: true,
      applyImmediately: false,
    }, { ...opts, protect: args.protect });
    const url = pulumi.secret(pulumi.interpolate`postgresql://${args.user}:${password.result}@${db.address}:${db.port}/${args.database}?sslmode=require`);
    return { host: db.address, port: db.port, database: pulumi.output(args.database), user: pulumi.output(args.user), url, directUrl: url };
  },

  managedRedis(name, args, opts): RedisHandle {
    const net = details(args.network);
    const subnets = new aws.elasticache.SubnetGroup(`${name}-subnets`, { subnetIds: net.privateSubnetIds, description: `Private subnets of ${args.clusterName}` }, opts);
    const sg = dataStoreGroup(name, net, args.clusterName, "Valkey", 6379, args.allowRoles, opts);
    const params = new aws.elasticache.ParameterGroup(`${name}-params`, {
      family: "valkey8",
      description: `Broker-safe Valkey for ${args.clusterName}`,
      parameters: [{ name: "maxmemory-policy", value: args.evictionPolicy === "noeviction" ? "noeviction" : "allkeys-lru" }],
    }, opts);
    const token = new random.RandomPassword(`${name}-token`, { length: 32, special: false }, opts);
    const groupId = replicationGroupId(args.clusterName);
    const group = new aws.elasticache.ReplicationGroup(name, {
      replicationGroupId: groupId,
      description: `Valkey for ${args.clusterName} (non-cluster mode: Celery and RQ need it)`,
      engine: "valkey",
      engineVersion: "8.0",
      nodeType: args.size,
      numCacheClusters: args.nodes,
      automaticFailoverEnabled: args.nodes > 1,
      multiAzEnabled: args.nodes > 1,
      port: 6379,
      parameterGroupName: params.name,
      subnetGroupName: subnets.name,
      securityGroupIds: [sg.id],
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      authToken: token.result,
      snapshotRetentionLimit: args.protect ? 7 : 0,
      // Protected (non-dev) caches keep a snapshot if they are ever deleted.
      finalSnapshotIdentifier: args.protect ? `${groupId}-final` : undefined,
      autoMinorVersionUpgrade: true,
    }, { ...opts, protect: args.protect });
    return {
      host: group.primaryEndpointAddress,
      port: pulumi.output(6379),
      url: pulumi.secret(pulumi.interpolate`rediss://:${token.result}@${group.primaryEndpointAddress}:6379/0`),
    };
  },

  bucket(name, args, opts): BucketHandle {
    const bucket = new aws.s3.Bucket(name, { bucket: args.bucketName, forceDestroy: false }, { ...opts, protect: args.protect });
    new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, {
      bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }, opts);
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
      bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
    }, opts);
    new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    new aws.s3.BucketCorsConfiguration(`${name}-cors`, {
      bucket: bucket.id,
      corsRules: [{ allowedMethods: ["GET", "HEAD"], allowedOrigins: [...args.corsOrigins], allowedHeaders: ["*"], maxAgeSeconds: 3600 }],
    }, opts);
    const oac = new aws.cloudfront.OriginAccessControl(`${name}-oac`, {
      name: sgName(`${name}-oac`), description: `CloudFront reads ${name}`,
      originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4",
    }, opts);

    let certificateArn: pulumi.Output<string> | undefined;
    let zoneId: pulumi.Output<string> | undefined;
    if (args.customDomain) {
      // CloudFront takes certificates from us-east-1 only.
      const usEast1 = new aws.Provider(`${name}-us-east-1`, { ...inheritedProviderArgs(), region: "us-east-1" }, opts);
      certificateArn = acmCertificate(`${name}-cdn-cert`, args.customDomain.zone, args.customDomain.name, { ...opts, provider: usEast1 }).id;
      zoneId = zoneIds.get(args.customDomain.zone);
    }
    const distribution = new aws.cloudfront.Distribution(`${name}-cdn`, {
      enabled: true,
      comment: `Static files of ${name}`,
      priceClass: "PriceClass_100",
      httpVersion: "http2and3",
      aliases: args.customDomain ? [args.customDomain.name] : undefined,
      origins: [{ originId: "bucket", domainName: bucket.bucketRegionalDomainName, originAccessControlId: oac.id }],
      defaultCacheBehavior: {
        targetOriginId: "bucket",
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD", "OPTIONS"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: CACHING_OPTIMIZED,
        // S3 answers CORS only to requests that carry Origin, which CloudFront strips unless an origin
        // request policy forwards it (the managed CORS-S3Origin policy).
        originRequestPolicyId: CORS_S3_ORIGIN_REQUEST_POLICY,
        compress: true,
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: certificateArn
        ? { acmCertificateArn: certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }
        : { cloudfrontDefaultCertificate: true },
    }, opts);
    new aws.s3.BucketPolicy(`${name}-policy`, {
      bucket: bucket.id,
      policy: pulumi.all([bucket.arn, distribution.arn]).apply(([bucketArn, distArn]) => JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "CloudFrontReads", Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject", Resource: `${bucketArn}/*`, Condition: { StringEquals: { "AWS:SourceArn": distArn } },
          },
          {
            Sid: "TLSOnly", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      })),
    }, opts);
    if (args.customDomain && zoneId) {
      new aws.route53.Record(`${name}-cdn-dns`, {
        zoneId, name: args.customDomain.name, type: "A",
        aliases: [{ name: distribution.domainName, zoneId: distribution.hostedZoneId, evaluateTargetHealth: false }],
      }, opts);
    }
    return {
      bucketName: bucket.bucket,
      endpoint: pulumi.output(`https://s3.${args.region}.amazonaws.com`),
      publicUrl: args.customDomain ? pulumi.output(`https://${args.customDomain.name}`) : pulumi.interpolate`https://${distribution.domainName}`,
    };
  },

  queues(name, args, opts): QueueHandle {
    const queues = args.names.map((q) => {
      const safe = sqsQueuePart(q);
      const dlq = new aws.sqs.Queue(`${name}-${safe}-dlq`, {
        messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true,
      }, { ...opts, protect: args.protect });
      const queue = new aws.sqs.Queue(`${name}-${safe}`, {
        visibilityTimeoutSeconds: args.visibilityTimeout,
        messageRetentionSeconds: 4 * 24 * 3600,
        sqsManagedSseEnabled: true,
        redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }),
      }, { ...opts, protect: args.protect });
      return { name: q, queue, dlq };
    });
    const predefined = pulumi.all(queues.map((q) => pulumi.all([q.queue.url]).apply(([url]) => [q.name, { url }] as const)));
    return {
      arns: pulumi.all(queues.flatMap((q) => [q.queue.arn, q.dlq.arn])),
      environment: {
        CELERY_BROKER_URL: "sqs://",
        CELERY_BROKER_TRANSPORT_OPTIONS: predefined.apply((entries) => JSON.stringify({
          region: aws.config.region ?? "", predefined_queues: Object.fromEntries(entries),
        })),
      },
    };
  },
};

/** An ACM certificate validated through Route 53. */
function acmCertificate(name: string, zone: DnsZoneHandle, domain: string, opts: pulumi.CustomResourceOptions) {
  const zoneId = zoneIds.get(zone);
  if (!zoneId) throw new Error("certificates on AWS need a Route 53 zone");
  const cert = new aws.acm.Certificate(name, { domainName: domain, validationMethod: "DNS" }, opts);
  const option = cert.domainValidationOptions.apply((o) => o[0]);
  const record = new aws.route53.Record(`${name}-validation`, {
    zoneId, name: option.resourceRecordName, type: option.resourceRecordType, records: [option.resourceRecordValue], ttl: 300,
    allowOverwrite: true,
  }, { ...opts, provider: undefined });
  const validation = new aws.acm.CertificateValidation(`${name}-validation`, {
    certificateArn: cert.arn, validationRecordFqdns: [record.fqdn],
  }, opts);
  return { id: validation.certificateArn, name: cert.arn };
}

/** How each provider argument is read from the stack's `aws:` config. */
type ConfigKind = "string" | "secret" | "object" | "boolean" | "number";

/**
 * Every argument of an explicit `aws.Provider` but its region (the keys of `ProviderArgs` in
 * @pulumi/aws provider.d.ts; the type makes the list complete). An explicit provider does not read the
 * stack's `aws:` config the way the default provider does, so each one set there is handed on.
 */
const INHERITED_PROVIDER_ARGS: { readonly [K in Exclude<keyof aws.ProviderArgs, "region">]-?: ConfigKind } = {
  accessKey: "secret", secretKey: "secret", token: "secret",
  allowedAccountIds: "object", forbiddenAccountIds: "object",
  assumeRoles: "object", assumeRoleWithWebIdentity: "object",
  customCaBundle: "string", defaultTags: "object", ec2MetadataServiceEndpoint: "string", ec2MetadataServiceEndpointMode: "string",
  s3UsEast1RegionalEndpoint: "string", s3UsePathStyle: "boolean", endpoints: "object", ignoreTags: "object",
  httpProxy: "string", httpsProxy: "string", noProxy: "string", insecure: "boolean",
  maxRetries: "number", retryMode: "string", profile: "string",
  sharedConfigFiles: "object", sharedCredentialsFiles: "object",
  skipCredentialsValidation: "boolean", skipMetadataApiCheck: "boolean", skipRegionValidation: "boolean",
  skipRequestingAccountId: "boolean", stsRegion: "string", tagPolicyCompliance: "string",
  tokenBucketRateLimiterCapacity: "number", useDualstackEndpoint: "boolean", useFipsEndpoint: "boolean", userAgents: "object",
};

/** The stack's `aws:` config as arguments for an explicit provider in another region. */
export function inheritedProviderArgs(): aws.ProviderArgs {
  const config = new pulumi.Config("aws");
  const args: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(INHERITED_PROVIDER_ARGS)) {
    const value = kind === "secret" ? config.getSecret(key)
      : kind === "object" ? config.getObject(key)
        : kind === "boolean" ? config.getBoolean(key)
          : kind === "number" ? config.getNumber(key)
            : config.get(key);
    if (value !== undefined) args[key] = value;
  }
  return args as aws.ProviderArgs;
}
