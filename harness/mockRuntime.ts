/**
 * Runs a Pulumi program under Pulumi's own mock runtime and records every resource the engine would
 * be asked to create: type, name, parent, resource options and inputs, with secrets kept apart.
 * Used by `npm run plan` and by the tests; no CLI, no cloud, no network.
 */
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";

/** Resolves once the runtime's RPC queue is empty (an internal of the pinned SDK, checked at load). */
const waitForRPCs = (runtimeSettings as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs;
if (typeof waitForRPCs !== "function") throw new Error("@pulumi/pulumi no longer exports waitForRPCs; update harness/mockRuntime.ts");

/** Stands in for a secret value in recorded inputs. */
export const SECRET = "[secret]";

export interface RecordedResource {
  urn: string;
  /** The id the mock gave the resource (what other resources receive as its `.id`). */
  id?: string;
  type: string;
  name: string;
  /** URN of the parent resource, if any. */
  parent?: string;
  custom: boolean;
  protect: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  /** Properties whose change replaces the resource (the `replaceOnChanges` option). */
  replaceOnChanges?: string[];
  /** The `customTimeouts` option, as the engine gets it (`create`, `update`, `delete` as duration text). */
  customTimeouts?: { create: string; update: string; pb_delete: string };
  /** URNs of the resources this one waits for (its inputs' resources and `dependsOn`), as the engine gets them. */
  dependencies?: string[];
  /** The provider reference (`<provider urn>::<provider id>`) of a resource given an explicit provider; unset for the default one. */
  provider?: string;
  /** The resource's aliases (old identities it keeps), as the engine gets them: `{ urn }` or `{ name, type, parentUrn, noParent }`. */
  aliases?: Record<string, unknown>[];
  /** Inputs with every secret replaced by {@link SECRET}. */
  inputs: Record<string, unknown>;
  /** Inputs with secrets in plain text (for tests that hunt for leaks). */
  plainInputs: Record<string, unknown>;
  /** Plain-text values of every secret in the inputs. */
  secretValues: string[];
}

export interface StackOutput {
  value: unknown;
  secret: boolean;
}

export interface RunResult {
  resources: RecordedResource[];
  outputs: Record<string, StackOutput>;
  /** The stack config the program ran with (the default providers' settings among it, e.g. aws:region). */
  config?: Record<string, string>;
}

export interface RunOptions {
  project?: string;
  stack: string;
  /** Full keys (`fullstack:region`) to raw string values, as Pulumi passes config to programs. */
  config: Record<string, string>;
  secretKeys?: string[];
  /** The program; what it returns becomes the stack outputs. */
  program: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

let recording: RecordedResource[] | undefined;

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getCustomtimeouts(): { toObject(): { create: string; update: string; pb_delete: string } } | undefined;
  getDependenciesList(): string[];
  getAliasesList(): { toObject(): Record<string, unknown> }[];
  getProvider(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

// Record each registration with its options before the mock answers it.
const original = MockMonitor.prototype.registerResource;
MockMonitor.prototype.registerResource = async function (this: MockMonitor, req: RegisterRequest, callback: (err: unknown, res: unknown) => void) {
  let record: RecordedResource | undefined;
  if (recording) {
    const raw = req.getObject()?.toJavaScript() ?? {};
    const collected: string[] = [];
    const masked = unwrap(raw, true, collected) as Record<string, unknown>;
    const plain = unwrap(raw, false, []) as Record<string, unknown>;
    // One secret field makes a whole object input secret (a release Command's `connection`, for its
    // private key), so the address, user and host key beside the key arrive as secret too. They are not.
    const conn = req.getType() === "command:remote:Command" ? plain.connection as Record<string, unknown> | undefined : undefined;
    const besideTheKey = new Set([conn?.host, conn?.user, conn?.hostKey].filter((x): x is string => typeof x === "string"));
    const secretValues = collected.filter((v) => !besideTheKey.has(v));
    const parent = req.getParent();
    record = {
      urn: urnOf(parent, req.getType(), req.getName()),
      type: req.getType(),
      name: req.getName(),
      parent: parent || undefined,
      custom: req.getCustom(),
      protect: req.getProtect() ?? false,
      deleteBeforeReplace: req.getDeletebeforereplace(),
      ignoreChanges: req.getIgnorechangesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      customTimeouts: req.getCustomtimeouts()?.toObject(),
      dependencies: req.getDependenciesList(),
      aliases: req.getAliasesList().map((a) => a.toObject()),
      provider: req.getProvider() || undefined,
      inputs: masked,
      plainInputs: plain,
      secretValues,
    };
    recording.push(record);
  }
  const done = (err: unknown, res: { getId?: () => string } | undefined) => {
    if (record && res?.getId) record.id = res.getId() || undefined;
    callback(err, res);
  };
  return original.call(this, req as never, done as never);
} as typeof original;

/** The URN the mock monitor gives a resource (same rule as MockMonitor.newUrn). */
function urnOf(parent: string, type: string, name: string): string {
  const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

function unwrap(value: unknown, mask: boolean, secrets: string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => unwrap(v, mask, secrets));
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) {
      const inner = unwrap(obj.value, false, []);
      collectStrings(inner, secrets);
      return mask ? SECRET : inner;
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrap(v, mask, secrets)]));
  }
  return value;
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, into));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => collectStrings(v, into));
}

/**
 * A real ed25519 key pair in OpenSSH formats, as the tls provider returns it (`privateKeyOpenssh`,
 * `publicKeyOpenssh` with a trailing newline), deterministic per seed text so two runs of one program agree.
 * Real, so the server test can log in with it (the OpenSSH private key format: PROTOCOL.key in OpenSSH).
 */
export function openSshEd25519(seedText: string): Record<string, string> {
  const seed = createHash("sha256").update(seedText).digest();
  const key = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" });
  const pub = createPublicKey(key).export({ format: "der", type: "spki" }).subarray(-32);
  const str = (b: Buffer | string) => {
    const buf = typeof b === "string" ? Buffer.from(b) : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(buf.length);
    return Buffer.concat([len, buf]);
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const pubBlob = Buffer.concat([str("ssh-ed25519"), str(pub)]);
  const check = seed.readUInt32BE(0);
  let priv = Buffer.concat([u32(check), u32(check), str("ssh-ed25519"), str(pub), str(Buffer.concat([seed, pub])), str("")]);
  const pad: number[] = [];
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const body = Buffer.concat([Buffer.from("openssh-key-v1\0", "binary"), str("none"), str("none"), str(""), u32(1), str(pubBlob), str(priv)]).toString("base64");
  const wrapped = body.match(/.{1,70}/g)!.join("\n");
  return {
    algorithm: "ED25519",
    privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrapped}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKeyOpenssh: `ssh-ed25519 ${pubBlob.toString("base64")}\n`,
  };
}

/** A number per resource that two runs of one program agree on (generated credentials must not differ between builds). */
function stable(type: string, name: string): number {
  return parseInt(createHash("sha256").update(`${type}:${name}`).digest("hex").slice(0, 8), 16);
}

/** The snapshot ID an image bake named `imageName` prints under these mocks (see fakeOutputs). */
export function mockSnapshotId(imageName: string): string {
  return String(100_000_000 + stable("command:local:Command", imageName));
}

/** Plausible provider outputs, so programs that read them (addresses, ids) behave as in a real run. */
function fakeOutputs(type: string, name: string, inputs: Record<string, unknown>, id: number, region = "eu-central-1"): Record<string, unknown> {
  // Stable per resource, so two builds of one program give a server the same address.
  const octet = (stable(type, name) % 250) + 2;
  switch (type) {
    case "digitalocean:index/vpc:Vpc":
      return { ipRange: inputs.ipRange ?? "10.110.0.0/20", urn: `do:vpc:${id}` };
    case "digitalocean:index/droplet:Droplet":
      return { ipv4Address: `203.0.113.${octet}`, ipv4AddressPrivate: `10.110.0.${octet}`, urn: `do:droplet:${id}` };
    case "digitalocean:index/loadBalancer:LoadBalancer":
      return { ip: `198.51.100.${octet}` };
    case "digitalocean:index/reservedIp:ReservedIp":
      return { ipAddress: `192.0.2.${octet}` };
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString": {
      // Deterministic per name, so two runs of one config agree; different per resource.
      const length = Number(inputs.length ?? 16);
      const seed = createHash("sha256").update(`${type}:${name}`).digest("hex");
      const alphabet = inputs.upper === false ? "abcdefghijklmnopqrstuvwxyz0123456789" : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
      let result = "";
      for (let i = 0; result.length < length; i++) result += alphabet[parseInt(seed.slice((i * 2) % 62, ((i * 2) % 62) + 2), 16) % alphabet.length];
      return { result };
    }
    case "digitalocean:index/databaseCluster:DatabaseCluster":
      return {
        host: `${name}.db.ondigitalocean.com`, privateHost: `private-${name}.db.ondigitalocean.com`,
        port: inputs.engine === "pg" ? 25060 : 25061, user: "doadmin", password: `mock-admin-password-${stable(type, name)}`, urn: `do:dbaas:${id}`,
      };
    case "tls:index/privateKey:PrivateKey":
      return openSshEd25519(`${type}:${name}`);
    case "digitalocean:index/spacesKey:SpacesKey":
      return { accessKey: `DO00MOCK${String(stable(type, name)).padStart(12, "0")}`, secretKey: `mock-spaces-secret-${stable(type, name)}` };
    case "digitalocean:index/databaseUser:DatabaseUser":
      return { password: `mock-user-password-${stable(type, name)}` };
    case "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool":
      return { host: `pool-${id}.db.ondigitalocean.com`, privateHost: `private-pool-${id}.db.ondigitalocean.com`, port: 25061 };
    case "digitalocean:index/spacesBucket:SpacesBucket":
      return { bucketDomainName: `${inputs.name}.${inputs.region}.digitaloceanspaces.com`, urn: `do:space:${inputs.name}` };
    case "digitalocean:index/cdn:Cdn":
      return { endpoint: `${String(inputs.origin).replace(".digitaloceanspaces.com", ".cdn.digitaloceanspaces.com")}` };
    case "aws:ec2/vpc:Vpc":
      return { cidrBlock: inputs.cidrBlock, arn: `arn:aws:ec2:eu-central-1:123456789012:vpc/vpc-${id}` };
    case "aws:ec2/instance:Instance":
      return { publicIp: `203.0.113.${octet}`, privateIp: `10.0.0.${octet}`, primaryNetworkInterfaceId: `eni-${id}`, arn: `arn:aws:ec2:::instance/i-${id}` };
    case "aws:ec2/eip:Eip":
      return { publicIp: `192.0.2.${octet}` };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        arn: `arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/${inputs.name}/${id}`, arnSuffix: `app/${inputs.name}/${id}`,
        dnsName: `${inputs.name}-${id}.eu-central-1.elb.amazonaws.com`, zoneId: "Z215JYRZR1TBD5",
      };
    case "aws:lb/targetGroup:TargetGroup":
      return { arn: `arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/${name}/${id}`, arnSuffix: `targetgroup/${name}/${id}` };
    case "aws:sns/topic:Topic":
      return { arn: `arn:aws:sns:${region}:123456789012:${inputs.name ?? name}` };
    case "aws:lambda/function:Function":
      return { arn: `arn:aws:lambda:${region}:123456789012:function:${name}`, name: inputs.name ?? name };
    case "aws:acm/certificate:Certificate":
      return {
        arn: `arn:aws:acm:eu-central-1:123456789012:certificate/${id}`,
        domainValidationOptions: [{ domainName: inputs.domainName, resourceRecordName: `_x${id}.${inputs.domainName}.`, resourceRecordType: "CNAME", resourceRecordValue: `_y${id}.acm-validations.aws.` }],
      };
    case "aws:acm/certificateValidation:CertificateValidation":
      return { certificateArn: inputs.certificateArn };
    case "aws:route53/record:Record":
      return { fqdn: inputs.name };
    case "aws:route53/zone:Zone":
      return { zoneId: `Z${id}`, name: inputs.name };
    case "aws:rds/instance:Instance":
      return { address: `${inputs.identifier}.abc123.eu-central-1.rds.amazonaws.com`, port: 5432, arn: `arn:aws:rds:::db:${inputs.identifier}` };
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      return { primaryEndpointAddress: `master.${inputs.replicationGroupId}.abc123.euc1.cache.amazonaws.com`, arn: `arn:aws:elasticache:::replicationgroup:${inputs.replicationGroupId}` };
    case "aws:s3/bucket:Bucket":
      return { arn: `arn:aws:s3:::${inputs.bucket}`, bucketRegionalDomainName: `${inputs.bucket}.s3.eu-central-1.amazonaws.com` };
    case "aws:cloudfront/distribution:Distribution":
      return { arn: `arn:aws:cloudfront::123456789012:distribution/E${id}`, domainName: `d${id}.cloudfront.net`, hostedZoneId: "Z2FDTNDATAQYW2" };
    case "aws:sqs/queue:Queue":
      return { arn: `arn:aws:sqs:eu-central-1:123456789012:${name}`, url: `https://sqs.eu-central-1.amazonaws.com/123456789012/${name}` };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { arn: `arn:aws:ec2:eu-central-1:123456789012:launch-template/lt-${id}`, latestVersion: 1 };
    case "aws:autoscaling/group:Group":
      return { arn: `arn:aws:autoscaling:eu-central-1:123456789012:autoScalingGroup:${id}:autoScalingGroupName/${name}`, name: inputs.name ?? `${name}-${id}` };
    case "aws:ssm/parameter:Parameter":
      return { arn: `arn:aws:ssm:eu-central-1:123456789012:parameter${inputs.name}` };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::123456789012:role/${name}` };
    case "digitalocean:index/sshKey:SshKey":
      return { fingerprint: createHash("md5").update(String(inputs.publicKey)).digest("hex").replace(/(..)(?!$)/g, "$1:") };
    case "random:index/randomId:RandomId":
      return { hex: createHash("sha256").update(name).digest("hex").slice(0, 8) };
    case "command:local:Command": {
      // An image bake (clouds/digitalocean.ts bakeImage) prints its snapshot's ID: one per image name.
      const bakeName = (inputs.environment as Record<string, unknown> | undefined)?.FULLSTACK_BAKE_NAME;
      return typeof bakeName === "string" ? { stdout: `${mockSnapshotId(bakeName)}\n`, stderr: "" } : {};
    }
    case "digitalocean:index/certificate:Certificate":
      return { uuid: `cert-${stable(type, name)}`, name: inputs.name ?? `${name}-${stable(type, name) % 1000}` };
    default:
      return {};
  }
}

/** Plausible answers to the provider functions the adapters call. */
function fakeInvoke(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: ["eu-central-1a", "eu-central-1b", "eu-central-1c"], zoneIds: ["euc1-az2", "euc1-az3", "euc1-az1"], id: "eu-central-1" };
    case "aws:ec2/getAmi:getAmi":
      return { id: "ami-0123456789abcdef0", architecture: "x86_64", name: "mock-image", rootDeviceName: "/dev/xvda" };
    case "aws:route53/getZone:getZone":
      return { zoneId: "Z0123456789MOCK", name: inputs.name, id: "Z0123456789MOCK" };
    default:
      return inputs;
  }
}

/** Runs `program` under mocks and returns what it would create and export. */
export async function runStack(options: RunOptions): Promise<RunResult> {
  const project = options.project ?? "fullstack";
  pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
  // The region of each explicit provider (by its id, the last part of a provider reference), so ARNs name
  // the region a resource is made in.
  const providerRegions = new Map<string, string>();
  const regionOf = (provider: string | undefined) => (provider ? providerRegions.get(provider.split("::").pop()!) : undefined);
  await pulumi.runtime.setMocks({
    newResource(args) {
      if (args.type.startsWith("pulumi:providers:") && typeof (args.inputs as Record<string, unknown>).region === "string") {
        providerRegions.set(`${100000 + stable(args.type, args.name)}`, (args.inputs as Record<string, string>).region);
      }
      // Stable per resource, as a real engine keeps a resource's id from one update to the next: two
      // builds of one program then differ only where the program's inputs do.
      const id = stable(args.type, args.name);
      const inputs = args.inputs as Record<string, unknown>;
      return {
        // EBS volume IDs have a shape the AWS adapter reads (vol-<hex>); other IDs are opaque.
        id: args.type === "aws:ebs/volume:Volume" ? `vol-0${id.toString(16).padStart(16, "0")}` : `${100000 + id}`,
        state: { name: args.name, ...inputs, ...fakeOutputs(args.type, args.name, inputs, id, regionOf(args.provider)) },
      };
    },
    call(args) {
      return fakeInvoke(args.token, args.inputs as Record<string, unknown>);
    },
  }, project, options.stack, false);

  const recorded: RecordedResource[] = [];
  recording = recorded;
  try {
    let exported: Record<string, unknown> = {};
    // A program error ends the run with that error; caught here so the stack resource itself does not
    // reject (its rejected outputs would surface later as unhandled rejections).
    let programError: unknown;
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        exported = await options.program();
      } catch (err) {
        programError = err;
      }
      return programError === undefined ? exported : {};
    });
    // Let every registration (the stack's own outputs included) finish before the next run resets the mocks.
    await waitForRPCs();
    if (programError !== undefined) throw programError;
    const outputs: Record<string, StackOutput> = {};
    for (const [key, value] of Object.entries(exported)) {
      if (value === undefined) continue;
      const out = pulumi.output(value);
      outputs[key] = { value: await valueOf(out), secret: await pulumi.isSecret(out) };
    }
    await waitForRPCs();
    return { resources: recorded, outputs, config: { ...options.config } };
  } finally {
    recording = undefined;
  }
}

/** The resolved value of an output (mocks never leave values unknown). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => {
    resolve(v);
    return v;
  }));
}
