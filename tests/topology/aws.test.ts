/**
 * What only AWS has to get right: instance metadata and disks, user data that EC2 shows to anyone who
 * may describe the instance, security group hygiene, RDS/ElastiCache/S3/CloudFront/ALB settings, NAT,
 * the instance role's reach into Parameter Store, and SQS dead-letter queues.
 */
import { SECRET, type RecordedResource, type RunResult } from "../../harness/mockRuntime";
import { planStack } from "../helpers";
import {
  awsSubnetIsPublic, awsUserData, resolve, resourcesOfType, secretAtoms, secretFiles, servers, statefulResources, worldOpenPorts,
} from "./inspect";

const T = {
  instance: "aws:ec2/instance:Instance",
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
/** EC2 accepts at most 16 KiB of user data (before base64). */
const EC2_USER_DATA_LIMIT = 16384;

const CASES: Record<string, [string, Record<string, unknown>]> = {
  "aws-dev": ["aws-dev", {}],
  "aws-staging": ["aws-staging", {}],
  "aws-prod": ["aws-prod", {}],
  // The other branches: a NAT instance, and a dev environment with managed data stores.
  "aws-staging as dev with a NAT instance": ["aws-staging", { natMode: "instance", environment: "dev" }],
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

/** Every statement that applies to an instance's role: inline policies and attached managed policies. */
function roleStatements(r: RunResult, instance: RecordedResource): Statement[] {
  const profile = resolve(r, T.instanceProfile, instance.inputs.iamInstanceProfile);
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

// ---------------------------------------------------------------------------------------------------

describe.each(Object.keys(CASES))("%s", (label) => {
  const r = () => runs[label];

  it("requires IMDSv2 with a hop limit of 1 and encrypts a gp3 root disk on every instance", () => {
    const instances = of(r(), T.instance);
    expect(instances.length).toBeGreaterThan(0);
    for (const i of instances) {
      expect({ name: i.name, metadata: i.inputs.metadataOptions }).toEqual({
        name: i.name, metadata: expect.objectContaining({ httpTokens: "required", httpPutResponseHopLimit: 1 }),
      });
      expect({ name: i.name, root: i.inputs.rootBlockDevice }).toEqual({
        name: i.name, root: expect.objectContaining({ volumeType: "gp3", encrypted: true }),
      });
    }
  });

  it("puts no secret in user data and keeps the secret files in a SecureString parameter", () => {
    const atoms = secretAtoms(r());
    for (const instance of of(r(), T.instance)) {
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
    for (const instance of of(r(), T.instance)) {
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
      const statements = roleStatements(r(), server.resource);
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
    const eips = of(r(), T.eipAssociation).map((a) => a.inputs.instanceId);
    const fronts = worldOpenPorts(r()).map((p) => p.behind);
    expect(fronts.length).toBeGreaterThan(0);
    for (const t of fronts) {
      if (!t) throw new Error("a world-open rule guards nothing");
      const subnets = t.kind === "loadBalancer" ? asList(t.resource.inputs.subnets) : [String(t.resource.inputs.subnetId)];
      const publicAddress = t.kind === "loadBalancer" ? t.resource.inputs.internal === false
        : t.resource.inputs.associatePublicIpAddress === true || eips.includes(t.resource.id);
      expect({ target: t.name, publicSubnets: subnets.every((s) => awsSubnetIsPublic(r(), s)), publicAddress })
        .toEqual({ target: t.name, publicSubnets: true, publicAddress: true });
    }
  });

  it("gives every server a way out to the internet, and private subnets only behind NAT", () => {
    const nat = of(r(), T.natGateway);
    expect(nat).toHaveLength(label === "aws-prod" ? 1 : 0);
    const eips = of(r(), T.eipAssociation).map((a) => a.inputs.instanceId);
    for (const server of servers(r())) {
      const i = server.resource;
      const subnetPublic = awsSubnetIsPublic(r(), i.inputs.subnetId);
      const publicAddress = i.inputs.associatePublicIpAddress === true || eips.includes(i.id);
      if (label === "aws-prod") {
        expect({ server: server.name, subnetPublic, publicAddress }).toEqual({ server: server.name, subnetPublic: false, publicAddress: false });
      }
      if (subnetPublic) {
        expect(`${server.name} public address: ${publicAddress}`).toBe(`${server.name} public address: true`);
      } else {
        // A private subnet's default route goes through the NAT gateway or the NAT instance.
        const association = of(r(), T.routeTableAssociation).find((a) => a.inputs.subnetId === i.inputs.subnetId);
        const table = resolve(r(), "aws:ec2/routeTable:RouteTable", association?.inputs.routeTableId);
        const routes = (table?.inputs.routes as Obj[] | undefined) ?? [];
        const natIds = nat.map((n) => n.id);
        const out = routes.find((route) => route.cidrBlock === "0.0.0.0/0");
        expect(out !== undefined && (natIds.includes(String(out.natGatewayId)) || typeof out.networkInterfaceId === "string")).toBe(true);
        expect(publicAddress).toBe(false);
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
    const web = servers(r()).filter((s) => s.roles.includes("web")).map((s) => s.resource.id).sort();
    expect(of(r(), T.targetGroupAttachment).map((a) => String(a.inputs.targetId)).sort()).toEqual(web);
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
});
