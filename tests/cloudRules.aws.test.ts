/**
 * Issue 11's AWS rows: each rule of harness/cloudRules/aws.ts fires on a hand-built violating resource
 * and stays quiet on the real stacks; the settings refuse what AWS would refuse, naming the key. Test
 * names cite where each fact comes from (the sources are spelled out in settings/limits/aws.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Network, RedisCache, WorkerQueue } from "../components";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { AWS_TYPES, awsRules, interfaceSecurityGroups } from "../harness/cloudRules/aws";
import { runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import { checkNamePrefix, checkProviderRegion, isSettingsError, loadSettings } from "../settings";
import { CATALOG } from "../settings/catalog";
import {
  CORS_S3_ORIGIN_REQUEST_POLICY, EC2_SIZES, EC2_SIZE_LIST, ELASTICACHE_NODE_TYPE_LIST, OPT_IN_REGIONS, RDS_POSTGRES_CLASSES,
  RDS_POSTGRES_CLASS_LIST, awsNamePrefixProblems, targetGroupName,
} from "../settings/limits/aws";
import { program } from "../stacks/program";
import { readStackConfig } from "../tools/stackConfig";
import { ROOT, planStack } from "./helpers";

let n = 0;
function res(type: string, props: Record<string, unknown>, extra: { name?: string; id?: string } = {}): RecordedResource {
  n++;
  const name = extra.name ?? `r${n}`;
  return {
    urn: `urn:pulumi:test::fullstack::${type}::${name}`, id: extra.id, type, name, custom: true,
    protect: false, deleteBeforeReplace: false, ignoreChanges: [], inputs: props, plainInputs: props, secretValues: [],
  };
}

/** The violations of one rule over `resources`. */
function fired(ruleId: string, resources: RecordedResource[]): string[] {
  const rule = awsRules.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  return checkCloudRules(resources, [rule]).map((v) => v.message);
}

const AWS_STACKS = ["aws-dev", "aws-staging", "aws-prod"];
const plans = new Map<string, Promise<RunResult>>();
const plan = (stack: string) => {
  if (!plans.has(stack)) plans.set(stack, planStack(stack));
  return plans.get(stack)!;
};
const ofType = (r: RunResult, type: string) => r.resources.filter((x) => x.type === type);

function settingsError(fn: () => void): Error | undefined {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

const AWS = { appRepo: "https://github.com/acme/shop.git", cloud: "aws", region: "eu-central-1" };

describe("row 1: security group and rule descriptions (EC2 API CreateSecurityGroup, IpRange Description)", () => {
  it("fires on an apostrophe in a group description, a rule description, an inline rule, and on 256 characters", () => {
    expect(fired("aws-sg-text", [res(AWS_TYPES.securityGroup, { name: "shop-db", description: "PostgreSQL: only the app's roles" })]))
      .toEqual([expect.stringContaining(`has "'", which EC2 refuses`)]);
    expect(fired("aws-sg-text", [res(AWS_TYPES.ingressRule, { description: "from the web's role" })])).toHaveLength(1);
    expect(fired("aws-sg-text", [res(AWS_TYPES.egressRule, { description: "naïve" })])).toHaveLength(1);
    expect(fired("aws-sg-text", [res(AWS_TYPES.securityGroup, { name: "x", ingress: [{ description: "it's" }], egress: [{ description: "ok" }] })])).toHaveLength(1);
    expect(fired("aws-sg-text", [res(AWS_TYPES.securityGroup, { name: "x", description: "a".repeat(256) })])).toEqual([expect.stringContaining("over EC2's 255")]);
    expect(fired("aws-sg-text", [res(AWS_TYPES.securityGroup, { name: "sg-shop", description: "ok" })])).toEqual([expect.stringContaining('starts with "sg-"')]);
  });

  it("accepts every character EC2 lists", () => {
    expect(fired("aws-sg-text", [res(AWS_TYPES.securityGroup, { name: "a", description: "aZ09 ._-:/()#,@[]+=&;{}!$*" })])).toEqual([]);
  });

  it.each(AWS_STACKS)("%s: every security group and rule is described in characters EC2 accepts", async (stack) => {
    const r = await plan(stack);
    const described = r.resources.filter((x) => [AWS_TYPES.securityGroup, AWS_TYPES.ingressRule, AWS_TYPES.egressRule].includes(x.type as never)
      && typeof x.plainInputs.description === "string");
    expect(described.length).toBeGreaterThan(3);
    expect(fired("aws-sg-text", r.resources)).toEqual([]);
  });
});

describe("row 2: at most 5 security groups per network interface (Amazon VPC quotas)", () => {
  const six = ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"];
  it("fires on an instance and on a launch template's network interface with six", () => {
    expect(fired("aws-sg-per-interface", [res(AWS_TYPES.instance, { vpcSecurityGroupIds: six })])).toHaveLength(1);
    expect(fired("aws-sg-per-interface", [res(AWS_TYPES.launchTemplate, { networkInterfaces: [{ deviceIndex: 0, securityGroups: six }] })])).toHaveLength(1);
    expect(fired("aws-sg-per-interface", [res(AWS_TYPES.instance, { vpcSecurityGroupIds: six.slice(0, 5) })])).toEqual([]);
  });

  it.each(AWS_STACKS)("%s: no instance or launch template carries more than 5", async (stack) => {
    const r = await plan(stack);
    const carriers = [...ofType(r, AWS_TYPES.instance), ...ofType(r, AWS_TYPES.launchTemplate)];
    expect(carriers.length).toBeGreaterThan(0);
    for (const c of carriers) expect(interfaceSecurityGroups(c).length).toBeLessThanOrEqual(5);
    expect(fired("aws-sg-per-interface", r.resources)).toEqual([]);
  });

  it("aws-dev: the single box wears its own group only; its localhost-only roles make no security group", async () => {
    const r = await plan("aws-dev");
    const [box] = ofType(r, AWS_TYPES.instance).filter((i) => String((i.inputs.tags as Record<string, string>).Roles).includes("postgres"));
    expect(interfaceSecurityGroups(box)).toHaveLength(1);
    expect(ofType(r, AWS_TYPES.securityGroup).map((g) => (g.inputs.tags as Record<string, string> | undefined)?.Role).filter(Boolean)).toEqual([]);
  });

  it("aws-staging: the servers still wear the role groups the data stores admit", async () => {
    const r = await plan("aws-staging");
    const roleGroup = (role: string) => ofType(r, AWS_TYPES.securityGroup).find((g) => (g.inputs.tags as Record<string, string> | undefined)?.Role === role);
    const admitted = ofType(r, AWS_TYPES.ingressRule).map((i) => i.inputs.referencedSecurityGroupId).filter(Boolean);
    for (const role of ["web", "worker"]) {
      const group = roleGroup(role)!;
      expect(admitted).toContain(group.id);
      const wearers = ofType(r, AWS_TYPES.instance).filter((i) => interfaceSecurityGroups(i).includes(group.id!));
      expect(wearers.map((w) => String((w.inputs.tags as Record<string, string>).Roles))).toEqual([expect.stringContaining(role)]);
    }
    expect(roleGroup("scheduler")).toBeUndefined();
  });
});

describe("row 2: a rule that admits a role after its servers were made is an error, not an unreachable server", () => {
  it("throws naming the role and the server", async () => {
    // The role groups are the component Network's (components/network.ts): a cache made after the workers.
    const settings = loadSettings({ cloud: "aws", region: "eu-central-1", appRepo: "https://github.com/acme/shop.git", workerKind: "rq" });
    const run = runStack({
      stack: "aws-order", config: { "aws:region": "eu-central-1" },
      program: () => {
        const network = new Network("t", { cloud: "aws", region: "eu-central-1" });
        new WorkerQueue("t", {
          network, app: settings.app, access: settings.access, environment: { REDIS_URL: "redis://redis.internal:6379/0" },
          worker: { kind: "rq", app: "shop.tasks", queues: ["default"], concurrency: 1, taskTimeLimit: 600 },
        });
        // Only now does a data store admit the role.
        new RedisCache("t-redis", { network, allowRoles: ["worker"] });
        return {};
      },
    });
    await expect(run).rejects.toThrow(/a rule admits the worker role after its servers \(t-worker-1\) were made/);
  });
});

describe("row 3: ALB and target group names (terraform-provider-aws elbv2/validate.go: 32, [0-9A-Za-z-], no hyphen at either end, not internal-)", () => {
  it("fires on a long, an odd and an internal- name, and on an auto-name that passes 32 once Pulumi adds 8", () => {
    expect(fired("aws-elb-names", [res(AWS_TYPES.alb, { name: "a".repeat(33) })])).toHaveLength(1);
    expect(fired("aws-elb-names", [res(AWS_TYPES.alb, { name: "internal-shop" })])).toEqual([expect.stringContaining('"internal-"')]);
    expect(fired("aws-elb-names", [res(AWS_TYPES.alb, { name: "shop_prod-" })])).toHaveLength(2);
    // No name: Pulumi auto-names it <logical>-<7 random>, 26 + 8 = 34.
    expect(fired("aws-elb-names", [res(AWS_TYPES.targetGroup, { port: 80 }, { name: "shop-aws-production-lb-web" })])).toHaveLength(1);
    expect(fired("aws-elb-names", [res(AWS_TYPES.targetGroup, { port: 80 }, { name: "shop-lb-web" })])).toEqual([]);
    expect(fired("aws-elb-names", [res(AWS_TYPES.targetGroup, { namePrefix: "shop-web" })])).toHaveLength(1);
    expect(fired("aws-elb-names", [res(AWS_TYPES.targetGroup, { namePrefix: "web-" })])).toEqual([]);
    // ELB has no rule against two hyphens in a row (unlike RDS).
    expect(fired("aws-elb-names", [res(AWS_TYPES.alb, { name: "shop--prod" })])).toEqual([]);
  });

  it("builds valid names for the longest app and stack names the settings accept", async () => {
    // 29 characters: the longest prefix the settings accept (the ALB name, <prefix>-lb, binds first).
    expect(awsNamePrefixProblems("abcdefghijklmnopqrst-aws-prod")).toEqual([]);
    expect(awsNamePrefixProblems("abcdefghijklmnopqrstu-aws-prod")).not.toEqual([]);
    const r = await planStack("aws-prod", { appName: "abcdefghijklmnopqrst" });
    const tg = ofType(r, AWS_TYPES.targetGroup)[0];
    expect(String(tg.plainInputs.name).length).toBeLessThanOrEqual(32);
    expect(fired("aws-elb-names", r.resources)).toEqual([]);
  });

  it("the target group's name changes with the inputs that replace it, so the new one is made before the old goes", async () => {
    const shape = { vpcId: "vpc-1", port: 80, protocol: "HTTP", targetType: "instance" };
    expect(targetGroupName("shop-aws-prod-lb", shape)).toMatch(/^shop-aws-prod-lb-tg-[0-9a-f]{8}$/);
    expect(targetGroupName("shop-aws-prod-lb", { ...shape })).toBe(targetGroupName("shop-aws-prod-lb", shape));
    expect(targetGroupName("shop-aws-prod-lb", { ...shape, vpcId: "vpc-2" })).not.toBe(targetGroupName("shop-aws-prod-lb", shape));
    expect(targetGroupName("x".repeat(40), shape)).toHaveLength(32);
    // In the stack: named from its own VPC, port, protocol and target type (mock ids differ between runs).
    const r = await plan("aws-prod");
    const [tg] = ofType(r, AWS_TYPES.targetGroup);
    const [vpc] = ofType(r, "aws:ec2/vpc:Vpc");
    expect(tg.plainInputs.vpcId).toBe(vpc.id);
    expect(tg.plainInputs.name).toBe(targetGroupName("shop-aws-prod-lb", { vpcId: vpc.id!, port: 80, protocol: "HTTP", targetType: "instance" }));
  });

  it("settings refuse app and stack names whose load balancer name would not fit, naming fullstack:appName", () => {
    const err = settingsError(() => checkNamePrefix({ cloud: "aws" }, "a-very-long-app-name-production"));
    expect(isSettingsError(err)).toBe(true);
    expect(err!.message).toMatch(/^fullstack:appName /);
    expect(err!.message).toContain("load balancer name");
    expect(settingsError(() => checkNamePrefix({ cloud: "aws" }, "internal-prod"))!.message).toContain('"internal-"');
  });
});

describe("row 4: RDS, ElastiCache and IAM names (terraform-provider-aws rds/validate.go; ElastiCache CreateReplicationGroup 40; IAM CreateRole 64)", () => {
  it("fires on an RDS identifier that is too long, has two hyphens, a capital or a trailing hyphen, and on such a snapshot id", () => {
    expect(fired("aws-rds-names", [res(AWS_TYPES.rds, { identifier: "a".repeat(64) })])).toHaveLength(1);
    expect(fired("aws-rds-names", [res(AWS_TYPES.rds, { identifier: "shop--db" })])).toEqual([expect.stringContaining("two consecutive hyphens")]);
    expect(fired("aws-rds-names", [res(AWS_TYPES.rds, { identifier: "Shop-db-" })])).toHaveLength(3);
    expect(fired("aws-rds-names", [res(AWS_TYPES.rds, { identifier: "shop-db", finalSnapshotIdentifier: "shop-db--final" })])).toHaveLength(1);
    expect(fired("aws-rds-names", [res(AWS_TYPES.rdsParams, { family: "postgres17" }, { name: "Shop-db-params" })])).toHaveLength(2);
    expect(fired("aws-rds-names", [res(AWS_TYPES.rds, { identifier: "shop-db", finalSnapshotIdentifier: "shop-db-final-1a2b" })])).toEqual([]);
    expect(fired("aws-rds-names", [res(AWS_TYPES.rds, { identifier: "shop-db", finalSnapshotIdentifier: "Shop-DB-final" })])).toEqual([]);
  });

  it("fires on a replication group id over 40 and on an IAM role whose auto-name passes 64", () => {
    expect(fired("aws-elasticache-ids", [res(AWS_TYPES.replicationGroup, { replicationGroupId: "a".repeat(41) })])).toHaveLength(1);
    expect(fired("aws-elasticache-ids", [res(AWS_TYPES.replicationGroup, { replicationGroupId: "shop-redis", finalSnapshotIdentifier: "shop-redis-" })])).toHaveLength(1);
    expect(fired("aws-iam-names", [res(AWS_TYPES.iamRole, {}, { name: `${"a".repeat(57)}` })])).toHaveLength(1);
    expect(fired("aws-iam-names", [res(AWS_TYPES.iamRole, {}, { name: `${"a".repeat(56)}` })])).toEqual([]);
  });

  it.each([
    ["two hyphens in a row", "shop--x-prod"],
    ["a trailing hyphen on the app name", "shop--prod"],
    ["a capital in the stack name", "shop-Prod"],
    ["an underscore in the stack name", "shop-aws_prod"],
    ["30 characters (the load balancer name passes 32)", "abcdefghijklmnopqrstu-aws-prod"],
    ["a name starting with sg- (EC2 refuses such group names)", "sg-shop-prod"],
    ["a name starting with aws (SSM reserves the prefix for document names)", "aws-shop-prod"],
    ["a name starting with amazon (SSM reserves the prefix)", "amazonshop-prod"],
  ])("settings refuse %s, naming fullstack:appName", (_what, prefix) => {
    const err = settingsError(() => checkNamePrefix({ cloud: "aws" }, prefix));
    expect(isSettingsError(err)).toBe(true);
    expect(err!.message).toMatch(/^fullstack:appName /);
    expect(err!.message).toContain("use a shorter app or stack name");
  });

  it("the stack program refuses such an app name before anything is registered", async () => {
    const cfg = readStackConfig(ROOT, "aws-staging");
    const config = { ...cfg.config, "fullstack:appName": "shop-" };
    await expect(runStack({ project: cfg.project, stack: "aws-staging", config, secretKeys: cfg.secretKeys, program })).rejects.toThrow(/^fullstack:appName "shop--aws-staging"/);
  });

  it("any app name the settings accept on AWS yields a stack AWS accepts (generated app names)", async () => {
    const stacks = ["aws-staging", "aws-prod"];
    let built = 0;
    await fc.assert(fc.asyncProperty(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,29}$/), fc.constantFrom(...stacks),
      async (appName, stack) => {
        const cfg = readStackConfig(ROOT, stack);
        const config = { ...cfg.config, "fullstack:appName": appName };
        const refused = awsNamePrefixProblems(`${appName}-${stack}`).length > 0;
        try {
          const r = await runStack({ project: cfg.project, stack, config, secretKeys: cfg.secretKeys, program });
          expect(refused).toBe(false);
          expect(formatViolations(checkCloudRules(r.resources, awsRules))).toBe("");
          built++;
        } catch (err) {
          if (refused) expect((err as Error).message).toMatch(/^fullstack:appName /);
          else throw err;
        }
      }), { numRuns: 40, seed: 11 });
    expect(built).toBeGreaterThan(5);
  }, 300_000);
});

describe("row 5: a pgVersion change is a major upgrade (RDS ModifyDBInstance AllowMajorVersionUpgrade; a parameter group of the new family)", () => {
  it("fires on an RDS PostgreSQL without allowMajorVersionUpgrade, with a group of another family, or a fixed group name", () => {
    const group = res(AWS_TYPES.rdsParams, { family: "postgres16", name: "shop-db-params" }, { name: "g", id: "g" });
    const db = res(AWS_TYPES.rds, { engine: "postgres", engineVersion: "17", parameterGroupName: "g" });
    expect(fired("aws-rds-major-upgrade", [group, db])).toHaveLength(3);
    const good = res(AWS_TYPES.rdsParams, { family: "postgres17" }, { name: "g2", id: "g2" });
    expect(fired("aws-rds-major-upgrade", [good, res(AWS_TYPES.rds, { engine: "postgres", engineVersion: "17", parameterGroupName: "g2", allowMajorVersionUpgrade: true })])).toEqual([]);
  });

  it("aws-staging from pgVersion 16 to 17: the same database, a new auto-named group of the new family, the old one kept", async () => {
    const cfg = readStackConfig(ROOT, "aws-staging");
    const run = async (pgVersion: string) => {
      const retained: string[] = [];
      const r = await runStack({
        project: cfg.project, stack: "aws-staging", config: { ...cfg.config, "fullstack:pgVersion": pgVersion }, secretKeys: cfg.secretKeys,
        program: () => {
          // Resource options do not reach the mocks: capture retainOnDelete with a transformation.
          pulumi.runtime.registerStackTransformation((a) => {
            if (a.type === AWS_TYPES.rdsParams && a.opts.retainOnDelete) retained.push(a.name);
            return undefined;
          });
          return program();
        },
      });
      return { r, retained };
    };
    const [v16, v17] = [await run("16"), await run("17")];
    const db = (x: RunResult) => ofType(x, AWS_TYPES.rds)[0];
    const group = (x: RunResult) => ofType(x, AWS_TYPES.rdsParams)[0];
    expect(db(v16.r).urn).toBe(db(v17.r).urn);
    expect(db(v16.r).plainInputs.identifier).toBe(db(v17.r).plainInputs.identifier);
    expect([db(v16.r).plainInputs.engineVersion, db(v17.r).plainInputs.engineVersion]).toEqual(["16", "17"]);
    expect(db(v17.r).plainInputs.allowMajorVersionUpgrade).toBe(true);
    expect([group(v16.r).plainInputs.family, group(v17.r).plainInputs.family]).toEqual(["postgres16", "postgres17"]);
    expect(group(v17.r).plainInputs.name).toBeUndefined();
    expect(v17.retained).toEqual([group(v17.r).name]);
    expect(fired("aws-rds-major-upgrade", v16.r.resources)).toEqual([]);
  });
});

describe("row 10: release document and association names (SSM API CreateDocument Name, reserved prefixes; CreateAssociation AssociationName)", () => {
  it("fires on a reserved prefix, a character SSM refuses, or a name over 128", () => {
    expect(fired("aws-ssm-names", [res(AWS_TYPES.ssmDocument, { name: "aws-shop-web-1-release" })])).toHaveLength(1);
    expect(fired("aws-ssm-names", [res(AWS_TYPES.ssmDocument, { name: "AWSSupport-x" })])).toHaveLength(1);
    expect(fired("aws-ssm-names", [res(AWS_TYPES.ssmDocument, { name: "shop web release" })])).toHaveLength(1);
    expect(fired("aws-ssm-names", [res(AWS_TYPES.ssmAssociation, { associationName: "a".repeat(129) })])).toHaveLength(1);
    // Only documents have reserved prefixes.
    expect(fired("aws-ssm-names", [res(AWS_TYPES.ssmAssociation, { associationName: "aws-shop-web-1-release" })])).toEqual([]);
    expect(fired("aws-ssm-names", [res(AWS_TYPES.ssmDocument, { name: "shop-aws-dev-web-1-release" })])).toEqual([]);
  });

  it.each(AWS_STACKS)("%s: every release document and association has a name SSM accepts", async (stack) => {
    const r = await plan(stack);
    expect(ofType(r, AWS_TYPES.ssmDocument).length).toBeGreaterThan(0);
    expect(fired("aws-ssm-names", r.resources)).toEqual([]);
  });
});

describe("row 6: SQS visibility timeout at most 43200 s (SQS API CreateQueue VisibilityTimeout)", () => {
  it("fires on a queue whose visibility timeout passes 43200", () => {
    expect(fired("aws-sqs", [res(AWS_TYPES.queue, { visibilityTimeoutSeconds: 43_201 }, { name: "q" })])).toEqual([expect.stringContaining("over SQS's 43200")]);
    expect(fired("aws-sqs", [res(AWS_TYPES.queue, { visibilityTimeoutSeconds: 43_200 }, { name: "q" })])).toEqual([]);
    expect(fired("aws-sqs", [res(AWS_TYPES.queue, {}, { name: "q".repeat(73) })])).toHaveLength(1);
  });

  const sqs = { ...AWS, profile: "standard", workerKind: "celery", queueBackend: "sqs" };
  it("settings refuse a task time limit SQS cannot hold, naming fullstack:taskTimeLimit, and only with the SQS backend", () => {
    const err = settingsError(() => loadSettings({ ...sqs, taskTimeLimit: 43_141 }));
    expect(isSettingsError(err)).toBe(true);
    expect(err!.message).toMatch(/^fullstack:taskTimeLimit 43141 is too long for SQS/);
    expect(err!.message).toContain("use at most 43140");
    expect(loadSettings({ ...sqs, taskTimeLimit: 43_140 }).worker?.taskTimeLimit).toBe(43_140);
    expect(loadSettings({ ...sqs, queueBackend: "redis", taskTimeLimit: 86_400 }).worker?.taskTimeLimit).toBe(86_400);
  });

  it("settings refuse worker queues whose SQS names pass 80 characters (auto-named) or collide, naming fullstack:workerQueues", () => {
    const worker = loadSettings({ ...sqs, workerQueues: ["q".repeat(50)] }).worker;
    const err = settingsError(() => checkNamePrefix({ cloud: "aws", worker }, "shop-aws-prod"));
    expect(isSettingsError(err)).toBe(true);
    expect(err!.message).toMatch(/^fullstack:workerQueues .*over 80 characters/);
    const twins = loadSettings({ ...sqs, workerQueues: ["mail.high", "mail:high"] }).worker;
    expect(settingsError(() => checkNamePrefix({ cloud: "aws", worker: twins }, "shop-aws-prod"))!.message).toContain("give one SQS name");
    // The same queues on Redis are no SQS names at all.
    const redis = loadSettings({ ...sqs, queueBackend: "redis", workerQueues: ["q".repeat(50)] }).worker;
    expect(() => checkNamePrefix({ cloud: "aws", worker: redis }, "shop-aws-prod")).not.toThrow();
    expect(() => checkNamePrefix({ cloud: "aws", worker: loadSettings({ ...sqs, workerQueues: ["default", "emails"] }).worker }, "shop-aws-prod")).not.toThrow();
  });

  it("aws-prod's queues are within the limit", async () => {
    const r = await plan("aws-prod");
    expect(ofType(r, AWS_TYPES.queue).length).toBeGreaterThan(0);
    expect(fired("aws-sqs", r.resources)).toEqual([]);
  });
});

describe("row 7: CloudFront forwards Origin to S3 (CloudFront Developer Guide, managed origin request policy CORS-S3Origin 88a5eaf4-...)", () => {
  const origins = [{ originId: "bucket", domainName: "b.s3.eu-central-1.amazonaws.com", originAccessControlId: "oac" }];
  it("fires on a behaviour serving the bucket without the policy", () => {
    expect(fired("aws-cloudfront", [res(AWS_TYPES.distribution, { origins, defaultCacheBehavior: { targetOriginId: "bucket" } })])).toHaveLength(1);
    expect(fired("aws-cloudfront", [res(AWS_TYPES.distribution, {
      origins, defaultCacheBehavior: { targetOriginId: "bucket", originRequestPolicyId: CORS_S3_ORIGIN_REQUEST_POLICY },
      orderedCacheBehaviors: [{ pathPattern: "/fonts/*", targetOriginId: "bucket" }],
    })])).toEqual([expect.stringContaining("/fonts/*")]);
  });

  it.each(["aws-staging", "aws-prod"])("%s: the distribution forwards Origin with CORS-S3Origin", async (stack) => {
    const r = await plan(stack);
    const [cdn] = ofType(r, AWS_TYPES.distribution);
    expect((cdn.plainInputs.defaultCacheBehavior as Record<string, unknown>).originRequestPolicyId).toBe(CORS_S3_ORIGIN_REQUEST_POLICY);
    expect(fired("aws-cloudfront", r.resources)).toEqual([]);
  });
});

describe("row 8: the us-east-1 provider inherits the stack's aws: config (@pulumi/aws ProviderArgs)", () => {
  it("aws-prod: profile, assumed roles, allowed accounts, default tags, retries and secret keys reach the certificate's provider; only the region differs", async () => {
    const r = await planStack("aws-prod", {
      "aws:profile": "ops", "aws:allowedAccountIds": ["123456789012"], "aws:forbiddenAccountIds": ["210987654321"],
      "aws:defaultTags": { tags: { team: "web" } }, "aws:assumeRoles": [{ roleArn: "arn:aws:iam::123456789012:role/deploy" }],
      "aws:maxRetries": "7", "aws:sharedConfigFiles": ["/etc/aws/config"], "aws:accessKey": "AKIAEXAMPLE",
    });
    const [provider] = r.resources.filter((x) => x.type === "pulumi:providers:aws");
    expect(provider.name).toMatch(/us-east-1$/);
    expect(provider.inputs).toEqual(expect.objectContaining({
      region: "us-east-1", profile: "ops", allowedAccountIds: '["123456789012"]', forbiddenAccountIds: '["210987654321"]',
      defaultTags: '{"tags":{"team":"web"}}', assumeRoles: '[{"roleArn":"arn:aws:iam::123456789012:role/deploy"}]',
      maxRetries: "7", sharedConfigFiles: '["/etc/aws/config"]',
    }));
    // A key is handed on as a secret.
    expect(provider.inputs.accessKey).toBe("[secret]");
    expect(provider.plainInputs.accessKey).toBe("AKIAEXAMPLE");
  });
});

describe("row 9: fullstack:region and aws:region are one region (resources follow the provider; servers read Parameter Store in fullstack:region)", () => {
  it("refuses a difference or an unset provider region, naming both keys", () => {
    expect(() => checkProviderRegion("eu-central-1", "eu-central-1")).not.toThrow();
    const err = settingsError(() => checkProviderRegion("eu-central-1", "us-east-1"));
    expect(isSettingsError(err)).toBe(true);
    expect(err!.message).toMatch(/^fullstack:region "eu-central-1" differs from aws:region "us-east-1"/);
    expect(settingsError(() => checkProviderRegion("eu-central-1", undefined))!.message).toMatch(/^fullstack:region .*aws:region/);
  });

  it("aws-dev with aws:region us-east-1 stops with that error", async () => {
    await expect(planStack("aws-dev", { "aws:region": "us-east-1" })).rejects.toThrow(/fullstack:region "eu-central-1" differs from aws:region "us-east-1"/);
  });
});

describe("row 10: createDnsZone with cdnDomain uses the zone it creates (route53.getZone fails before the zone exists)", () => {
  it("aws-prod with createDnsZone: one zone, made before the CDN; every record goes in it; no look-up; the zone keeps its old URN by alias", async () => {
    const cfg = readStackConfig(ROOT, "aws-prod");
    const aliases: unknown[] = [];
    const r = await runStack({
      project: cfg.project, stack: "aws-prod", config: { ...cfg.config, "fullstack:createDnsZone": "true" }, secretKeys: cfg.secretKeys,
      program: () => {
        pulumi.runtime.registerStackTransformation((a) => {
          if (a.type === "aws:route53/zone:Zone") aliases.push(...(a.opts.aliases ?? []));
          return undefined;
        });
        return program();
      },
    });
    const zones = ofType(r, "aws:route53/zone:Zone");
    expect(zones.map((z) => z.plainInputs.name)).toEqual(["example.com"]);
    expect(zones[0].parent).toMatch(/fullstack:app:FullStackApp::shop-aws-prod$/);
    expect(zones[0].protect).toBe(true);
    const records = ofType(r, "aws:route53/record:Record");
    // The CDN's validation and alias records, and the site's: all in the created zone (the mock's
    // route53.getZone answers Z0123456789MOCK, the created zone gets its own id).
    expect(records.map((x) => x.name).sort()).toEqual(expect.arrayContaining(["shop-aws-prod-static-cdn-dns", "shop-aws-prod-static-cdn-cert-validation", "shop-aws-prod-dns"]));
    for (const rec of records) expect({ record: rec.name, zoneId: rec.plainInputs.zoneId }).toEqual({ record: rec.name, zoneId: expect.not.stringMatching(/MOCK/) });
    expect(new Set(records.map((x) => x.plainInputs.zoneId)).size).toBe(1);
    // Before, the zone was the web tier's child: the alias names that parent, so an upgrade moves it in place.
    expect(aliases).toHaveLength(1);
    expect(await new Promise((resolve) => pulumi.output((aliases[0] as { parent: pulumi.Input<string> }).parent).apply(resolve)))
      .toMatch(/::(pulumi:pulumi:Stack\$)?fullstack:app:FullStackApp\$fullstack:web:WebTier::shop-aws-prod$/);
  });

  it("without createDnsZone the zone is looked up, as before", async () => {
    const r = await plan("aws-prod");
    expect(ofType(r, "aws:route53/zone:Zone")).toEqual([]);
    for (const rec of ofType(r, "aws:route53/record:Record")) expect(rec.plainInputs.zoneId).toBe("Z0123456789MOCK");
  });
});

describe("row 11: the AWS catalog (EC2 InstanceType enum of @pulumi/aws; regions disabled by default)", () => {
  it("offers exactly the sizes of its families that EC2 has", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const enumValues = Object.values(require("@pulumi/aws/types/enums/ec2").InstanceType as Record<string, string>);
    const families = Object.keys(EC2_SIZES);
    const inEnum = enumValues.filter((v) => families.includes(v.split(".")[0])).sort();
    expect([...EC2_SIZE_LIST].sort()).toEqual(inEnum);
  });

  it.each(["t2.8xlarge", "t3.metal", "m5.32xlarge", "c7i.96xlarge"])("refuses %s, which does not exist, naming fullstack:webSize", (size) => {
    const err = settingsError(() => loadSettings({ ...AWS, webSize: size }));
    expect(err!.message).toMatch(/^fullstack:webSize /);
  });

  it("accepts real sizes, and the opt-in regions (documented: AWS answers for an account that has not opted in)", () => {
    for (const size of ["t3.small", "m7i.metal-24xl", "c5.9xlarge"]) expect(loadSettings({ ...AWS, webSize: size }).web.size).toBe(size);
    for (const region of OPT_IN_REGIONS) expect(loadSettings({ ...AWS, region }).region).toBe(region);
  });
});

describe("row 11: RDS for PostgreSQL classes and ElastiCache node types are exact lists (RDS User Guide, Supported DB engines for DB instance classes; ElastiCache API CacheNode, User Guide Supported node types)", () => {
  const standard = { ...AWS, profile: "standard" };

  it.each(["db.t4g.24xlarge", "db.m7g.nano", "db.m7g.metal", "db.t2.micro", "db.m4.large", "db.q9.large", "db.t4g.micro "])(
    "refuses the database size %j, naming fullstack:dbSize and giving examples", (size) => {
      const err = settingsError(() => loadSettings({ ...standard, dbSize: size }));
      expect(isSettingsError(err)).toBe(true);
      expect(err!.message).toMatch(/^fullstack:dbSize /);
      expect(err!.message).toContain("db.t4g.micro, db.t4g.small, db.m7g.large, db.r7g.large");
    });

  // T2 is previous generation (no new clusters); r6gd needs data tiering, which the replication group does not enable.
  it.each(["cache.m7g.nano", "cache.t4g.large", "cache.t2.micro", "cache.r6gd.xlarge", "cache.m3.large", "cache.r7g.24xlarge"])(
    "refuses the cache size %j, naming fullstack:redisSize and giving examples", (size) => {
      const err = settingsError(() => loadSettings({ ...standard, redisSize: size }));
      expect(isSettingsError(err)).toBe(true);
      expect(err!.message).toMatch(/^fullstack:redisSize /);
      expect(err!.message).toContain("cache.t4g.micro, cache.t4g.small, cache.m7g.large");
    });

  it("accepts every class and node type in the lists, and the lists hold the defaults, the examples, the stacks' and the README's sizes", () => {
    for (const size of RDS_POSTGRES_CLASS_LIST) expect(loadSettings({ ...standard, dbSize: size }).postgres.size).toBe(size);
    for (const size of ELASTICACHE_NODE_TYPE_LIST) expect(loadSettings({ ...standard, redisSize: size }).redis.size).toBe(size);
    const aws = CATALOG.aws;
    expect(RDS_POSTGRES_CLASS_LIST).toEqual(expect.arrayContaining([aws.defaultDbSize, ...aws.dbSizeExamples, "db.t4g.micro", "db.t4g.small", "db.m7g.large", "db.r7g.large"]));
    expect(ELASTICACHE_NODE_TYPE_LIST).toEqual(expect.arrayContaining([aws.defaultCacheSize, aws.scaledCacheSize, ...aws.cacheSizeExamples, "cache.t4g.micro", "cache.t4g.small", "cache.m7g.large"]));
    const mentioned = (text: string) => text.match(/\b(db|cache)\.[a-z][a-z0-9]*\.[a-z0-9]+\b/g) ?? [];
    const texts = [readFileSync(join(ROOT, "README.md"), "utf8"), ...AWS_STACKS.map((s) => readFileSync(join(ROOT, "stacks", `Pulumi.${s}.yaml`), "utf8"))];
    const sizes = texts.flatMap(mentioned);
    expect(sizes.length).toBeGreaterThan(3);
    for (const size of sizes) expect([...RDS_POSTGRES_CLASS_LIST, ...ELASTICACHE_NODE_TYPE_LIST]).toContain(size);
    expect(new Set(RDS_POSTGRES_CLASS_LIST).size).toBe(RDS_POSTGRES_CLASS_LIST.length);
    expect(new Set(ELASTICACHE_NODE_TYPE_LIST).size).toBe(ELASTICACHE_NODE_TYPE_LIST.length);
  });

  it("agrees with @pulumi/aws's rds.InstanceType enum where the enum has the class type; the enum lacks db.m7g (aws-prod's), db.r7g, db.m8g, db.m6i", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const enumValues = Object.values(require("@pulumi/aws/types/enums/rds").InstanceType as Record<string, string>);
    const types = Object.keys(RDS_POSTGRES_CLASSES);
    const known = types.filter((t) => enumValues.some((v) => v.startsWith(`db.${t}.`)));
    expect(known.sort()).toEqual(["m5", "m6g", "r5", "r6g", "t3", "t4g"]);
    const inEnum = [...new Set(enumValues.filter((v) => known.includes(v.split(".")[1])))].sort();
    expect(RDS_POSTGRES_CLASS_LIST.filter((c) => known.includes(c.split(".")[1])).sort()).toEqual(inEnum);
  });

  it("the cloud rule fires on a class or node type outside the lists, and only on PostgreSQL", () => {
    expect(fired("aws-data-store-sizes", [res(AWS_TYPES.rds, { engine: "postgres", instanceClass: "db.t4g.24xlarge" })]))
      .toEqual([expect.stringContaining('"db.t4g.24xlarge" is not a current-generation RDS for PostgreSQL class')]);
    expect(fired("aws-data-store-sizes", [res(AWS_TYPES.rds, { engine: "mysql", instanceClass: "db.t4g.24xlarge" })])).toEqual([]);
    expect(fired("aws-data-store-sizes", [res(AWS_TYPES.replicationGroup, { nodeType: "cache.m7g.nano" })]))
      .toEqual([expect.stringContaining('"cache.m7g.nano" is not a current-generation ElastiCache node type')]);
    expect(fired("aws-data-store-sizes", [res(AWS_TYPES.replicationGroup, { nodeType: "cache.t2.micro" })])).toHaveLength(1);
    expect(fired("aws-data-store-sizes", [
      res(AWS_TYPES.rds, { engine: "postgres", instanceClass: "db.m7g.large" }), res(AWS_TYPES.replicationGroup, { nodeType: "cache.m7g.large" }),
    ])).toEqual([]);
  });

  it.each(AWS_STACKS)("%s still plans, and its database and cache sizes pass the rule", async (stack) => {
    const r = await plan(stack);
    const dataStores = [...ofType(r, AWS_TYPES.rds), ...ofType(r, AWS_TYPES.replicationGroup)];
    for (const d of dataStores) expect([...RDS_POSTGRES_CLASS_LIST, ...ELASTICACHE_NODE_TYPE_LIST]).toContain(d.plainInputs.instanceClass ?? d.plainInputs.nodeType);
    expect(fired("aws-data-store-sizes", r.resources)).toEqual([]);
    if (stack === "aws-prod") {
      expect(ofType(r, AWS_TYPES.rds)[0].plainInputs.instanceClass).toBe("db.m7g.large");
      expect(ofType(r, AWS_TYPES.replicationGroup)[0].plainInputs.nodeType).toBe("cache.m7g.large");
    }
  });
});

describe("generated AWS configs: every one the settings accept builds a stack AWS accepts", () => {
  it("profiles, NAT modes, domains with created zones and CDN names, SQS or Redis, counts (60 configs)", async () => {
    const arb = fc.record({
      profile: fc.constantFrom("single", "standard", "scaled"),
      natMode: fc.constantFrom(undefined, "none", "instance", "gateway"),
      domain: fc.constantFrom(undefined, "shop.example.com"),
      createDnsZone: fc.boolean(),
      cdn: fc.boolean(),
      queueBackend: fc.constantFrom("redis", "sqs"),
      webCount: fc.integer({ min: 1, max: 4 }),
      workerCount: fc.integer({ min: 1, max: 3 }),
      taskTimeLimit: fc.constantFrom(60, 43_140, 43_141, 86_400),
      appName: fc.stringMatching(/^[a-z][a-z0-9]{0,19}$/),
    });
    let built = 0;
    await fc.assert(fc.asyncProperty(arb, async (c) => {
      const config: Record<string, unknown> = {
        ...AWS, profile: c.profile, appName: c.appName, workerKind: "celery", queueBackend: c.queueBackend, taskTimeLimit: c.taskTimeLimit,
        ...(c.natMode ? { natMode: c.natMode } : {}),
        ...(c.profile === "single" ? {} : { workerCount: c.workerCount }),
        ...(c.profile === "scaled" ? { webCount: Math.max(2, c.webCount) } : c.profile === "standard" ? { webCount: c.webCount } : {}),
        ...(c.domain ? { domain: c.domain, dnsZone: "example.com", createDnsZone: c.createDnsZone } : {}),
        ...(c.domain && c.cdn && c.profile !== "single" ? { cdnDomain: "static.example.com" } : {}),
      };
      let settled;
      try {
        settled = loadSettings(config);
      } catch (err) {
        expect(isSettingsError(err)).toBe(true);
        return;
      }
      const raw: Record<string, string> = { "aws:region": settled.region };
      for (const [k, v] of Object.entries(config)) raw[`fullstack:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
      const r = await runStack({ stack: "gen", config: raw, program });
      expect(formatViolations(checkCloudRules(r.resources, awsRules))).toBe("");
      built++;
    }), { numRuns: 60, seed: 1105 });
    expect(built).toBeGreaterThan(20);
  }, 300_000);
});


describe("row alerts (issue 15): CloudWatch alarms, SNS, Route 53 health checks, SSM parameters and targets, Lambda names", () => {
  const alarm = (p: Record<string, unknown>) => res(AWS_TYPES.metricAlarm, {
    name: "shop-web-1-cpu", namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: { InstanceId: "i-1" }, statistic: "Average",
    period: 300, evaluationPeriods: 2, threshold: 90, comparisonOperator: "GreaterThanThreshold", treatMissingData: "missing", alarmActions: ["arn:aws:sns:eu-central-1:1:t"], ...p,
  });
  it("aws-cloudwatch-alarm accepts a well-formed alarm and fires on what PutMetricAlarm refuses", () => {
    expect(fired("aws-cloudwatch-alarm", [alarm({})])).toEqual([]);
    expect(fired("aws-cloudwatch-alarm", [alarm({ comparisonOperator: "GreaterThan", treatMissingData: "zero", period: 90, extendedStatistic: "p95" })])).toEqual([
      'comparison operator "GreaterThan" is not one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold',
      'treatMissingData "zero" is not one of breaching, notBreaching, ignore, missing',
      "sets both or neither of statistic and extendedStatistic",
      "period 90 is not 10, 20, 30 or a multiple of 60",
    ]);
    expect(fired("aws-cloudwatch-alarm", [alarm({ period: 1800, evaluationPeriods: 49, datapointsToAlarm: 50, name: "x".repeat(256) })])).toEqual([
      "alarm name is 256 characters, not 1 to 255", "datapointsToAlarm is more than evaluationPeriods", "period x evaluationPeriods is 88200 s, over 86400 (a day, for periods under an hour)",
    ]);
    // Periods of an hour or more may be evaluated over seven days (PutMetricAlarm, Period), not more.
    expect(fired("aws-cloudwatch-alarm", [alarm({ period: 3600, evaluationPeriods: 168 })])).toEqual([]);
    expect(fired("aws-cloudwatch-alarm", [alarm({ period: 20 })])).toEqual([]);
    expect(fired("aws-cloudwatch-alarm", [alarm({ period: 3600, evaluationPeriods: 169 })])).toEqual(["period x evaluationPeriods is 608400 s, over 604800 (seven days)"]);
    expect(fired("aws-cloudwatch-alarm", [alarm({ namespace: ":bad" })])).toEqual(['namespace ":bad" is not 1 to 255 characters not starting with ":"']);
    expect(fired("aws-cloudwatch-alarm", [alarm({ statistic: undefined, extendedStatistic: "p95.123" })])).toEqual(['extended statistic "p95.123" is not a percentile such as p95']);
  });
  it("aws-cloudwatch-alarm fires on a metric math alarm with no query returning data, an id PutMetricAlarm refuses, or a metric beside the queries", () => {
    const math = (queries: unknown[], p: Record<string, unknown> = {}) => alarm({ namespace: undefined, metricName: undefined, statistic: undefined, period: undefined, dimensions: undefined, metricQueries: queries, ...p });
    const m = { id: "requests", returnData: false, metric: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", period: 300, stat: "Sum" } };
    expect(fired("aws-cloudwatch-alarm", [math([m, { id: "rate", expression: "m1", returnData: true }])])).toEqual([]);
    expect(fired("aws-cloudwatch-alarm", [math([{ ...m, id: "Requests" }], { metricName: "RequestCount" })])).toEqual([
      "a metric math alarm (metricQueries) also sets metricName, namespace, statistic or period", "metricQueries: exactly one query must return data",
      'metric query id "Requests" does not start with a lowercase letter, or holds characters other than letters, digits and _',
    ]);
  });
  it("aws-route53-alarm-region fires on a health check alarm outside us-east-1 (Route 53 publishes its metrics there only)", () => {
    const east = res(AWS_TYPES.provider, { region: "us-east-1" }, { id: "p1" });
    const west = res(AWS_TYPES.provider, { region: "eu-central-1" }, { id: "p2" });
    const r53 = (provider?: string) => ({ ...alarm({ namespace: "AWS/Route53", metricName: "HealthCheckStatus" }), provider });
    expect(fired("aws-route53-alarm-region", [east, r53(`${east.urn}::p1`)])).toEqual([]);
    expect(fired("aws-route53-alarm-region", [west, r53(`${west.urn}::p2`)])).toEqual([expect.stringContaining("from eu-central-1; Route 53 publishes its metrics in us-east-1 only")]);
    expect(fired("aws-route53-alarm-region", [r53()])).toEqual([expect.stringContaining("from the stack's default provider")]);
  });
  it("aws-sns fires on a topic name SNS refuses and on a protocol or email endpoint it does not know", () => {
    expect(fired("aws-sns", [res(AWS_TYPES.topic, { name: "shop alerts" }), res(AWS_TYPES.topic, { name: "x".repeat(257) }), res(AWS_TYPES.topic, { name: "shop-alerts" })])).toHaveLength(2);
    expect(fired("aws-sns", [res(AWS_TYPES.subscription, { protocol: "slack", endpoint: "https://hooks.slack.com/x" }), res(AWS_TYPES.subscription, { protocol: "email", endpoint: "ops" })])).toEqual([
      'protocol "slack" is not one of http, https, email, email-json, sms, sqs, application, lambda, firehose', 'email endpoint "ops" is not an address',
    ]);
  });
  it("aws-route53-health-check fires on an interval, threshold, path or address Route 53 refuses, and on a check that names no endpoint", () => {
    const check = (p: Record<string, unknown>) => res(AWS_TYPES.healthCheck, { type: "HTTPS", fqdn: "shop.example.com", port: 443, resourcePath: "/healthz", requestInterval: 30, failureThreshold: 3, ...p });
    expect(fired("aws-route53-health-check", [check({})])).toEqual([]);
    expect(fired("aws-route53-health-check", [check({ requestInterval: 60, failureThreshold: 11, resourcePath: `/${"x".repeat(255)}`, regions: ["us-east-1"] })])).toEqual([
      "request interval 60 is not 10 or 30", "failure threshold 11 is not 1 to 10", "resource path is over 255 characters", "names 1 checker regions; at least 3",
    ]);
    expect(fired("aws-route53-health-check", [check({ fqdn: undefined, type: "HTTP" })])).toEqual(["a HTTP check names neither an IP address nor a domain name"]);
    expect(fired("aws-route53-health-check", [check({ fqdn: undefined, ipAddress: "10.0.0.7" })])).toEqual([expect.stringContaining("private, non-routable or multicast range")]);
    expect(fired("aws-route53-health-check", [check({ fqdn: undefined, ipAddress: "192.0.2.10" })])).toEqual([]);
  });
  it("aws-ssm-parameters-and-targets fires on a reserved parameter prefix and on a target of more than 50 values", () => {
    expect(fired("aws-ssm-parameters-and-targets", [res(AWS_TYPES.ssmParameter, { name: "/ssm/x" }), res(AWS_TYPES.ssmParameter, { name: "AmazonCloudWatch-shop" })]))
      .toEqual(['parameter name "/ssm/x" starts with aws or ssm, which SSM reserves']);
    const names = Array.from({ length: 51 }, (_, i) => `shop-web-${i}`);
    expect(fired("aws-ssm-parameters-and-targets", [res(AWS_TYPES.ssmAssociation, { targets: [{ key: "tag:Name", values: names }] })])).toEqual(["target tag:Name lists 51 values, more than 50"]);
  });
  it("aws-ssm-parameters-and-targets fires on a value over its tier's limit (4096 standard, 8192 advanced or intelligent-tiering)", () => {
    const param = (tier: string | undefined, length: number) => res(AWS_TYPES.ssmParameter, { name: "/fullstack/x", value: "v".repeat(length), ...(tier ? { tier } : {}) });
    expect(fired("aws-ssm-parameters-and-targets", [param(undefined, 4096), param("Advanced", 8192), param("Intelligent-Tiering", 8192)])).toEqual([]);
    expect(fired("aws-ssm-parameters-and-targets", [param(undefined, 4097)])).toEqual(['parameter "/fullstack/x" holds 4097 characters, more than the 4096 of a Standard parameter']);
    expect(fired("aws-ssm-parameters-and-targets", [param("Intelligent-Tiering", 8193)])).toEqual(['parameter "/fullstack/x" holds 8193 characters, more than the 8192 of a Intelligent-Tiering parameter']);
  });
  it("aws-log-group fires on a name CreateLogGroup refuses and on a retention PutRetentionPolicy refuses", () => {
    const group = (p: Record<string, unknown>) => res(AWS_TYPES.logGroup, { name: "/fullstack/shop-prod/app", retentionInDays: 30, ...p });
    expect(fired("aws-log-group", [group({}), group({ retentionInDays: 3653 }), group({ retentionInDays: undefined })])).toEqual([]);
    expect(fired("aws-log-group", [group({ name: "/fullstack/shop prod/app" })])).toEqual(['log group name "/fullstack/shop prod/app" is not 1 to 512 of a-z A-Z 0-9 . - _ / #']);
    expect(fired("aws-log-group", [group({ name: "x".repeat(513) })])).toHaveLength(1);
    expect(fired("aws-log-group", [group({ retentionInDays: 10 })])).toEqual([expect.stringMatching(/^retention of 10 days is not one of 1, 3, 5, 7, 14, 30/)]);
  });
  it("aws-lambda-name fires on a function name over 64 characters once Pulumi adds its 8", () => {
    expect(fired("aws-lambda-name", [res(AWS_TYPES.lambda, {}, { name: `${"a".repeat(57)}` })])).toHaveLength(1);
    expect(fired("aws-lambda-name", [res(AWS_TYPES.lambda, {}, { name: "shop-prod-webhook" })])).toEqual([]);
  });
  it("the longest app prefix the settings accept (29: the load balancer's 32) makes alert names AWS accepts", async () => {
    const prefix = "a".repeat(29);
    expect(awsNamePrefixProblems(prefix)).toEqual([]);
    const config = Object.fromEntries(Object.entries(readStackConfig(ROOT, "aws-prod").config).map(([k, v]) => [k, k === "fullstack:appName" ? prefix.slice(0, -"-aws-prod".length) : v]));
    const result = await runStack({ stack: "aws-prod", config, program });
    const names = result.resources.filter((r) => [AWS_TYPES.metricAlarm, AWS_TYPES.topic, AWS_TYPES.lambda, AWS_TYPES.ssmParameter, AWS_TYPES.ssmAssociation].includes(r.type as never));
    expect(names.length).toBeGreaterThan(20);
    expect(formatViolations(checkCloudRules(result.resources))).toBe("");
  });
});
