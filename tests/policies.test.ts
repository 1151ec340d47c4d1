/**
 * The policy pack: every rule fires on a violating resource and stays quiet on the compliant one, and
 * every stack config on every cloud passes every mandatory rule.
 */
import { gzipSync } from "node:zlib";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { RecordedResource } from "../harness/mockRuntime";
import { evaluatePolicies } from "../harness/policyRunner";
import { mandatoryRules, rules } from "../policies/rules";
import { ROOT, planStack } from "./helpers";

let n = 0;
function res(type: string, props: Record<string, unknown>, extra: { protect?: boolean; id?: string } = {}): RecordedResource {
  n++;
  return {
    urn: `urn:pulumi:test::fullstack::${type}::r${n}`, id: extra.id, type, name: `r${n}`, custom: true,
    protect: extra.protect ?? false, deleteBeforeReplace: false, ignoreChanges: [], inputs: props, plainInputs: props, secretValues: [],
  };
}

const gz = (text: string) => gzipSync(Buffer.from(text)).toString("base64");
const rdsGood = { storageEncrypted: true, publiclyAccessible: false, backupRetentionPeriod: 7, deletionProtection: true, skipFinalSnapshot: false, finalSnapshotIdentifier: "db-final" };
const s3 = (bucketProps: Record<string, unknown>, companions: [string, Record<string, unknown>][]) =>
  [res("aws:s3/bucket:Bucket", bucketProps, { id: "bkt" }), ...companions.map(([t, p]) => res(t, { bucket: "bkt", ...p }))];
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const VER = "aws:s3/bucketVersioning:BucketVersioning";
const OWN = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
const allBlocked = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const cf = (p: Record<string, unknown>) => res("aws:cloudfront/distribution:Distribution", {
  defaultCacheBehavior: { viewerProtocolPolicy: "redirect-to-https" },
  origins: [{ domainName: "b.s3.eu-central-1.amazonaws.com", originAccessControlId: "oac" }],
  viewerCertificate: { acmCertificateArn: "arn:cert", minimumProtocolVersion: "TLSv1.2_2021" }, ...p,
});
const sgr = (p: Record<string, unknown>) => res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { ipProtocol: "tcp", description: "why", ...p });
const lt = (p: Record<string, unknown>) => res("aws:ec2/launchTemplate:LaunchTemplate", {
  metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
  blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3" } }],
  userData: gz("#cloud-config\nruncmd: [[/usr/local/sbin/fullstack-fetch-secrets]]\n"), ...p,
});
const asg = (p: Record<string, unknown>) => res("aws:autoscaling/group:Group", {
  launchTemplate: { id: "lt-1", version: "3" }, targetGroupArns: ["arn:tg"], healthCheckType: "ELB",
  instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 100 } }, ...p,
});
const ec2 = (p: Record<string, unknown>) => res("aws:ec2/instance:Instance", {
  metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 }, rootBlockDevice: { encrypted: true },
  userDataBase64: gz("#cloud-config\nruncmd: [[/usr/local/sbin/fullstack-fetch-secrets]]\n"), ...p,
});
const doCluster = (p: Record<string, unknown>, rulesProp: unknown[] | undefined) => [
  res("digitalocean:index/databaseCluster:DatabaseCluster", { privateNetworkUuid: "vpc", ...p }, { id: "db1" }),
  ...(rulesProp ? [res("digitalocean:index/databaseFirewall:DatabaseFirewall", { clusterId: "db1", rules: rulesProp })] : []),
];

/** For each rule: resources that comply, and resources that violate it. */
/** Per rule: a compliant plan, a violating plan, and more violating plans that must each fire on their own. */
const FIXTURES: Record<string, { good: RecordedResource[]; bad: RecordedResource[]; moreBad?: RecordedResource[][] }> = {
  "aws-rds-storage-encrypted": { good: [res("aws:rds/instance:Instance", rdsGood)], bad: [res("aws:rds/instance:Instance", { ...rdsGood, storageEncrypted: false })] },
  "aws-rds-not-public": { good: [res("aws:rds/instance:Instance", rdsGood)], bad: [res("aws:rds/instance:Instance", { ...rdsGood, publiclyAccessible: true })] },
  "aws-rds-backup-retention": { good: [res("aws:rds/instance:Instance", rdsGood)], bad: [res("aws:rds/instance:Instance", { ...rdsGood, backupRetentionPeriod: 1 })] },
  "aws-rds-deletion-protection": {
    good: [res("aws:rds/instance:Instance", rdsGood, { protect: true }), res("aws:rds/instance:Instance", { ...rdsGood, deletionProtection: false, skipFinalSnapshot: true }, { protect: false })],
    bad: [res("aws:rds/instance:Instance", { ...rdsGood, skipFinalSnapshot: true }, { protect: true })],
  },
  "aws-rds-force-ssl": {
    good: [res("aws:rds/parameterGroup:ParameterGroup", { family: "postgres17", parameters: [{ name: "rds.force_ssl", value: "1" }] })],
    bad: [res("aws:rds/parameterGroup:ParameterGroup", { family: "postgres17", parameters: [] })],
  },
  "aws-elasticache-encryption": {
    good: [res("aws:elasticache/replicationGroup:ReplicationGroup", { atRestEncryptionEnabled: true, transitEncryptionEnabled: true, authToken: "t" })],
    bad: [res("aws:elasticache/replicationGroup:ReplicationGroup", { atRestEncryptionEnabled: true, transitEncryptionEnabled: false, authToken: "t" })],
  },
  "aws-s3-no-force-destroy": { good: [res("aws:s3/bucket:Bucket", { forceDestroy: false })], bad: [res("aws:s3/bucket:Bucket", { forceDestroy: true })] },
  "aws-s3-public-access-block": { good: s3({}, [[PAB, allBlocked]]), bad: s3({}, [[PAB, { ...allBlocked, restrictPublicBuckets: false }]]) },
  "aws-s3-encryption": {
    good: s3({}, [[SSE, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }]]), bad: s3({}, []),
  },
  "aws-s3-versioning": { good: s3({}, [[VER, { versioningConfiguration: { status: "Enabled" } }]]), bad: s3({}, [[VER, { versioningConfiguration: { status: "Suspended" } }]]) },
  "aws-s3-owner-enforced": { good: s3({}, [[OWN, { rule: { objectOwnership: "BucketOwnerEnforced" } }]]), bad: s3({}, [[OWN, { rule: { objectOwnership: "ObjectWriter" } }]]) },
  "aws-cloudfront-https": { good: [cf({})], bad: [cf({ defaultCacheBehavior: { viewerProtocolPolicy: "allow-all" } })] },
  "aws-cloudfront-tls": { good: [cf({})], bad: [cf({ viewerCertificate: { acmCertificateArn: "arn:cert", minimumProtocolVersion: "TLSv1" } })] },
  "aws-cloudfront-default-certificate": { good: [cf({})], bad: [cf({ viewerCertificate: { cloudfrontDefaultCertificate: true } })] },
  "aws-cloudfront-origin-access-control": { good: [cf({})], bad: [cf({ origins: [{ domainName: "b.s3.eu-central-1.amazonaws.com" }] })] },
  "aws-sg-world-only-web": {
    good: [sgr({ cidrIpv4: "0.0.0.0/0", fromPort: 443, toPort: 443 }), sgr({ cidrIpv4: "203.0.113.7/32", fromPort: 22, toPort: 22 })],
    bad: [sgr({ cidrIpv6: "::/0", fromPort: 22, toPort: 22 })],
    // "Open to the world" by arithmetic (settings/cidr.ts), not by spelling.
    moreBad: [[sgr({ cidrIpv4: "1.2.3.4/0", fromPort: 22, toPort: 22 })], [sgr({ cidrIpv4: "128.0.0.0/1", fromPort: 22, toPort: 22 })],
      [sgr({ cidrIpv6: "::ffff:0:0/96", fromPort: 22, toPort: 22 })]],
  },
  "aws-sg-rule-described": { good: [sgr({ fromPort: 80, toPort: 80 })], bad: [sgr({ fromPort: 80, toPort: 80, description: "" })] },
  "aws-ec2-imdsv2": {
    good: [ec2({}), lt({})],
    bad: [ec2({ metadataOptions: { httpTokens: "optional" } })],
    moreBad: [[lt({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } })]],
  },
  "aws-ec2-encrypted-root": {
    good: [ec2({}), res("aws:ebs/volume:Volume", { encrypted: true }), lt({})],
    bad: [ec2({ rootBlockDevice: { encrypted: false } })],
    moreBad: [[lt({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }] })], [lt({ blockDeviceMappings: [] })]],
  },
  "aws-asg-launch-template": { good: [asg({})], bad: [asg({ launchTemplate: undefined, launchConfiguration: "lc-1" })] },
  "aws-asg-elb-health-check": { good: [asg({}), asg({ targetGroupArns: [], healthCheckType: "EC2" })], bad: [asg({ healthCheckType: "EC2" })] },
  "aws-asg-rolling-release": {
    good: [asg({})],
    bad: [asg({ launchTemplate: { id: "lt-1", version: "$Latest" } })],
    moreBad: [[asg({ instanceRefresh: undefined })], [asg({ instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 50 } } })]],
  },
  "aws-ec2-no-secret-in-user-data": {
    good: [ec2({}), lt({})],
    bad: [ec2({ userDataBase64: gz("#cloud-config\nwrite_files:\n  - content: |\n      DATABASE_URL=\"postgresql://app:hunter2@db:5432/app\"\n") })],
    // A launch template's userData is base64 (here of gzip), never plain text.
    moreBad: [[lt({ userData: gz("#cloud-config\nwrite_files:\n  - content: |\n      DATABASE_URL=\"postgresql://app:hunter2@db:5432/app\"\n") })]],
  },
  "do-droplet-ssh-keys": {
    good: [
      res("digitalocean:index/droplet:Droplet", { sshKeys: ["ab:cd"] }),
      res("digitalocean:index/droplet:Droplet", { sshKeys: [], userData: "#cloud-config\ndisable_root: true\nssh_pwauth: false\nruncmd:\n  - [passwd, --lock, root]\n" }),
    ],
    bad: [res("digitalocean:index/droplet:Droplet", { sshKeys: [] })],
    moreBad: [
      [res("digitalocean:index/droplet:Droplet", { sshKeys: [], userData: "#cloud-config\ndisable_root: true\nssh_pwauth: false\n" })],
      [res("digitalocean:index/droplet:Droplet", { sshKeys: [], userData: "#cloud-config\ndisable_root: true\nssh_pwauth: true\nruncmd:\n  - [passwd, --lock, root]\n" })],
    ],
  },
  "do-firewall-world-only-web": {
    good: [res("digitalocean:index/firewall:Firewall", { inboundRules: [{ protocol: "tcp", portRange: "80", sourceAddresses: ["0.0.0.0/0", "::/0"] }] })],
    bad: [res("digitalocean:index/firewall:Firewall", { inboundRules: [{ protocol: "tcp", portRange: "5432", sourceAddresses: ["0.0.0.0/0"] }] })],
    moreBad: [[res("digitalocean:index/firewall:Firewall", { inboundRules: [{ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/1", "128.0.0.0/1"] }] })],
      [res("digitalocean:index/firewall:Firewall", { inboundRules: [{ protocol: "tcp", portRange: "22", sourceAddresses: ["2000::/3"] }] })]],
  },
  "do-database-firewall": {
    good: doCluster({}, [{ type: "tag", value: "shop-web" }]),
    bad: [...doCluster({}, undefined), ...doCluster({ privateNetworkUuid: undefined }, [{ type: "ip_addr", value: "0.0.0.0/0" }])],
  },
  "do-spaces-private": {
    good: [res("digitalocean:index/spacesBucket:SpacesBucket", { acl: "private", versioning: { enabled: true }, forceDestroy: false })],
    bad: [res("digitalocean:index/spacesBucket:SpacesBucket", { acl: "public-read", versioning: { enabled: true } })],
  },
};

describe("each policy rule", () => {
  it("has a fixture (no untested rule)", () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(rules.map((r) => r.name).sort());
  });

  it.each(rules.map((r) => [r.name, r] as const))("%s fires on the violation and stays quiet on the compliant case", async (name, rule) => {
    const fixture = FIXTURES[name];
    expect(await evaluatePolicies(fixture.good, [rule])).toEqual([]);
    for (const bad of [fixture.bad, ...(fixture.moreBad ?? [])]) {
      const violations = await evaluatePolicies(bad, [rule]);
      expect(violations.length).toBeGreaterThan(0);
      expect(violations.every((v) => v.policy === name && v.message.length > 0)).toBe(true);
    }
  });

  it("names its Checkov or Trivy equivalent, or says it is our own", () => {
    for (const r of rules.filter((x) => x.enforcementLevel === "mandatory")) expect(r.description).toMatch(/Checkov CKV|Trivy |^Own rule \(/);
  });
});

const stacks = readdirSync(join(ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();

describe("every stack config", () => {
  it("covers both clouds and all three profiles", () => {
    expect(stacks).toEqual(expect.arrayContaining(["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"]));
  });

  it.each(stacks)("%s passes every mandatory rule", async (stack) => {
    const result = await planStack(stack);
    const violations = await evaluatePolicies(result.resources, mandatoryRules);
    expect(violations).toEqual([]);
  });

  it.each(stacks)("%s passes them with SSH open to an admin address too", async (stack) => {
    const result = await planStack(stack, { adminCidrs: ["198.51.100.4/32"] });
    expect(await evaluatePolicies(result.resources, mandatoryRules)).toEqual([]);
  });
});
