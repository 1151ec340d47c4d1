/**
 * The harness reads config as the Pulumi CLI does. Each test pins one rule of pulumi/pulumi's
 * `sdk/go/common/workspace/config.go` (mergeConfig, validateStackConfigValue), `workspace/project.go`
 * (RewriteShorthandConfigValues, Project.Validate, ValidateConfigValue), `resource/config/object.go`
 * (how YAML values become config values) or `resource/config/crypt.go` (the passphrase provider), and
 * the checked-in project and stacks are held to them.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import {
  mergeStackConfig, parseProject, PassphraseCrypter, PulumiConfigError, readProject, type Project, type StackFile,
} from "../harness/pulumiConfig";
import { lintStack, lintStackFile, readStackConfig } from "../tools/stackConfig";
import { declaredInProject } from "../tools/docs";
import { KEYS, loadSettings } from "../settings";
import { ROOT } from "./helpers";

const project = (config: Record<string, unknown>): Project => parseProject(stringify({ name: "proj", config }));
const merge = (p: Project, config: Record<string, unknown>, extra: Partial<StackFile> = {}, passphrase?: string) =>
  mergeStackConfig(p, "dev", { config, ...extra }, passphrase);
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PulumiConfigError);
    return (err as Error).message;
  }
  throw new Error("expected the CLI to refuse this");
};

describe("mergeConfig (workspace/config.go): defaults and required keys", () => {
  const p = project({
    b: { type: "string" }, a: { type: "integer" }, c: { type: "boolean", default: false },
    d: { type: "array", items: { type: "string" }, default: ["default"] }, e: { type: "integer", default: 1024 },
  });

  it("refuses a stack that leaves declared keys without a default unset, naming them all, sorted, as the CLI does", () => {
    expect(refusal(() => merge(p, {}))).toBe("Stack 'dev' is missing configuration values 'a' and 'b'");
    expect(refusal(() => merge(p, { "proj:a": 1 }))).toBe("Stack 'dev' is missing configuration value 'b'");
    const three = project({ x: { type: "string" }, y: { type: "string" }, z: { type: "string" } });
    expect(refusal(() => merge(three, {}))).toBe("Stack 'dev' is missing configuration values 'x', 'y' and 'z'");
  });

  it("hands every declared default to the program as if the stack had set it (createConfigValue)", () => {
    const { config } = merge(p, { "proj:a": 3, "proj:b": "x" });
    expect(config).toEqual({ "proj:a": "3", "proj:b": "x", "proj:c": "false", "proj:d": "[\"default\"]", "proj:e": "1024" });
  });

  it("lets the stack's own value win over the default", () => {
    expect(merge(p, { "proj:a": 3, "proj:b": "x", "proj:c": true }).config["proj:c"]).toBe("true");
  });

  it("does not require keys of other namespaces, and passes undeclared keys through", () => {
    const q = project({ "aws:region": { value: "us-east-1" } });
    expect(merge(q, { "proj:free": "yes" }).config).toEqual({ "aws:region": "us-east-1", "proj:free": "yes" });
  });
});

describe("validateStackConfigValue (workspace/config.go): types and secrets", () => {
  const p = project({
    n: { type: "integer", default: 1 }, f: { type: "boolean", default: false }, s: { type: "string", default: "x" },
    l: { type: "array", items: { type: "string" }, default: [] },
  });
  it.each([
    [{ "proj:n": "abc" }, "Stack 'dev' with configuration key 'n' must be of type 'integer'"],
    [{ "proj:n": 1.5 }, "Stack 'dev' with configuration key 'n' must be of type 'integer'"],
    [{ "proj:f": "yes" }, "Stack 'dev' with configuration key 'f' must be of type 'boolean'"],
    [{ "proj:s": ["a"] }, "Stack 'dev' with configuration key 's' must be of type 'string'"],
    [{ "proj:l": [41234567] }, "Stack 'dev' with configuration key 'l' must be of type 'array<string>'"],
    [{ "proj:l": "a" }, "Stack 'dev' with configuration key 'l' must be of type 'array<string>'"],
  ])("refuses %j", (config, message) => {
    expect(refusal(() => merge(p, config))).toBe(message);
  });

  it.each([
    [{ "proj:n": "+5" }, "proj:n", "+5"],
    [{ "proj:n": 7 }, "proj:n", "7"],
    [{ "proj:f": "true" }, "proj:f", "true"],
    [{ "proj:s": 17 }, "proj:s", "17"],
    [{ "proj:s": 1.10 }, "proj:s", "1.1"],
  ])("accepts %j, handing the program the CLI's text (strconv.Atoi, object.MarshalString)", (config, key, text) => {
    expect(merge(p, config).config[key]).toBe(text);
  });

  it("hands a YAML null (`key:` left empty) over as the JSON text \"null\", which the settings read as unset", () => {
    expect(merge(project({}), { "proj:x": null }).config["proj:x"]).toBe("null");
    const { config } = readStackConfigFromDoc({ "fullstack:appRepo": "https://github.com/acme/shop.git", "fullstack:adminSshKeys": [KEY], "fullstack:releaseCidrs": ["198.51.100.4/32"], "fullstack:domain": null });
    expect(config.domain).toBe("null");
    expect(loadSettings(config).domain).toBeUndefined();
  });

  it("refuses a key declared secret whose value is not secure", () => {
    const q = project({ token: { type: "string", secret: true } });
    expect(refusal(() => merge(q, { "proj:token": "plain" }))).toBe("Stack 'dev' with configuration key 'token' must be encrypted as it's secret");
  });
});

describe("Project.Validate and the shorthand rewrite (workspace/project.go)", () => {
  it("reads a bare value as a default for project keys and as a value for other namespaces", () => {
    const p = project({ size: 3, "aws:region": "eu-central-1" });
    expect(p.config.size).toEqual({ default: 3 });
    expect(p.config["aws:region"]).toEqual({ value: "eu-central-1" });
    expect(merge(p, {}).config).toEqual({ "proj:size": "3", "aws:region": "eu-central-1" });
  });
  it.each([
    [{ a: { type: "integer", default: "x" } }, "The default value specified for configuration key 'a' is not of the expected type 'integer'"],
    [{ a: { type: "array" } }, "The configuration key 'a' declares an array but does not specify the underlying type via the 'items' attribute"],
    [{ a: { default: 1, value: 2 } }, "project config 'a' cannot have both a 'default' and 'value' attribute"],
    [{ "aws:region": { type: "string", value: "x" } }, "Configuration key 'aws:region' is not namespaced by the project and should not define a type"],
    [{ "aws:region": { description: "x" } }, "Configuration key 'aws:region' is namespaced and must provide an attribute 'value'"],
  ])("refuses %j", (config, message) => {
    expect(refusal(() => project(config))).toBe(message);
  });
  it("refuses stack keys that are not <namespace>:<name> (config.ParseKey), and reads the old ns:config:name form", () => {
    expect(refusal(() => merge(project({}), { region: "fra1" }))).toMatch(/^could not parse region as a configuration key/);
    expect(merge(project({}), { "proj:config:region": "fra1" }).config).toEqual({ "proj:region": "fra1" });
  });
});

describe("secure values (resource/config/crypt.go, pkg/secrets/passphrase)", () => {
  const p = project({ key: { type: "string", secret: true } });
  const { state, crypter } = PassphraseCrypter.create("correct horse");

  it("decrypts with the stack's passphrase, and marks the key secret", () => {
    const merged = merge(p, { "proj:key": { secure: crypter.encrypt("s3cr3t") } }, { encryptionsalt: state }, "correct horse");
    expect(merged.config["proj:key"]).toBe("s3cr3t");
    expect(merged.secretKeys).toEqual(["proj:key"]);
  });
  it("refuses a wrong passphrase, a missing one, tampered ciphertext and ciphertext no reachable provider can read", () => {
    const value = { "proj:key": { secure: crypter.encrypt("s3cr3t") } };
    expect(refusal(() => merge(p, value, { encryptionsalt: state }, "wrong"))).toBe("incorrect passphrase");
    expect(refusal(() => merge(p, value, { encryptionsalt: state }, undefined))).toMatch(/passphrase must be set with PULUMI_CONFIG_PASSPHRASE/);
    const tampered = { "proj:key": { secure: `${value["proj:key"].secure.slice(0, -4)}AAA=` } };
    expect(refusal(() => merge(p, tampered, { encryptionsalt: state }, "correct horse"))).toMatch(/could not decrypt configuration value 'proj:key'/);
    expect(refusal(() => merge(p, { "proj:key": { secure: "v1:exampleCiphertextOnlyTheStackSecretsProviderCanRead" } })))
      .toMatch(/cannot be reached offline/);
  });
});

describe("this project under the CLI's rules", () => {
  const stacks = readdirSync(join(ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s);

  it("Pulumi.yaml passes Project.Validate and declares every key with a fixed default, and appRepo as required", () => {
    const p = readProject(ROOT);
    expect(Object.keys(p.config).sort()).toEqual(KEYS.filter(declaredInProject).map((k) => k.key).sort());
    expect(Object.entries(p.config).filter(([, t]) => t.default === undefined).map(([k]) => k)).toEqual(["appRepo"]);
  });

  it.each(stacks)("stack %s is accepted as the CLI accepts it, with no secure value nobody can decrypt", (stack) => {
    expect(() => readStackConfig(ROOT, stack, undefined, undefined)).not.toThrow();
  });

  it("leaves every declared default acceptable to the settings: a stack that sets only appRepo, a key and where releases come from builds settings", () => {
    const { config } = readStackConfigFromDoc({ "fullstack:appRepo": "https://github.com/acme/shop.git", "fullstack:adminSshKeys": [KEY], "fullstack:releaseCidrs": ["198.51.100.4/32"] });
    expect(() => loadSettings(config)).not.toThrow();
  });
});

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 ops@example";

function readStackConfigFromDoc(config: Record<string, unknown>): { config: Record<string, string> } {
  const merged = mergeStackConfig(readProject(ROOT), "t", { config });
  return { config: Object.fromEntries(Object.entries(merged.config).map(([k, v]) => [k.replace(/^fullstack:/, ""), v])) };
}

describe("unreadable stack files", () => {
  it("names the file and the line of a YAML error, such as an unresolved alias", () => {
    const dir = mkdtempSync(join(tmpdir(), "fullstack-alias-"));
    writeFileSync(join(dir, "Pulumi.bad.yaml"), "config:\n  fullstack:appRepo: https://github.com/acme/shop.git\n  fullstack:appRef: *release\n");
    expect(refusal(() => readStackConfig(ROOT, "bad", dir))).toMatch(new RegExp(`^${join(dir, "Pulumi.bad.yaml")}, line 3: Unresolved alias.*release`));
  });
});

describe("values the CLI accepts but changes on the way (lintStackFile)", () => {
  it.each([
    ["fullstack:appRef: 1.10", "fullstack:appRef is written as a YAML number (1.10), which the Pulumi CLI hands over as \"1.1\"; quote it: fullstack:appRef: \"1.10\""],
    ["fullstack:appRef: 0x10", "(0x10), which the Pulumi CLI hands over as \"16\""],
    ["fullstack:gunicornVersion: 23.0", "hands over as \"23\""],
    ["fullstack:appRef: true", "is written as a YAML boolean (true)"],
  ])("flags %s", (line, fragment) => {
    expect(lintStackFile(`config:\n  ${line}\n`).join("\n")).toContain(fragment);
  });

  it("leaves quoted strings, integer keys and other namespaces alone", () => {
    expect(lintStackFile("config:\n  fullstack:appRef: \"1.10\"\n  fullstack:webCount: 3\n  aws:region: eu-central-1\n  other:x: 1.5\n")).toEqual([]);
  });

  it.each(readdirSync(join(ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s))(
    "checked-in stack %s has none", (stack) => expect(lintStack(ROOT, stack)).toEqual([]));
});
