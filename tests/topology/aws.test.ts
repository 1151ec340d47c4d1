/**
 * What only AWS has to get right: instance metadata and disks, user data that EC2 shows to anyone who
 * may describe the instance (or its launch template), security group hygiene, RDS/ElastiCache/S3/
 * CloudFront/ALB settings, NAT, the instance role's reach into Parameter Store, SQS dead-letter queues,
 * and the auto scaling groups that run web servers behind the ALB and the workers besides the scheduler.
 */
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { SECRET, type RecordedResource, type RunResult } from "../../harness/mockRuntime";
import { dataVolumeDevice } from "../../clouds/aws/servers";
import { VOLUME_SCRIPT } from "../../provisioning/roles/base";
import { planStack, sourceShell } from "../helpers";
import {
  awsLaunchTemplateOf, awsSubnetIsPublic, awsUserData, dataSnapshot, file, hasFile, ingress, resolve, resourcesOfType, secretAtoms, secretFiles, servers,
  statefulResources, worldOpenPorts, type Server,
} from "./inspect";

const T = {
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  autoScalingGroup: "aws:autoscaling/group:Group",
  lifecycleHook: "aws:autoscaling/lifecycleHook:LifecycleHook",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  legacyRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  parameter: "aws:ssm/parameter:Parameter",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
  rds: "aws:rds/instance:Instance",
  rdsParams: "aws:rds/parameterGroup:ParameterGroup",
  cache: "aws:elasticache/replicationGroup:ReplicationGroup",
  cacheParams: "aws:elasticache/parameterGroup:ParameterGroup",
  bucket: "aws:s3/bucket:Bucket",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  distribution: "aws:cloudfront/distribution:Distribution",
  oac: "aws:cloudfront/originAccessControl:OriginAccessControl",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  targetGroupAttachment: "aws:lb/targetGroupAttachment:TargetGroupAttachment",
  certificate: "aws:acm/certificate:Certificate",
  natGateway: "aws:ec2/natGateway:NatGateway",
  subnet: "aws:ec2/subnet:Subnet",
  routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  eipAssociation: "aws:ec2/eipAssociation:EipAssociation",
  queue: "aws:sqs/queue:Queue",
  volume: "aws:ebs/volume:Volume",
  volumeAttachment: "aws:ec2/volumeAttachment:VolumeAttachment",
} as const;

/** The account and region the mock runtime hands out in ARNs. */
const ARN_PREFIX = "arn:aws:ssm:eu-central-1:123456789012:parameter";
/** EC2 accepts at most 16 KiB of user data (before base64), on an instance as in a launch template. */
const EC2_USER_DATA_LIMIT = 16384;
/** The root device the mock's AMI reports (harness/mockRuntime, getAmi). */
const MOCK_AMI_ROOT_DEVICE = "/dev/xvda";
/** The latest version the mock gives every launch template (harness/mockRuntime). */
const MOCK_TEMPLATE_VERSION = 1;

const CASES: Record<string, [string, Record<string, unknown>]> = {
  "aws-dev": ["aws-dev", {}],
  "aws-staging": ["aws-staging", {}],
  "aws-prod": ["aws-prod", {}],
  // The other branches: a NAT instance, and a dev environment with managed data stores.
  "aws-staging as dev with a NAT instance": ["aws-staging", { natMode: "instance", environment: "dev" }],
  // Server groups without NAT: their servers sit in public subnets, with a public address of their own.
  "aws-staging with 3 web servers and 3 workers": ["aws-staging", { webCount: 3, workerCount: 3 }],
};
const runs: Record<string, RunResult> = {};
beforeAll(async () => {
  for (const [label, [stack, overrides]] of Object.entries(CASES)) runs[label] = await planStack(stack, overrides);
});

type Obj = Record<string, unknown>;
const of = (r: RunResult, type: string) => resourcesOfType(r, type);
const one = (r: RunResult, type: string): RecordedResource => {
  const found = of(r, type);
  expect(found.map((x) => x.name)).toHaveLength(1);
  return found[0];
};
/** The resource of `type` that configures `target` through its `field` input (e.g. a bucket's versioning). */
const configOf = (r: RunResult, type: string, target: RecordedResource, field = "bucket") =>
  of(r, type).filter((x) => x.inputs[field] === target.id);
const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

// --- IAM: a small evaluator, enough to ask "may this role read that parameter?" ---------------------

interface Statement { Effect: "Allow" | "Deny"; Action?: unknown; NotAction?: unknown; Resource?: unknown; NotResource?: unknown; Condition?: unknown }

/**
 * The AWS-managed policies the adapter attaches, as far as Parameter Store goes (from the AWS managed
 * policy reference). A policy missing here fails the test: model it before attaching it.
 */
const MANAGED_POLICIES: Record<string, Statement[]> = {
  "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore": [{
    Effect: "Allow",
    Action: ["ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument", "ssm:DescribeDocument",
      "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters", "ssm:ListAssociations", "ssm:ListInstanceAssociations",
      "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus",
      "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation"],
    Resource: "*",
  }],
  "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy": [{
    Effect: "Allow", Action: ["ssm:GetParameter"], Resource: "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*",
  }],
};

const glob = (pattern: string, caseless: boolean) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, caseless ? "i" : "");
const matchesAny = (patterns: unknown, value: string, caseless: boolean) => asList(patterns).some((p) => glob(p, caseless).test(value));

/** Conservative: a conditional Allow counts as granted, a conditional Deny as not denying. */
function allowed(statements: Statement[], action: string, resource: string): boolean {
  const applies = (s: Statement) =>
    (s.Action !== undefined ? matchesAny(s.Action, action, true) : !matchesAny(s.NotAction, action, true)) &&
    (s.Resource !== undefined ? matchesAny(s.Resource, resource, false) : !matchesAny(s.NotResource, resource, false));
  if (statements.some((s) => s.Effect === "Deny" && s.Condition === undefined && applies(s))) return false;
  return statements.some((s) => s.Effect === "Allow" && applies(s));
}

/** Every statement that applies to a server's role: inline policies and attached managed policies. */
function roleStatements(r: RunResult, server: Server): Statement[] {
  // An instance names its profile; a launch template has a block ({ name } or { arn }).
  const ref = server.spec.inputs.iamInstanceProfile;
  const profile = resolve(r, T.instanceProfile, typeof ref === "object" && ref !== null ? (ref as Obj).name : ref);
  const role = resolve(r, T.role, profile?.inputs.role);
  expect(role).toBeDefined();
  const isRole = (ref: unknown) => ref === role!.id || resolve(r, T.role, ref) === role;
  const inline = Array.isArray(role!.plainInputs.inlinePolicies) ? (role!.plainInputs.inlinePolicies as Obj[]) : [];
  const docs = [
    ...of(r, T.rolePolicy).filter((p) => isRole(p.inputs.role)).map((p) => String(p.plainInputs.policy)),
    ...inline.map((p) => String(p.policy)),
  ];
  const managed = [
    ...of(r, T.attachment).filter((a) => isRole(a.inputs.role)).map((a) => String(a.inputs.policyArn)),
    ...asList(role!.inputs.managedPolicyArns),
  ];
  const unknown = managed.filter((arn) => !(arn in MANAGED_POLICIES));
  expect(unknown).toEqual([]);
  return [
    ...docs.flatMap((d) => [(JSON.parse(d) as { Statement: Statement | Statement[] }).Statement].flat()),
    ...managed.flatMap((arn) => MANAGED_POLICIES[arn]),
  ];
}

// --- Where servers run --------------------------------------------------------------------------------

/** What a server boots from: instances and the launch templates of groups. */
const bootSpecs = (r: RunResult) => [...of(r, T.instance), ...of(r, T.launchTemplate)];

/**
 * Where a load balancer, a server or each server of a group runs: its subnets, and whether it has a
 * public address (an instance's own or an Elastic IP; a group's from its template's network interface).
 */
function placement(r: RunResult, resource: RecordedResource): { subnets: string[]; publicAddress: boolean } {
  if (resource.type === T.alb) return { subnets: asList(resource.inputs.subnets), publicAddress: resource.inputs.internal === false };
  if (resource.type === T.autoScalingGroup) {
    const template = awsLaunchTemplateOf(r, resource);
    const nics = (template?.inputs.networkInterfaces as Obj[] | undefined) ?? [];
    return {
      subnets: asList(resource.inputs.vpcZoneIdentifiers),
      publicAddress: nics.some((n) => String(n.associatePublicIpAddress) === "true"),
    };
  }
  const eips = of(r, T.eipAssociation).map((a) => a.inputs.instanceId);
  return {
    subnets: [String(resource.inputs.subnetId)],
    publicAddress: resource.inputs.associatePublicIpAddress === true || eips.includes(resource.id),
  };
}

/** The target groups the load balancer's listeners forward to (by ARN, as groups and attachments name them). */
function forwardedTargetGroups(r: RunResult): string[] {
  const actions = of(r, T.listener).flatMap((l) => (l.inputs.defaultActions as Obj[] | undefined) ?? []);
  return [...new Set(actions.filter((a) => a.type === "forward").map((a) => String(a.targetGroupArn)))];
}

/** The security groups a launch template gives its servers. */
const templateGroups = (template: RecordedResource) => [
  ...asList(template.inputs.vpcSecurityGroupIds),
  ...((template.inputs.networkInterfaces as Obj[] | undefined) ?? []).flatMap((n) => asList(n.securityGroups)),
];

/**
 * Plans a stack with every launch template at `version`, as after `version - 1` updates: shows whether
 * a group follows its template's latest version (the mock otherwise answers 1 for every template).
 */
async function planWithTemplateVersion(stack: string, version: number): Promise<RunResult> {
  type Register = typeof MockMonitor.prototype.registerResource;
  const register: Register = MockMonitor.prototype.registerResource;
  const bumped = new WeakSet<object>();
  MockMonitor.prototype.registerResource = function (this: MockMonitor, ...args: Parameters<Register>) {
    const mocks = this.mocks;
    if (!bumped.has(mocks)) {
      bumped.add(mocks);
      const newResource = mocks.newResource.bind(mocks);
      mocks.newResource = async (a) => {
        const res = await newResource(a);
        return a.type === T.launchTemplate ? { ...res, state: { ...res.state, latestVersion: version } } : res;
      };
    }
    return register.apply(this, args);
  };
  try {
    return await planStack(stack);
  } finally {
    MockMonitor.prototype.registerResource = register;
  }
}

// ---------------------------------------------------------------------------------------------------

describe.each(Object.keys(CASES))("%s", (label) => {
  const r = () => runs[label];

  it("requires IMDSv2 with a hop limit of 1 and encrypts a gp3 root disk on every instance and launch template", () => {
    const specs = bootSpecs(r());
    expect(of(r(), T.instance).length).toBeGreaterThan(0);
    for (const i of specs) {
      expect({ name: i.name, metadata: i.inputs.metadataOptions }).toEqual({
        name: i.name, metadata: expect.objectContaining({ httpTokens: "required", httpPutResponseHopLimit: 1 }),
      });
      if (i.type === T.instance) {
        expect({ name: i.name, root: i.inputs.rootBlockDevice }).toEqual({
          name: i.name, root: expect.objectContaining({ volumeType: "gp3", encrypted: true }),
        });
        continue;
      }
      // A launch template sets the root disk through the mapping of the AMI's root device (a mapping of
      // any other name would add a disk and leave the root as the AMI has it). Its flags are strings.
      const mappings = (i.inputs.blockDeviceMappings as Obj[] | undefined) ?? [];
      expect({ name: i.name, devices: mappings.map((m) => m.deviceName) }).toEqual({ name: i.name, devices: [MOCK_AMI_ROOT_DEVICE] });
      expect({ name: i.name, root: mappings[0].ebs }).toEqual({
        name: i.name, root: expect.objectContaining({ volumeType: "gp3", encrypted: "true" }),
      });
    }
  });

  it("puts no secret in user data and keeps the secret files in a SecureString parameter", () => {
    const atoms = secretAtoms(r());
    for (const instance of bootSpecs(r())) {
      const ud = awsUserData(instance);
      // Reviewable in previews: the user data is not hidden as a secret, because it holds none.
      expect(`${instance.name} secret: ${ud.secret}`).toBe(`${instance.name} secret: false`);
      expect(atoms.filter((a) => ud.text.includes(a)).length).toBe(0);
      expect(ud.text).not.toMatch(/^\s*(DATABASE_URL|DATABASE_DIRECT_URL|REDIS_URL|SECRET_KEY)=/m);
    }
    for (const server of servers(r())) {
      const files = secretFiles(server);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        expect(`${f.path}: ${f.location}`).toBe(`${f.path}: secret-store`);
        expect(f.holder.inputs).toEqual(expect.objectContaining({ type: "SecureString", value: SECRET }));
      }
      // The files are in place before the first command that could read them.
      expect(server.secretsReadyAfter).toBe(0);
    }
  });

  it("keeps every server's user data within EC2's 16 KiB", () => {
    for (const instance of bootSpecs(r())) {
      const { bytes } = awsUserData(instance);
      expect(`${instance.name}: ${bytes <= EC2_USER_DATA_LIMIT}`).toBe(`${instance.name}: true`);
    }
  });

  it("describes every security group and every rule", () => {
    const undescribed = [
      ...of(r(), T.securityGroup).filter((sg) => !sg.inputs.description),
      ...[T.ingressRule, T.egressRule, T.legacyRule].flatMap((t) => of(r(), t)).filter((rule) => !rule.inputs.description),
      ...of(r(), T.securityGroup).filter((sg) => [sg.inputs.ingress, sg.inputs.egress].flatMap((b) => (Array.isArray(b) ? (b as Obj[]) : [])).some((b) => !b.description)),
    ];
    expect(undescribed.map((x) => x.name)).toEqual([]);
  });

  it("lets each server read its own secret parameter and no other", () => {
    const all = servers(r());
    const own = (s: (typeof all)[number]) => `${ARN_PREFIX}${String(secretFiles(s)[0].holder.inputs.name)}`;
    for (const server of all) {
      const statements = roleStatements(r(), server);
      expect(allowed(statements, "ssm:GetParameter", own(server))).toBe(true);
      const others = [
        ...all.filter((s) => s !== server).map(own),
        `${ARN_PREFIX}/fullstack/shop-other-stack-web-1/secret-files`,
        `${ARN_PREFIX}/shop/production/stripe-api-key`,
      ];
      for (const arn of others) {
        for (const action of ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"]) {
          expect(`${server.name} ${action} ${arn}: ${allowed(statements, action, arn)}`).toBe(`${server.name} ${action} ${arn}: false`);
        }
      }
      expect(allowed(statements, "ssm:GetParametersByPath", `${ARN_PREFIX}/fullstack`)).toBe(false);
    }
  });

  it("answers the internet from public subnets: whatever fronts a world-open port has a public address there", () => {
    const fronts = worldOpenPorts(r()).map((p) => p.behind);
    expect(fronts.length).toBeGreaterThan(0);
    for (const t of fronts) {
      if (!t) throw new Error("a world-open rule guards nothing");
      const { subnets, publicAddress } = placement(r(), t.resource);
      expect(subnets.length).toBeGreaterThan(0);
      expect({ target: t.name, publicSubnets: subnets.every((s) => awsSubnetIsPublic(r(), s)), publicAddress })
        .toEqual({ target: t.name, publicSubnets: true, publicAddress: true });
    }
  });

  it("gives every server a way out to the internet, and private subnets only behind NAT", () => {
    const nat = of(r(), T.natGateway);
    expect(nat).toHaveLength(label === "aws-prod" ? 1 : 0);
    for (const server of servers(r())) {
      // A group's servers may start in any of its subnets: each must have the way out.
      const { subnets, publicAddress } = placement(r(), server.resource);
      expect(subnets.length).toBeGreaterThan(0);
      for (const subnet of subnets) {
        const subnetPublic = awsSubnetIsPublic(r(), subnet);
        if (label === "aws-prod") {
          expect({ server: server.name, subnetPublic, publicAddress }).toEqual({ server: server.name, subnetPublic: false, publicAddress: false });
        }
        if (subnetPublic) {
          expect(`${server.name} public address: ${publicAddress}`).toBe(`${server.name} public address: true`);
        } else {
          // A private subnet's default route goes through the NAT gateway or the NAT instance.
          const association = of(r(), T.routeTableAssociation).find((a) => a.inputs.subnetId === subnet);
          const table = resolve(r(), "aws:ec2/routeTable:RouteTable", association?.inputs.routeTableId);
          const routes = (table?.inputs.routes as Obj[] | undefined) ?? [];
          const natIds = nat.map((n) => n.id);
          const out = routes.find((route) => route.cidrBlock === "0.0.0.0/0");
          expect(out !== undefined && (natIds.includes(String(out.natGatewayId)) || typeof out.networkInterfaceId === "string")).toBe(true);
          expect(publicAddress).toBe(false);
        }
      }
    }
  });
});

describe.each(["aws-staging", "aws-prod", "aws-staging as dev with a NAT instance"])("%s managed data stores", (label) => {
  const r = () => runs[label];
  const isDev = label.includes("as dev");

  it("RDS: encrypted, private, backed up, TLS only; deletion protection and a final snapshot outside dev", () => {
    const db = one(r(), T.rds);
    expect(db.inputs).toEqual(expect.objectContaining({ storageEncrypted: true, publiclyAccessible: false, password: SECRET }));
    expect(Number(db.inputs.backupRetentionPeriod)).toBeGreaterThanOrEqual(7);
    expect({
      deletionProtection: db.inputs.deletionProtection, skipFinalSnapshot: db.inputs.skipFinalSnapshot,
      finalSnapshot: typeof db.inputs.finalSnapshotIdentifier === "string" && db.inputs.finalSnapshotIdentifier.length > 0, protect: db.protect,
    }).toEqual({ deletionProtection: !isDev, skipFinalSnapshot: isDev, finalSnapshot: !isDev, protect: !isDev });
    expect(db.inputs.multiAz).toBe(label === "aws-prod");
    const params = resolve(r(), T.rdsParams, db.inputs.parameterGroupName);
    expect(params?.inputs.family).toBe(`postgres${String(db.inputs.engineVersion).split(".")[0]}`);
    expect(params?.inputs.parameters).toEqual(expect.arrayContaining([{ name: "rds.force_ssl", value: "1" }]));
  });

  it("ElastiCache: encrypted at rest and in transit, an auth token, non-cluster mode; a replica with failover in aws-prod", () => {
    const group = one(r(), T.cache);
    expect(group.inputs).toEqual(expect.objectContaining({ atRestEncryptionEnabled: true, transitEncryptionEnabled: true, authToken: SECRET }));
    expect(String(group.plainInputs.authToken).length).toBeGreaterThanOrEqual(16);
    // Celery and RQ need non-cluster mode: one shard, replicas by numCacheClusters.
    expect({ numNodeGroups: group.inputs.numNodeGroups, replicasPerNodeGroup: group.inputs.replicasPerNodeGroup, clusterMode: group.inputs.clusterMode ?? "disabled" })
      .toEqual({ numNodeGroups: undefined, replicasPerNodeGroup: undefined, clusterMode: "disabled" });
    const scaled = label === "aws-prod";
    expect({ nodes: group.inputs.numCacheClusters, failover: group.inputs.automaticFailoverEnabled, multiAz: group.inputs.multiAzEnabled })
      .toEqual({ nodes: scaled ? 2 : 1, failover: scaled, multiAz: scaled });
    const params = resolve(r(), T.cacheParams, group.inputs.parameterGroupName);
    expect(params?.inputs.parameters).toEqual(expect.arrayContaining([{ name: "maxmemory-policy", value: "noeviction" }]));
    expect(asList((params?.inputs.parameters as Obj[] | undefined)?.map((p) => `${String(p.name)}=${String(p.value)}`))).not.toContain("cluster-enabled=yes");
  });

  it("S3: private, owner-enforced, encrypted, versioned, never force-destroyed; TLS only", () => {
    const bucket = one(r(), T.bucket);
    expect(bucket.inputs.forceDestroy).toBe(false);
    expect(configOf(r(), T.publicAccessBlock, bucket).map((x) => x.inputs)).toEqual([expect.objectContaining({
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    })]);
    expect(configOf(r(), T.ownership, bucket).map((x) => x.inputs.rule)).toEqual([{ objectOwnership: "BucketOwnerEnforced" }]);
    const sse = configOf(r(), T.encryption, bucket).flatMap((x) => x.inputs.rules as Obj[]);
    expect(sse.map((rule) => (rule.applyServerSideEncryptionByDefault as Obj).sseAlgorithm)).toEqual([expect.stringMatching(/^(AES256|aws:kms)$/)]);
    expect(configOf(r(), T.versioning, bucket).map((x) => x.inputs.versioningConfiguration)).toEqual([{ status: "Enabled" }]);
    const [policy] = configOf(r(), T.bucketPolicy, bucket);
    const statements = (JSON.parse(String(policy.plainInputs.policy)) as { Statement: (Statement & { Principal?: unknown })[] }).Statement;
    const toEveryone = (p: unknown) => p === "*" || (p as Obj | undefined)?.AWS === "*";
    expect(statements.filter((s) => s.Effect === "Allow" && toEveryone(s.Principal))).toEqual([]);
    expect(statements.some((s) => s.Effect === "Deny" && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { "aws:SecureTransport": "false" } }))).toBe(true);
  });

  it("CloudFront: HTTPS for viewers, origin access control on the bucket, TLS 1.2+ with the custom domain", () => {
    const dist = one(r(), T.distribution);
    const behaviors = [dist.inputs.defaultCacheBehavior as Obj, ...((dist.inputs.orderedCacheBehaviors as Obj[] | undefined) ?? [])];
    for (const b of behaviors) expect(b.viewerProtocolPolicy).toBe("redirect-to-https");
    const bucket = one(r(), T.bucket);
    const origins = dist.inputs.origins as Obj[];
    expect(origins.length).toBeGreaterThan(0);
    for (const origin of origins) {
      expect(String(origin.domainName).startsWith(`${String(bucket.inputs.bucket)}.s3.`)).toBe(true);
      const oac = of(r(), T.oac).find((o) => o.id === origin.originAccessControlId);
      expect(oac?.inputs).toEqual(expect.objectContaining({ originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" }));
      expect(origin.s3OriginConfig).toBeUndefined(); // no legacy origin access identity alongside
    }
    const cert = dist.inputs.viewerCertificate as Obj;
    if (label === "aws-prod") {
      expect(dist.inputs.aliases).toEqual(["static.example.com"]);
      expect(cert).toEqual(expect.objectContaining({ minimumProtocolVersion: "TLSv1.2_2021", sslSupportMethod: "sni-only", acmCertificateArn: expect.any(String) }));
    } else {
      expect(dist.inputs.aliases).toBeUndefined();
      expect(cert).toEqual({ cloudfrontDefaultCertificate: true });
    }
  });
});

describe("aws-prod", () => {
  const r = () => runs["aws-prod"];

  it("ALB: public, HTTP redirects to HTTPS, TLS 1.2+ with the domain's certificate, health checks /healthz on every web server", () => {
    const alb = one(r(), T.alb);
    expect(alb.inputs).toEqual(expect.objectContaining({ internal: false, loadBalancerType: "application", dropInvalidHeaderFields: true }));
    expect(asList(alb.inputs.subnets).every((s) => awsSubnetIsPublic(r(), s))).toBe(true);
    const listeners = of(r(), T.listener);
    const byPort = (port: number) => listeners.find((l) => l.inputs.port === port)!;
    expect(listeners.map((l) => l.inputs.port).sort()).toEqual([443, 80]);
    expect(byPort(80).inputs.defaultActions).toEqual([expect.objectContaining({
      type: "redirect", redirect: expect.objectContaining({ protocol: "HTTPS", port: "443", statusCode: "HTTP_301" }),
    })]);
    expect(byPort(443).inputs).toEqual(expect.objectContaining({
      protocol: "HTTPS", sslPolicy: expect.stringMatching(/^ELBSecurityPolicy-TLS13-1-2-/), certificateArn: expect.any(String),
    }));
    const certs = of(r(), T.certificate).filter((c) => c.inputs.domainName === "shop.example.com");
    expect(certs.map((c) => c.inputs.validationMethod)).toEqual(["DNS"]);
    const tg = one(r(), T.targetGroup);
    expect(tg.inputs.healthCheck).toEqual(expect.objectContaining({ path: "/healthz", port: "80", protocol: "HTTP", matcher: "200" }));
    // Every web server is registered with the target group the HTTPS listener forwards to: a single
    // server by an attachment, a group by its targetGroupArns (it registers each server it launches).
    const forwarded = forwardedTargetGroups(r());
    expect(forwarded).toHaveLength(1);
    const web = servers(r()).filter((s) => s.roles.includes("web"));
    expect(web.length).toBeGreaterThan(0);
    const attachments = of(r(), T.targetGroupAttachment);
    for (const s of web) {
      const registered = s.group ? asList(s.resource.inputs.targetGroupArns)
        : attachments.filter((a) => a.inputs.targetId === s.resource.id).map((a) => String(a.inputs.targetGroupArn));
      expect(`${s.name}: ${registered.join(" ")}`).toBe(`${s.name}: ${forwarded[0]}`);
    }
    // Nothing else is attached.
    const singles = web.filter((s) => !s.group).map((s) => String(s.resource.id)).sort();
    expect(attachments.map((a) => String(a.inputs.targetId)).sort()).toEqual(singles);
  });

  it("SQS: every work queue has a dead-letter queue and outlives the longest task", () => {
    const queues = of(r(), T.queue);
    const redrive = (q: RecordedResource) => (q.inputs.redrivePolicy ? JSON.parse(String(q.inputs.redrivePolicy)) as { deadLetterTargetArn: string; maxReceiveCount: number } : undefined);
    const dlqArns = new Set(queues.map(redrive).filter((p) => p !== undefined).map((p) => p!.deadLetterTargetArn));
    // The mock names a queue's ARN after its logical name.
    const isDlq = (q: RecordedResource) => [...dlqArns].some((arn) => arn.endsWith(`:${q.name}`));
    const work = queues.filter((q) => !isDlq(q));
    expect(work.map((q) => q.name).sort()).toEqual(["shop-aws-prod-queue-default", "shop-aws-prod-queue-emails"]);
    for (const q of work) {
      const policy = redrive(q);
      expect(policy).toBeDefined();
      const dlq = queues.find((x) => policy!.deadLetterTargetArn.endsWith(`:${x.name}`));
      expect(dlq).toBeDefined();
      expect(dlq).not.toBe(q);
      expect(policy!.maxReceiveCount).toBeGreaterThanOrEqual(1);
      expect(Number(dlq!.inputs.messageRetentionSeconds)).toBeGreaterThanOrEqual(Number(q.inputs.messageRetentionSeconds ?? 345600));
      // taskTimeLimit is 900 s: a running task's message stays invisible until it can finish.
      expect(Number(q.inputs.visibilityTimeoutSeconds)).toBeGreaterThan(900);
    }
    for (const q of queues) expect(`${q.name}: sse ${q.inputs.sqsManagedSseEnabled === true || q.inputs.kmsMasterKeyId !== undefined}`).toBe(`${q.name}: sse true`);
    expect(statefulResources(r()).filter((s) => s.kind === "queue").map((s) => s.protect)).toEqual(queues.map(() => true));
  });
});

describe.each(["aws-prod", "aws-staging with 3 web servers and 3 workers"])("%s server groups", (label) => {
  const r = () => runs[label];
  const [, overrides] = CASES[label];
  const webCount = Number(overrides.webCount ?? 3);
  const workerCount = Number(overrides.workerCount ?? 2);
  const groups = () => servers(r()).filter((s) => s.group !== undefined);

  it("runs the web servers as one group in the load balancer's target group, with ELB health checks, over both zones", () => {
    const web = servers(r()).filter((s) => s.roles.includes("web"));
    expect(web.map((s) => `${s.name}: ${s.resource.type} of ${s.count}`)).toEqual([`${web[0].name}: ${T.autoScalingGroup} of ${webCount}`]);
    const asg = web[0].resource;
    const forwarded = forwardedTargetGroups(r());
    expect(forwarded).toHaveLength(1);
    expect(asList(asg.inputs.targetGroupArns)).toEqual(forwarded);
    // A server whose /healthz fails is replaced, not only one whose VM fails; after it had time to boot.
    expect(asg.inputs.healthCheckType).toBe("ELB");
    expect(Number(asg.inputs.healthCheckGracePeriod)).toBeGreaterThan(0);
    // Both zones' server subnets: private behind a NAT gateway, public (with public addresses) without NAT.
    const nat = of(r(), T.natGateway).length > 0;
    const subnets = asList(asg.inputs.vpcZoneIdentifiers).sort();
    const expected = of(r(), T.subnet).map((s) => String(s.id)).filter((id) => awsSubnetIsPublic(r(), id) === !nat).sort();
    expect(expected).toHaveLength(2);
    expect(subnets).toEqual(expected);
    const zones = subnets.map((id) => resolve(r(), T.subnet, id)?.inputs.availabilityZone);
    expect(new Set(zones).size).toBe(2);
    expect(placement(r(), asg).publicAddress).toBe(!nat);
  });

  it("rolls a changed template through every group: its latest version, a Rolling refresh that never drops below the count", () => {
    expect(groups().length).toBeGreaterThan(0);
    for (const g of groups()) {
      const asg = g.resource;
      // A fixed version ("$Latest", "$Default", a number) would not change when the template does, and a
      // refresh starts only when the group's launch template changes.
      expect({ group: g.name, launchTemplate: asg.inputs.launchTemplate })
        .toEqual({ group: g.name, launchTemplate: { id: g.spec.id, version: String(MOCK_TEMPLATE_VERSION) } });
      const refresh = (asg.inputs.instanceRefresh ?? {}) as Obj;
      const prefs = (refresh.preferences ?? {}) as Obj;
      expect({ group: g.name, strategy: refresh.strategy, keepsCapacity: Number(prefs.minHealthyPercentage) >= 100 })
        .toEqual({ group: g.name, strategy: "Rolling", keepsCapacity: true });
      // Room for the new servers that go into service before old ones leave.
      const max = Math.max(Number(prefs.maxHealthyPercentage ?? 100), 100);
      expect({ group: g.name, min: g.group!.min, desired: g.count, roomForRefresh: g.group!.max >= Math.ceil((g.count * max) / 100) && g.group!.max > g.count })
        .toEqual({ group: g.name, min: g.count, desired: g.count, roomForRefresh: true });
    }
  });

  it("runs the one scheduler on an EC2 instance of its own, and the other workers as a group with no load balancer and no inbound rule", () => {
    const all = servers(r());
    const schedulers = all.filter((s) => s.roles.includes("scheduler"));
    expect(schedulers.map((s) => `${s.name}: ${s.resource.type} of ${s.count}`)).toEqual([`${schedulers[0]?.name}: ${T.instance} of 1`]);
    const workers = all.filter((s) => s.group !== undefined && s.roles.includes("worker"));
    expect(workers.map((s) => `${s.roles.join("+")} of ${s.count}`)).toEqual([`worker of ${workerCount - 1}`]);
    const [group] = workers;
    expect({ targetGroups: asList(group.resource.inputs.targetGroupArns), healthCheckType: group.resource.inputs.healthCheckType })
      .toEqual({ targetGroups: [], healthCheckType: "EC2" });
    // Neither as the inspector reads it nor as a raw rule on any security group its servers wear
    // (SSH stays closed: the stack lists no admin addresses).
    expect(ingress(r()).filter((rule) => rule.targets.some((t) => t.resource === group.resource)).map((x) => x.rule.name)).toEqual([]);
    const worn = templateGroups(group.spec);
    expect(worn.length).toBeGreaterThan(0);
    const raw = [
      ...[T.ingressRule, T.legacyRule].flatMap((t) => of(r(), t)).filter((x) => x.inputs.type !== "egress" && worn.includes(String(x.inputs.securityGroupId))),
      ...of(r(), T.securityGroup).filter((sg) => worn.includes(String(sg.id)) && asList(sg.inputs.ingress).length > 0),
    ];
    expect(raw.map((x) => x.name)).toEqual([]);
  });

  it("lets a leaving worker finish its tasks: a termination hook held for longer than the stop timeout, completed by the worker's drain service", () => {
    const [group] = servers(r()).filter((s) => s.group !== undefined && s.roles.includes("worker"));
    // The group's hooks: made with it, by its component.
    const hooks = of(r(), T.lifecycleHook).filter((h) => h.parent === group.resource.parent);
    expect(hooks.map((h) => ({ transition: h.inputs.lifecycleTransition, onTimeout: h.inputs.defaultResult }))).toEqual([
      { transition: "autoscaling:EC2_INSTANCE_TERMINATING", onTimeout: "CONTINUE" },
    ]);
    // The hook outlasts systemd's stop timeout for the worker (its warm shutdown), within AWS's 2 h.
    const stopTimeout = Number(/^TimeoutStopSec=(\d+)/m.exec(file(group, "/etc/systemd/system/shop-worker.service").content)?.[1]);
    expect(stopTimeout).toBeGreaterThan(0);
    const heartbeat = Number(hooks[0].inputs.heartbeatTimeout);
    expect(heartbeat).toBeGreaterThan(stopTimeout);
    expect(heartbeat).toBeLessThanOrEqual(7200);
    // The worker's servers run the drain service, and it stops the worker unit, by the hook's name.
    const drain = file(group, "/usr/local/sbin/fullstack-group-drain").content;
    expect(drain).toContain(`HOOK = ${JSON.stringify(hooks[0].inputs.name)}`);
    expect(drain).toMatch(/UNITS = \["shop-worker\.service"\]/);
    expect(group.runcmd).toContain("systemctl enable --now fullstack-group-drain.service");
    // Only its own group may be told to go on, and nothing else of auto scaling is allowed.
    const role = resolve(r(), T.instanceProfile, (group.spec.inputs.iamInstanceProfile as Obj).name)?.inputs.role;
    const statements = of(r(), T.rolePolicy).filter((p) => p.inputs.role === role || resolve(r(), T.role, p.inputs.role)?.name === role)
      .flatMap((p) => (JSON.parse(String(p.inputs.policy)) as { Statement: { Action: string[]; Resource: unknown }[] }).Statement)
      .filter((st) => st.Action.some((a) => a.startsWith("autoscaling:")));
    expect(statements.map((st) => [st.Action, st.Resource])).toEqual([
      [["autoscaling:DescribeAutoScalingInstances"], "*"],
      [["autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"], [expect.stringMatching(new RegExp(`:autoScalingGroup:.*/${group.resource.name}$`))]],
    ]);
  });

  it("gives web groups no termination hook: the load balancer drains their connections", () => {
    const web = servers(r()).filter((s) => s.group !== undefined && s.roles.includes("web"));
    expect(web.length).toBe(1);
    expect(of(r(), T.lifecycleHook).filter((h) => h.parent === web[0].resource.parent)).toEqual([]);
    expect(hasFile(web[0], "/usr/local/sbin/fullstack-group-drain")).toBe(false);
  });

  // EC2 refuses a second security group of one name in a VPC (InvalidGroup.Duplicate), and a group is
  // named like its role ("shop-aws-prod-web"), so its own security group must be named apart.
  it("gives every security group a name no other security group of its VPC has", () => {
    const byName = new Map<string, string[]>();
    for (const sg of of(r(), T.securityGroup)) {
      const key = `${String(sg.inputs.vpcId)} ${String(sg.inputs.name ?? sg.name)}`;
      byName.set(key, [...(byName.get(key) ?? []), sg.name]);
    }
    expect([...byName.entries()].filter(([, list]) => list.length > 1)).toEqual([]);
  });
});

describe("aws-prod: launch template versions and a new release", () => {
  let bumped: RunResult;
  let release: RunResult;
  beforeAll(async () => {
    bumped = await planWithTemplateVersion("aws-prod", 7);
    release = await planStack("aws-prod", { appRef: "v9.9.9" });
  });

  it("asks each group for its template's latest version, whatever that is", () => {
    const found = servers(bumped).filter((s) => s.group !== undefined);
    expect(found.length).toBeGreaterThan(0);
    for (const g of found) expect({ group: g.name, version: (g.resource.inputs.launchTemplate as Obj).version }).toEqual({ group: g.name, version: "7" });
  });

  it("releases a new appRef in place: no group's template changes (no instance refresh), and each group's release runs one server at a time and is waited for", () => {
    const before = runs["aws-prod"];
    expect(dataSnapshot(before).length).toBeGreaterThan(0);
    expect(dataSnapshot(release)).toEqual(dataSnapshot(before));
    const groupsOf = (p: RunResult) => servers(p).filter((s) => s.group !== undefined);
    expect(groupsOf(release).map((g) => g.name)).toEqual(groupsOf(before).map((g) => g.name));
    expect(groupsOf(release).map((g) => g.roles.join("+")).sort()).toEqual(["web", "worker"]);
    for (const g of groupsOf(release)) {
      const old = groupsOf(before).find((x) => x.name === g.name)!;
      // The template is untouched: the ref is not in the user data.
      expect(g.spec.urn).toBe(old.spec.urn);
      expect(awsUserData(g.spec).text).toBe(awsUserData(old.spec).text);
      // The bundle in the secret files carries the new ref...
      const ref = (s: Server) => (JSON.parse(file(s, "/etc/shop/release.json").content) as { ref: string }).ref;
      expect({ group: g.name, before: ref(old), after: ref(g) }).toEqual({ group: g.name, before: "v1.4.2", after: "v9.9.9" });
      // ...and the group's association runs it on one server at a time, stops at the first failure, is
      // waited for, and is replaced (so waited for again) when the bundle changes.
      const assoc = (p: RunResult) => p.resources.find((x) => x.type === "aws:ssm/association:Association" && x.name === `${g.name}-release`)!;
      expect(assoc(release).inputs).toEqual(expect.objectContaining({ maxConcurrency: "1", maxErrors: "0", targets: [{ key: "tag:Name", values: [(g.resource.inputs.tags as { key: string; value: string }[]).find((t) => t.key === "Name")!.value] }] }));
      expect(assoc(release).inputs.waitForSuccessTimeoutSeconds).toBeGreaterThanOrEqual(1800);
      expect(assoc(release).replaceOnChanges).toEqual(["parameters"]);
      expect(assoc(release).inputs.parameters).not.toEqual(assoc(before).inputs.parameters);
    }
  });
});

describe("aws-dev", () => {
  it("keeps the data on an encrypted gp3 volume in the instance's availability zone", () => {
    const r = runs["aws-dev"];
    const volume = one(r, T.volume);
    expect(volume.inputs).toEqual(expect.objectContaining({ encrypted: true, type: "gp3" }));
    const [server] = servers(r);
    const subnet = resolve(r, T.subnet, server.resource.inputs.subnetId);
    expect(volume.inputs.availabilityZone).toBe(subnet?.inputs.availabilityZone);
    const [attachment] = of(r, T.volumeAttachment);
    expect(attachment.inputs).toEqual(expect.objectContaining({ volumeId: volume.id, instanceId: server.resource.id }));
  });

  // NVMe disk numbers follow the order disks answer at boot, which can change: the mount script must name
  // this volume, or it could format and mount another disk.
  const mountedDevice = (r: RunResult) => {
    const [server] = servers(r).filter((s) => hasFile(s, VOLUME_SCRIPT));
    return sourceShell(file(server, VOLUME_SCRIPT).content.split("\n").filter((l) => l.startsWith("device=")).join("\n"), ["device"]).device;
  };

  it("mounts the volume by its ID on Nitro instances (the NVMe serial number), and as /dev/xvdf on t2", async () => {
    const volume = one(runs["aws-dev"], T.volume);
    expect(String(volume.id)).toMatch(/^vol-[0-9a-f]{17}$/);
    expect(mountedDevice(runs["aws-dev"])).toBe(`/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol${String(volume.id).slice(4)}`);
    expect(mountedDevice(await planStack("aws-dev", { webSize: "t2.micro" }))).toBe("/dev/xvdf");
  });

  it("leaves no stand-in for the volume's device in any user data", () => {
    for (const label of Object.keys(runs)) {
      for (const s of servers(runs[label])) expect(`${s.name}: ${/fullstack-ebs-volume-pending/.test(awsUserData(s.spec).text)}`).toBe(`${s.name}: false`);
    }
  });

  it("fills in only a volume ID it can read", () => {
    expect(dataVolumeDevice("vol-0123456789abcdef0", "m7i.large")).toBe("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0");
    expect(() => dataVolumeDevice("100123", "t3.small")).toThrow(/not an EBS volume ID/);
  });
});
