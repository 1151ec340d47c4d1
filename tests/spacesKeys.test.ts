/**
 * The Spaces bucket's keys on DigitalOcean. Without keys in config, the API token makes two: one with full
 * access that only Pulumi's Spaces provider holds (to create the bucket), and one the app gets, limited to
 * the bucket. With your own key pair in config, no key is made and the app gets yours.
 */
import type { RecordedResource, RunResult } from "../harness/mockRuntime";
import { T, ofType, planStack, releasedEnvFile } from "./helpers";

const SPACES_KEY = "digitalocean:index/spacesKey:SpacesKey";
const BUCKET = "digitalocean:index/spacesBucket:SpacesBucket";
const PROVIDER = "pulumi:providers:digitalocean";

/** The app's environment file on every droplet that has one, as KEY -> value. */
function appEnvs(result: RunResult): Record<string, string>[] {
  return ofType(result, T.droplet).map((d) => {
    const content = releasedEnvFile(result, d);
    return Object.fromEntries(content.split("\n").filter((l) => l.includes("=")).map((l) => {
      const i = l.indexOf("=");
      return [l.slice(0, i), l.slice(i + 1).replace(/^(["'])(.*)\1$/, "$2")];
    }));
  });
}

describe("Spaces keys made from the API token (staging: no keys in config)", () => {
  let r: RunResult;
  let keys: RecordedResource[];
  beforeAll(async () => {
    r = await planStack("staging");
    keys = ofType(r, SPACES_KEY);
  });

  it("makes a full-access key for Pulumi and a key limited to the bucket for the app", () => {
    const bucket = ofType(r, BUCKET)[0];
    expect(keys.map((k) => k.plainInputs.grants)).toEqual([
      [{ bucket: "", permission: "fullaccess" }],
      [{ bucket: bucket.plainInputs.name, permission: "readwrite" }],
    ]);
  });

  it("gives every app server the bucket-limited key, never the full-access one", () => {
    const envs = appEnvs(r);
    expect(envs.length).toBeGreaterThanOrEqual(2);
    for (const env of envs) {
      expect(env.AWS_ACCESS_KEY_ID).toMatch(/^DO00MOCK/);
      expect(env.AWS_SECRET_ACCESS_KEY).toMatch(/^mock-spaces-secret-/);
    }
    // The full-access key reaches only the Spaces provider, as a secret.
    const providers = ofType(r, PROVIDER);
    expect(providers).toHaveLength(1);
    expect(providers[0].inputs.spacesSecretKey).toBe("[secret]");
    const deploySecrets = new Set(providers[0].secretValues);
    for (const env of envs) expect(deploySecrets.has(env.AWS_SECRET_ACCESS_KEY)).toBe(false);
  });
});

describe("your own Spaces key pair in config", () => {
  it("makes no key, and the app and the provider get yours", async () => {
    const r = await planStack("staging", { spacesAccessId: "DO00OWNKEY12345678", spacesSecretKey: "own-secret-value" });
    expect(ofType(r, SPACES_KEY)).toEqual([]);
    for (const env of appEnvs(r)) {
      expect(env.AWS_ACCESS_KEY_ID).toBe("DO00OWNKEY12345678");
      expect(env.AWS_SECRET_ACCESS_KEY).toBe("own-secret-value");
    }
    expect(ofType(r, PROVIDER)[0].plainInputs.spacesAccessId).toBe("DO00OWNKEY12345678");
  });
});
