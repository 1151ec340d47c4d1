/**
 * Generated stack configs for the property tests: each key unset most of the time, else a plausible value
 * (mostly valid, some subtly wrong, some hostile: line separators, controls, look-alikes) or junk.
 */
import fc from "fast-check";
import { CONTEXT_KEYS, KEYS, appliesIn, type ApplicabilityContext } from "../settings";

export const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example";

/** Plausible values per key (mostly valid, some subtly wrong), plus arbitrary junk for any key. */
const POOLS: Record<string, unknown[]> = {
  cloud: ["digitalocean", "aws", "gcp", ""],
  profile: ["single", "standard", "scaled", "tiny"],
  region: ["fra1", "nyc3", "eu-central-1", "us-east-1", "xyz1"],
  environment: ["dev", "staging", "production", "prod"],
  protect: [true, false, "true", "false", "maybe"],
  os: ["ubuntu-24.04", "debian-12", "centos"],
  adminSshKeys: [[KEY], [], ["ssh-rsa AAAAB3NzaC1yc2E= me"], ["nope"], KEY],
  adminCidrs: [[], ["203.0.113.7/32"], ["2001:db8::/48"], ["0.0.0.0/0"], ["1.2.3.4"]],
  sshKeyIds: [[], ["12345"], ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"], ["x"]],
  appRepo: ["https://github.com/acme/shop.git", "git@github.com:acme/shop.git", "nope", undefined],
  appRef: ["main", "v1.2.3", "0123abcd", "a b", "-x"],
  framework: ["django", "flask", "bottle"],
  webCount: [1, 2, 3, 0, -1, "2", 51],
  webSize: ["s-1vcpu-1gb", "s-2vcpu-4gb", "t3.small", "m7i.large", "huge"],
  workerKind: ["celery", "rq", "none", "huey"],
  workerCount: [1, 2, 0],
  workerQueues: [["default"], ["default", "emails"], [], ["a b"]],
  queueBackend: ["redis", "sqs", "kafka"],
  natMode: ["none", "instance", "gateway", "always"],
  dbNodes: [1, 2, 3, 4],
  dbSize: ["db-s-1vcpu-1gb", "db.t4g.micro", "big"],
  redisSize: ["db-s-1vcpu-1gb", "cache.t4g.micro", "small"],
  domain: ["shop.example.com", "example.com", "shop", undefined],
  loadBalancer: [true, false, "true"],
  acmeEmail: ["ops@example.com", "-x@example.com", "nope"],
  dnsZone: ["example.com", "other.org"],
  cdnDomain: ["static.example.com", "cdn.other.org"],
  bucket: [true, false],
  spacesAccessId: ["DO00EXAMPLEKEY1234", ""],
  spacesSecretKey: ["s3cr3t", ""],
  appEnv: [[], ["A=1"], ["a=1"], ["X=" + "y".repeat(5000)]],
  gunicornWorkers: [0, 4, 65],
  taskTimeLimit: [60, 0, 86401],
  // Hostile: characters that YAML 1.1 (cloud-init's PyYAML) reads as line breaks, or refuses, or that
  // hide a change from a reviewer.
  timezone: ["UTC", "Europe/Berlin", "UTC\u2028bootcmd: [[id]]"],
  gunicornVersion: ["23.0.0", "23.0.0\u0085x"],
  offsiteBackups: [true, false, "true"],
  restoreDrill: ["daily", "weekly", "off", "hourly"],
  restoreProbeSql: ["SELECT true", "SELECT count(*) > 0 FROM jobs", "DROP TABLE jobs"],
  heartbeatUrl: ["https://hc-ping.com/ping-key", "https://hc-ping.com/ping-key/", "http://hc-ping.com/x"],
  heartbeatMinutes: [5, 1, 0],
  sentryDsn: ["https://k@o1.ingest.sentry.io/2", "sentry"],
  logRetentionDays: [30, 14, 10, 0],
  logSink: ["syslog+tls://logs.example.com:6514", "syslog://10.0.0.5:5140", "syslog://logs.example.com:514", 'syslog+tls://logs.example.com:6514" x="', "syslog+tls://logs\u2028.example.com:1"],
  alertEmails: [["ops@example.com"], ["ops@example.com", "oncall@example.com"], [], ["ops"], ["a@example.com", "A@example.com"]],
  alertWebhookUrl: ["https://hooks.slack.com/services/T000/B000/XXXX", "http://hooks.example.com/x", "hooks"],
  alertCpuPercent: [80, 0, 101],
  alertErrorRatePercent: [2, 100],
  alertQueueAgeSeconds: [900, 30],
  alertDataLossHours: [25, 2, 0],
};

/** Values with the characters YAML 1.1 and 1.2 read differently, or that PyYAML refuses. */
export const HOSTILE_CHARS = ["\u2028", "\u2029", "\u0085", "\u0001", "\u007f", "\u0099", "\ufffe", "\u202e", "\u200b", "\n", "\t", "é", "中"];
const hostileText = fc.array(fc.oneof(fc.constantFrom(...HOSTILE_CHARS), fc.string({ maxLength: 3 })), { maxLength: 6 }).map((parts) => parts.join(""));
Object.assign(POOLS, {
  adminSshKeys: [...POOLS.adminSshKeys, [`${KEY}\u2028bootcmd: [[touch, /pwned]]`], [`${KEY.replace("ops@example", "ops\u0085x")}`]],
  appEnv: [...POOLS.appEnv, ["A=x\u2028runcmd: [[id]]"], ["A=\u0001"], ["GREETING=grüß dich 中文"]],
  spacesSecretKey: [...POOLS.spacesSecretKey, "s\u2029x", "s\u007f"],
  spacesAccessId: [...POOLS.spacesAccessId, "DO00EXAMPLEKEY1234"],
  appRef: [...POOLS.appRef, "main\u200b", "v1\u202egnp"],
  appRepo: [...POOLS.appRepo, "https://github.com/\u0430cme/shop.git"],
});


const junk = fc.oneof(fc.string({ maxLength: 12 }), hostileText, fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }));

/** Each key is set in about one config in sixteen: mostly plausible values, sometimes junk. */
const valueFor = (key: string) => POOLS[key]
  ? fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...POOLS[key]) }, { weight: 1, arbitrary: junk })
  : junk;
const DEFAULT_CONTEXT: Record<string, unknown> = { cloud: "digitalocean", profile: "single", framework: "django", workerKind: "none" };

/**
 * The config without the keys that have no effect in its profile, cloud, framework and worker kind (those
 * the settings refuse: settings/schema.ts `appliesTo`), so that most generated configs get past that check.
 */
function withoutInapplicable(config: Record<string, unknown>): Record<string, unknown> {
  const context = Object.fromEntries(CONTEXT_KEYS.map((c) => [c, config[c] ?? DEFAULT_CONTEXT[c]]));
  return Object.fromEntries(Object.entries(config).filter(([key]) => {
    return appliesIn(KEYS.find((k) => k.key === key)?.appliesTo, context as unknown as ApplicabilityContext);
  }));
}

/** In one config in four, keys may be set where they have no effect (to exercise that refusal too). */
export const configArb = fc.tuple(fc.tuple(...KEYS.map((k) => fc.oneof({ weight: 15, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: valueFor(k.key) }))), fc.integer({ min: 0, max: 3 }))
  .map(([values, pick]) => {
    const config: Record<string, unknown> = { appRepo: "https://github.com/acme/shop.git", adminSshKeys: [KEY], adminCidrs: ["203.0.113.7/32"] };
    KEYS.forEach((k, i) => {
      if (values[i] !== undefined) config[k.key] = values[i];
    });
    return pick === 0 ? config : withoutInapplicable(config);
  });

