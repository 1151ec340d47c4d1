/**
 * Any config a user can type either yields settings (and a stack the clouds' rules accept) or one
 * settings error: never a TypeError, never an unhandled rejection.
 */
import fc from "fast-check";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { runStack } from "../harness/mockRuntime";
import { isSettingsError, KEYS, loadSettings } from "../settings";
import { program } from "../stacks/program";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example";

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
  dnsZone: ["example.com", "other.org"],
  cdnDomain: ["static.example.com", "cdn.other.org"],
  bucket: [true, false],
  spacesAccessId: ["DO00EXAMPLEKEY1234", ""],
  spacesSecretKey: ["s3cr3t", ""],
  appEnv: [[], ["A=1"], ["a=1"], ["X=" + "y".repeat(5000)]],
  gunicornWorkers: [0, 4, 65],
  taskTimeLimit: [60, 0, 86401],
};

const junk = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }));

/** Each key is set in about one config in sixteen: mostly plausible values, sometimes junk. */
const valueFor = (key: string) => POOLS[key]
  ? fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...POOLS[key]) }, { weight: 1, arbitrary: junk })
  : junk;
const configArb = fc.tuple(...KEYS.map((k) => fc.oneof({ weight: 15, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: valueFor(k.key) })))
  .map((values) => {
    const config: Record<string, unknown> = { appRepo: "https://github.com/acme/shop.git", adminSshKeys: [KEY] };
    KEYS.forEach((k, i) => {
      if (values[i] !== undefined) config[k.key] = values[i];
    });
    return config;
  });

function classify(config: Record<string, unknown>): "ok" | "settings-error" {
  try {
    loadSettings(config);
    return "ok";
  } catch (err) {
    if (isSettingsError(err)) return "settings-error";
    throw err;
  }
}

describe("any config", () => {
  it("yields settings or one settings error (2000 generated configs)", () => {
    let ok = 0;
    fc.assert(fc.property(configArb, (config) => {
      if (classify(config) === "ok") ok++;
    }), { numRuns: 2000, seed: 20261125 });
    // The generator must reach valid configs too, or the property proves little.
    expect(ok).toBeGreaterThan(50);
  });

  it("builds, or stops with the settings error, under the mock engine (2000 generated configs)", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    let built = 0;
    try {
      await fc.assert(fc.asyncProperty(configArb, async (config) => {
        const raw = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)
          .map(([k, v]) => [`fullstack:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
        try {
          const result = await runStack({ stack: "prop", config: raw, program });
          expect(result.outputs.url.value).toMatch(/^https?:\/\//);
          // What builds, the real clouds accept too (harness/cloudRules): the settings refused the rest.
          expect(formatViolations(checkCloudRules(result.resources))).toBe("");
          built++;
        } catch (err) {
          // Only the settings error (as RunError from the program, or from a component's own check).
          expect(isSettingsError(err) || (err as Error).name === "RunError" || /^fullstack:/.test((err as Error).message)).toBe(true);
          expect((err as Error).message).toMatch(/^(fullstack:|[A-Z][A-Za-z]+\.)/);
        }
      }), { numRuns: Number(process.env.FULLSTACK_BUILD_RUNS ?? 2000), seed: 20261125 });
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(built).toBeGreaterThan(20);
  }, 600_000);
});
