/**
 * Applicability as data: every key that declares where it has an effect (settings/schema.ts, `appliesTo`)
 * is refused, with one error naming it and where it applies, when set anywhere else; accepted where it
 * applies; and never refused for its declared default, which the Pulumi CLI hands to the program as if the
 * stack had set it (pulumi/pulumi sdk/go/common/workspace/config.go, mergeConfig).
 */
import { readdirSync } from "node:fs";
import {
  CATALOG, CLOUDS, appliesIn, FRAMEWORKS, KEYS, PROFILES, WORKER_KINDS, fullKey, isSettingsError, loadSettings, whereItApplies,
  type ApplicabilityContext, type KeyDecl,
} from "../settings";
import { readStackConfig } from "../tools/stackConfig";
import { ROOT } from "./helpers";

const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example";

const CONTEXTS: ApplicabilityContext[] = CLOUDS.flatMap((cloud) => PROFILES.flatMap((profile) => FRAMEWORKS.flatMap((framework) =>
  WORKER_KINDS.map((workerKind) => ({ cloud, profile, framework, workerKind })))));

/** A config that loads in the context, with every context setting given. */
function baseConfig(c: ApplicabilityContext): Record<string, unknown> {
  return {
    appRepo: "https://github.com/acme/shop.git", cloud: c.cloud, profile: c.profile, framework: c.framework, workerKind: c.workerKind,
    ...(c.cloud === "digitalocean" ? { adminSshKeys: [SSH_KEY], adminCidrs: ["203.0.113.7/32"] } : { region: "eu-central-1" }),
  };
}

/** A valid value other than the default for each key that declares where it applies. */
const SAMPLE: Record<string, (c: ApplicabilityContext) => unknown> = {
  natMode: () => "instance",
  serverImage: () => "baked",
  loadBalancer: () => true,
  releaseCidrs: () => ["198.51.100.4/32"],
  djangoSettingsModule: () => "shop.settings",
  staticDir: () => "assets",
  workerApp: () => "shop",
  workerQueues: () => ["emails"],
  workerConcurrency: () => 4,
  workerCount: () => 3,
  workerSize: (c) => CATALOG[c.cloud].sizeExamples[1],
  taskTimeLimit: () => 600,
  scheduler: () => false,
  pgVersion: () => "16",
  dbSize: (c) => CATALOG[c.cloud].dbSizeExamples[2],
  dbNodes: (c) => (c.profile === "scaled" ? 3 : 1),
  dbPoolSize: () => 10,
  redisSize: (c) => CATALOG[c.cloud].scaledCacheSize,
  redisNodes: () => (1),
  redisMaxMemoryMb: () => 512,
  volumeSizeGb: () => 40,
  backupRetentionDays: () => 14,
  spacesAccessId: () => "DO00EXAMPLEKEY1234",
  spacesSecretKey: () => "s3cr3t",
  queueBackend: () => "sqs",
  offsiteBackups: () => true,
  // A scaled managed stack without workers has no server to run a drill on (every server is in a group, or
  // several web servers): asking is refused there.
  restoreDrill: (c) => (c.profile === "scaled" && c.workerKind === "none" ? "off" : "daily"),
  restoreProbeSql: () => "SELECT true",
  restoreDrillToken: () => DO_TOKEN,
  logRetentionDays: () => 14,
  alertSlackChannel: () => "#ops",
  alertLoadPerCpu: () => 4,
  alertDbConnections: () => 50,
  alertDbFreeStorageGb: () => 5,
  alertQueueAgeSeconds: () => 1200,
  alertDataLossHours: () => 30,
};
/** A token as DigitalOcean issues them (not a real one): the DigitalOcean managed drill's. */
const DO_TOKEN = `dop_v1_${"ab12".repeat(16)}`;
/** DigitalOcean's managed drill exists only with its token (settings/read/operations.ts). */
const withDrillToken = (c: ApplicabilityContext, value: unknown) => (c.cloud === "digitalocean" && c.profile !== "single" && value !== "off" ? { restoreDrillToken: DO_TOKEN } : {});
/** Keys that only go with another where they apply (a Spaces key pair), given the context and the key's sample value. */
const COMPANIONS: Record<string, Record<string, unknown> | ((c: ApplicabilityContext, value: unknown) => Record<string, unknown>)> = {
  restoreDrill: withDrillToken,
  restoreProbeSql: withDrillToken,
  spacesAccessId: { spacesSecretKey: "s3cr3t", bucket: true },
  spacesSecretKey: { spacesAccessId: "DO00EXAMPLEKEY1234", bucket: true },
  // Alert thresholds need someone to alert; the channel goes with a webhook; queue age with SQS queues.
  alertSlackChannel: { alertWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX" },
  alertLoadPerCpu: { alertEmails: ["ops@example.com"] },
  alertDbConnections: { alertEmails: ["ops@example.com"] },
  alertDbFreeStorageGb: { alertEmails: ["ops@example.com"] },
  alertQueueAgeSeconds: { alertEmails: ["ops@example.com"], queueBackend: "sqs" },
  alertDataLossHours: { alertEmails: ["ops@example.com"] },
};

const DECLARING = KEYS.filter((k): k is KeyDecl & { appliesTo: NonNullable<KeyDecl["appliesTo"]> } => k.appliesTo !== undefined);

function applies(k: KeyDecl, c: ApplicabilityContext): boolean {
  return appliesIn(k.appliesTo, c);
}

function errorOf(config: Record<string, unknown>): Error | undefined {
  try {
    loadSettings(config);
    return undefined;
  } catch (err) {
    expect(isSettingsError(err)).toBe(true);
    return err as Error;
  }
}

const label = (c: ApplicabilityContext) => `${c.cloud}/${c.profile}/${c.framework}/${c.workerKind}`;

describe("applicability", () => {
  it("the keys the issue names say where they apply", () => {
    const of = (key: string) => KEYS.find((k) => k.key === key)?.appliesTo;
    expect(of("natMode")).toEqual({ cloud: ["aws"] });
    expect(of("serverImage")).toEqual({ cloud: ["digitalocean"] });
    expect(of("redisMaxMemoryMb")).toEqual({ profile: ["single"] });
    expect(of("volumeSizeGb")).toEqual({ profile: ["single"] });
    expect(of("dbNodes")).toEqual({ profile: ["standard", "scaled"] });
    expect(of("workerConcurrency")).toEqual({ workerKind: ["celery"] });
    expect(DECLARING.map((k) => k.key).sort()).toEqual(Object.keys(SAMPLE).sort());
  });

  it.each(CONTEXTS.map((c) => [label(c), c] as const))("the base config loads in %s", (_label, c) => {
    expect(errorOf(baseConfig(c))).toBeUndefined();
  });

  const rows = DECLARING.flatMap((k) => CONTEXTS.map((c) => [k.key, label(c), applies(k, c), k, c] as const));

  it.each(rows)("%s in %s (applies: %s)", (key, _label, applicable, k, c) => {
    const value = SAMPLE[key](c);
    if (applicable) {
      const companions = COMPANIONS[key];
      expect(errorOf({ ...baseConfig(c), [key]: value, ...(typeof companions === "function" ? companions(c, value) : companions ?? {}) })).toBeUndefined();
      return;
    }
    const error = errorOf({ ...baseConfig(c), [key]: value });
    expect(error).toBeDefined();
    const message = error!.message;
    expect(message.startsWith(`${fullKey(key)} `)).toBe(true);
    expect(message).toContain("has no effect ");
    for (const where of whereItApplies(k.appliesTo!)) expect(message).toContain(where);
    // One error, about this key only: once removed, the same config loads.
    expect(errorOf(baseConfig(c))).toBeUndefined();
    // Its default, as the CLI hands it over (text), asks for nothing.
    if (k.default !== undefined) {
      const asText = typeof k.default === "string" ? k.default : JSON.stringify(k.default);
      expect(errorOf({ ...baseConfig(c), [key]: asText })).toBeUndefined();
      expect(errorOf({ ...baseConfig(c), [key]: k.default })).toBeUndefined();
    }
  });

  it("names the setting that rules the key out, and the cloud by its title", () => {
    const base = baseConfig({ cloud: "digitalocean", profile: "standard", framework: "django", workerKind: "rq" });
    expect(errorOf({ ...base, redisMaxMemoryMb: 512 })?.message).toBe(
      "fullstack:redisMaxMemoryMb 512 has no effect while fullstack:profile is standard; it applies only with fullstack:profile single: remove fullstack:redisMaxMemoryMb here");
    expect(errorOf({ ...base, workerConcurrency: 8 })?.message).toContain("has no effect while fullstack:workerKind is rq; it applies only with fullstack:workerKind celery");
    expect(errorOf({ ...base, natMode: "gateway" })?.message).toContain("has no effect on DigitalOcean; it applies only with fullstack:cloud aws");
    // A secret is never shown.
    const aws = baseConfig({ cloud: "aws", profile: "standard", framework: "django", workerKind: "none" });
    expect(errorOf({ ...aws, spacesSecretKey: "s3cr3t" })?.message).toMatch(/^fullstack:spacesSecretKey "\[secret\]" has no effect on AWS/);
    // AWS has no baked images: asking for one is refused; its default, as the CLI hands it over, is not.
    expect(errorOf({ ...aws, serverImage: "baked" })?.message).toBe(
      "fullstack:serverImage \"baked\" has no effect on AWS; it applies only with fullstack:cloud digitalocean: remove fullstack:serverImage here");
    expect(errorOf({ ...aws, serverImage: "stock" })).toBeUndefined();
  });
});

describe("keys that only matter with a domain, the bucket, alert recipients or heartbeats", () => {
  const baseContext: ApplicabilityContext = { cloud: "digitalocean", profile: "single", framework: "django", workerKind: "none" };
  const VALUE: Record<string, unknown> = {
    dnsZone: "example.com", createDnsZone: true, acmeEmail: "ops@example.com",
    cdnDomain: "static.example.com", corsOrigins: ["https://shop.example.com"], spacesAccessId: "DO00EXAMPLEKEY1234", spacesSecretKey: "s3cr3t",
    heartbeatMinutes: 10,
    alertSlackChannel: "#ops", alertCpuPercent: 80, alertMemoryPercent: 80, alertDiskPercent: 70, alertLoadPerCpu: 4, alertLatencyMs: 500,
    alertErrorRatePercent: 2, alertDbConnections: 50, alertDbFreeStorageGb: 5, alertQueueAgeSeconds: 1200, alertDataLossHours: 30,
  };
  const NEEDS: Record<string, string> = {
    domain: "needs fullstack:domain", bucket: "needs the bucket", alerts: "needs alert recipients", heartbeat: "needs fullstack:heartbeatUrl",
  };
  const needing = KEYS.filter((k) => k.needs !== undefined);

  it("are declared as such", () => {
    expect(needing.map((k) => `${k.key}:${k.needs}`).sort()).toEqual([
      "acmeEmail:domain", "alertCpuPercent:alerts", "alertDataLossHours:alerts", "alertDbConnections:alerts", "alertDbFreeStorageGb:alerts", "alertDiskPercent:alerts",
      "alertErrorRatePercent:alerts", "alertLatencyMs:alerts", "alertLoadPerCpu:alerts", "alertMemoryPercent:alerts", "alertQueueAgeSeconds:alerts",
      "alertSlackChannel:alerts", "cdnDomain:bucket", "corsOrigins:bucket", "createDnsZone:domain", "dnsZone:domain", "heartbeatMinutes:heartbeat",
      "spacesAccessId:bucket", "spacesSecretKey:bucket",
    ]);
  });

  it.each(needing.map((k) => [k.key, k] as const))("%s is refused without it, naming what it needs", (key, k) => {
    // The single profile has no bucket and this config no domain, heartbeat URL or alert recipients; a key that
    // applies only elsewhere is tried where it applies.
    const context = applies(k, baseContext) ? baseContext : CONTEXTS.find((c) => applies(k, c))!;
    const message = errorOf({ ...baseConfig(context), [key]: VALUE[key] })?.message ?? "";
    expect(message.startsWith(`${fullKey(key)} `)).toBe(true);
    expect(message).toContain(NEEDS[k.needs!]);
    if (k.secret) expect(message).not.toContain(String(VALUE[key]));
  });
});

describe("every checked-in stack, merged as the CLI merges it (declared defaults included), still loads", () => {
  const stacks = readdirSync(`${ROOT}/stacks`).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined);
  it.each(stacks)("%s", (stack) => {
    const { config } = readStackConfig(ROOT, stack);
    const raw = Object.fromEntries(Object.entries(config).filter(([key]) => key.startsWith("fullstack:")).map(([key, value]) => [key.slice("fullstack:".length), value]));
    expect(errorOf(raw)).toBeUndefined();
  });
});
