/**
 * The replacement rules for AWS, random, tls and command (harness/replacementAws.ts): every type the
 * library creates has one, every name is a real input of the installed SDK, and a few facts read in the
 * providers' source hold.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { AWS_BASE_COMMIT, AWS_REPLACEMENT, AWS_STORED_COPIES, CONDITIONAL_REPLACEMENT, OTHER_REPLACEMENT } from "../harness/replacementAws";

const ROOT = join(__dirname, "..");

const AWS_TYPES = [
  "aws:acm/certificate:Certificate", "aws:acm/certificateValidation:CertificateValidation", "aws:autoscaling/group:Group",
  "aws:autoscaling/lifecycleHook:LifecycleHook", "aws:cloudfront/distribution:Distribution", "aws:cloudfront/originAccessControl:OriginAccessControl",
  "aws:cloudwatch/logGroup:LogGroup", "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:ebs/volume:Volume", "aws:ec2/eip:Eip",
  "aws:ec2/eipAssociation:EipAssociation", "aws:ec2/instance:Instance", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:ec2/natGateway:NatGateway", "aws:ec2/routeTable:RouteTable", "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/subnet:Subnet", "aws:ec2/volumeAttachment:VolumeAttachment", "aws:ec2/vpc:Vpc",
  "aws:elasticache/parameterGroup:ParameterGroup", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/subnetGroup:SubnetGroup",
  "aws:iam/instanceProfile:InstanceProfile", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:lb/listener:Listener", "aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup", "aws:lb/targetGroupAttachment:TargetGroupAttachment",
  "aws:rds/instance:Instance", "aws:rds/parameterGroup:ParameterGroup", "aws:rds/subnetGroup:SubnetGroup", "aws:route53/healthCheck:HealthCheck",
  "aws:route53/record:Record", "aws:route53/zone:Zone", "aws:s3/bucket:Bucket", "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketPolicy:BucketPolicy", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:sns/topic:Topic", "aws:sns/topicSubscription:TopicSubscription",
  "aws:sqs/queue:Queue", "aws:ssm/association:Association", "aws:ssm/document:Document", "aws:ssm/parameter:Parameter",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:lambda/function:Function", "aws:lambda/permission:Permission",
];
const OTHER_TYPES = [
  "random:index/randomId:RandomId", "random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString",
  "tls:index/privateKey:PrivateKey", "command:local:Command", "command:remote:Command",
];
const ALL = { ...AWS_REPLACEMENT, ...OTHER_REPLACEMENT };

/** The top-level input names of a type's `<Resource>Args` interface in the installed SDK. */
function argNames(token: string): Set<string> {
  const m = /^(\w+):([\w/]+):(\w+)$/.exec(token);
  if (!m) throw new Error(`not a type token: ${token}`);
  const [, pkg, mod, resource] = m;
  // "ec2/instance" -> ec2/instance.d.ts; "index/randomId" -> randomId.d.ts; "local" -> local/command.d.ts.
  const file = mod.includes("/")
    ? mod.replace(/^index\//, "")
    : `${mod}/${resource[0].toLowerCase()}${resource.slice(1)}`;
  const src = readFileSync(join(ROOT, "node_modules", "@pulumi", pkg, `${file}.d.ts`), "utf8");
  const start = src.indexOf(`export interface ${resource}Args {`);
  if (start < 0) throw new Error(`no ${resource}Args in ${file}.d.ts`);
  const body = src.slice(start, src.indexOf("\n}", start));
  return new Set([...body.matchAll(/^ {4}(\w+)\??:/gm)].map((x) => x[1]));
}

describe("AWS, random, tls and command replacement rules", () => {
  it("every type the library creates has a rule", () => {
    expect([...AWS_TYPES, ...OTHER_TYPES].filter((t) => !(t in ALL))).toEqual([]);
    expect(AWS_TYPES.filter((t) => !(t in AWS_REPLACEMENT))).toEqual([]);
    expect(OTHER_TYPES.filter((t) => !(t in OTHER_REPLACEMENT))).toEqual([]);
  });

  it("covers every AWS type the code constructs", () => {
    const files = ["clouds", "components"].flatMap((dir) => listTs(join(ROOT, dir)));
    const created = new Set(files.flatMap((f) => [...readFileSync(f, "utf8").matchAll(/new aws\.([a-z0-9]+)\.([A-Za-z]+)/g)].map((x) => `${x[1]}.${x[2]}`)));
    const covered = new Set(Object.keys(AWS_REPLACEMENT).map((t) => { const [, mod, res] = t.split(":"); return `${mod.split("/")[0]}.${res}`; }));
    expect([...created].filter((c) => !covered.has(c))).toEqual([]);
  });

  it.each(Object.keys(ALL))("%s: every replaceOn name is an input of its Args", (type) => {
    const names = argNames(type);
    expect(names.size).toBeGreaterThan(0);
    expect(names.has("notAnInput")).toBe(false);
    expect(ALL[type].replaceOn.filter((n) => !names.has(n))).toEqual([]);
    expect([...new Set(ALL[type].replaceOn)].length).toBe(ALL[type].replaceOn.length);
    expect(ALL[type].source.file).toMatch(/^[\w-]+\/[\w-]+ \S+/);
    expect(ALL[type].source.commit).toMatch(/^[0-9a-f]{7,} \((\d{4}-\d{2}-\d{2}|date unknown)\)$/);
  });

  it.each(Object.keys(CONDITIONAL_REPLACEMENT))("%s: every conditional input is an input of its Args, with a rule", (type) => {
    expect(type in ALL).toBe(true);
    const names = argNames(type);
    expect(CONDITIONAL_REPLACEMENT[type].map((c) => c.input).filter((n) => !names.has(n))).toEqual([]);
  });

  it("regional AWS types replace on region; global ones (IAM, Route 53, CloudFront) have none", () => {
    for (const [type, rule] of Object.entries(AWS_REPLACEMENT)) {
      expect([type, rule.replaceOn.includes("region")]).toEqual([type, argNames(type).has("region")]);
    }
    expect(AWS_REPLACEMENT["aws:iam/role:Role"].replaceOn).not.toContain("region");
    expect(AWS_REPLACEMENT["aws:route53/record:Record"].replaceOn).not.toContain("region");
  });
});

describe("where each AWS rule was read", () => {
  /** The provider file a rule names: the first path after the repository. */
  const fileOf = (type: string) => AWS_REPLACEMENT[type].source.file.split(" ")[1];

  it("every AWS rule names a file in terraform-provider-aws, and its stored copy was checked", () => {
    for (const type of Object.keys(AWS_REPLACEMENT)) {
      expect([type, AWS_REPLACEMENT[type].source.file]).toEqual([type, expect.stringMatching(/^hashicorp\/terraform-provider-aws internal\/service\/\w+\/\w+\.go( |$)/)]);
      expect([type, fileOf(type) in AWS_STORED_COPIES]).toEqual([type, true]);
    }
  });

  it("a rule is read at its file's stored copy when that copy is newer than the base commit, else at the base", () => {
    for (const type of Object.keys(AWS_REPLACEMENT)) {
      const copy = AWS_STORED_COPIES[fileOf(type)];
      expect([type, AWS_REPLACEMENT[type].source.commit]).toEqual([type, copy.relation === "newer" ? copy.commit : AWS_BASE_COMMIT]);
    }
  });

  it("dated stored copies marked older are older than the base commit; newer ones have no date", () => {
    const base = /\((\d{4}-\d{2}-\d{2})\)/.exec(AWS_BASE_COMMIT)![1];
    for (const [file, copy] of Object.entries(AWS_STORED_COPIES)) {
      expect([file, copy.commit]).toEqual([file, expect.stringMatching(/^[0-9a-f]{8} \((\d{4}-\d{2}-\d{2}|date unknown)\)$/)]);
      const date = /\((\d{4}-\d{2}-\d{2})\)/.exec(copy.commit)?.[1];
      if (date) expect([file, copy.relation, date < base]).toEqual([file, "older", true]);
    }
    expect(Object.entries(AWS_STORED_COPIES).filter(([, c]) => c.relation === "newer").map(([f]) => f).sort()).toEqual([
      "internal/service/cloudfront/origin_access_control.go",
      "internal/service/ec2/vpc_route_table.go",
      "internal/service/ec2/vpc_security_group_egress_rule.go",
      "internal/service/ec2/vpc_security_group_ingress_rule.go",
    ]);
  });

  it("the security group rules: egress names its own file, and the ingress commit for the shared schema", () => {
    expect(AWS_REPLACEMENT["aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"].source.file).toContain(AWS_STORED_COPIES["internal/service/ec2/vpc_security_group_ingress_rule.go"].commit.slice(0, 8));
    expect(AWS_REPLACEMENT["aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"].replaceOn).toEqual(AWS_REPLACEMENT["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"].replaceOn);
  });
});

describe("facts read in the providers' source", () => {
  const on = (type: string) => ALL[type].replaceOn;

  it("EC2 instance: ami, subnet and key pair replace; type and user data (without userDataReplaceOnChange) do not", () => {
    expect(on("aws:ec2/instance:Instance")).toEqual(expect.arrayContaining(["ami", "subnetId", "keyName", "availabilityZone", "privateIp"]));
    for (const n of ["instanceType", "userData", "vpcSecurityGroupIds", "iamInstanceProfile", "tags"]) expect(on("aws:ec2/instance:Instance")).not.toContain(n);
    expect(CONDITIONAL_REPLACEMENT["aws:ec2/instance:Instance"].map((c) => c.input)).toEqual(expect.arrayContaining(["userData", "instanceType"]));
    // Removed in provider v6 (they were ForceNew): not inputs any more, so not listed.
    expect(argNames("aws:ec2/instance:Instance").has("cpuCoreCount")).toBe(false);
    expect(on("aws:ec2/instance:Instance")).not.toContain("cpuCoreCount");
  });

  it("RDS instance: class, engine version and storage resize in place; engine, username and encryption replace", () => {
    for (const n of ["instanceClass", "engineVersion", "allocatedStorage", "identifier", "password", "multiAz"]) expect(on("aws:rds/instance:Instance")).not.toContain(n);
    expect(on("aws:rds/instance:Instance")).toEqual(expect.arrayContaining(["engine", "username", "storageEncrypted", "kmsKeyId", "dbName"]));
  });

  it("EBS volume: size, type and iops modify in place; zone, snapshot and encryption replace", () => {
    for (const n of ["size", "type", "iops", "throughput"]) expect(on("aws:ebs/volume:Volume")).not.toContain(n);
    expect(on("aws:ebs/volume:Volume")).toEqual(expect.arrayContaining(["availabilityZone", "snapshotId", "encrypted"]));
  });

  it("S3: the bucket's name replaces it, and every bucket sub-resource replaces on its bucket", () => {
    expect(on("aws:s3/bucket:Bucket")).toEqual(expect.arrayContaining(["bucket", "bucketPrefix", "objectLockEnabled"]));
    expect(on("aws:s3/bucket:Bucket")).not.toContain("forceDestroy");
    for (const t of AWS_TYPES.filter((x) => x.startsWith("aws:s3/bucket") && x !== "aws:s3/bucket:Bucket")) expect(on(t)).toContain("bucket");
    expect(AWS_REPLACEMENT["aws:s3/bucketVersioning:BucketVersioning"].refuses?.length).toBe(1);
  });

  it("resources without an Update replace on every input", () => {
    expect(on("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual(["policyArn", "role"]);
    expect(on("aws:lambda/permission:Permission")).toEqual(expect.arrayContaining(["function", "principal", "sourceArn", "statementId"]));
    expect(on("tls:index/privateKey:PrivateKey")).toEqual(["algorithm", "ecdsaCurve", "rsaBits"]);
  });

  it("Pulumi's renamed inputs: alarm and function names, subscription topic, plural lists", () => {
    expect(on("aws:cloudwatch/metricAlarm:MetricAlarm")).toContain("name");
    expect(on("aws:lambda/function:Function")).toContain("name");
    expect(on("aws:sns/topicSubscription:TopicSubscription")).toContain("topic");
    expect(on("aws:acm/certificate:Certificate")).toContain("validationOptions");
    expect(on("aws:ec2/instance:Instance")).toContain("ephemeralBlockDevices");
  });

  it("other in-place updates: security group rules, launch template, lb listener, route record", () => {
    expect(on("aws:ec2/securityGroup:SecurityGroup")).toEqual(expect.arrayContaining(["name", "description", "vpcId"]));
    expect(on("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")).toEqual(["region", "securityGroupId"]);
    expect(on("aws:ec2/launchTemplate:LaunchTemplate")).not.toContain("imageId");
    expect(on("aws:lb/listener:Listener")).not.toContain("port");
    expect(on("aws:route53/record:Record")).toEqual(["name", "zoneId"]);
    expect(on("aws:autoscaling/group:Group")).not.toContain("launchTemplate");
  });

  it("random: every setting replaces; command: only triggers", () => {
    expect(on("random:index/randomPassword:RandomPassword")).toEqual(expect.arrayContaining(["length", "special", "keepers", "overrideSpecial"]));
    expect(on("random:index/randomId:RandomId")).toEqual(["byteLength", "keepers", "prefix"]);
    expect(on("command:remote:Command")).toEqual(["triggers"]);
    expect(on("command:local:Command")).toEqual(["triggers"]);
  });
});

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listTs(p) : p.endsWith(".ts") ? [p] : [];
  });
}
