/**
 * Stack config as the Pulumi CLI hands it to a program, rule for rule. Each step cites the CLI source it
 * follows (pulumi/pulumi, `sdk/go/common/...`), so the plan and the tests refuse exactly what
 * `pulumi up` refuses and see exactly the values a real program sees:
 *
 * 1. `Pulumi.yaml`'s `config:` block is read as the CLI reads it (`workspace/project.go`:
 *    `RewriteShorthandConfigValues`, `Project.Validate`).
 * 2. Stack values are converted as the CLI's YAML reader converts them (`resource/config/object.go`:
 *    `unmarshalObject`, `MarshalString`): scalars become text, lists and maps JSON text, `secure:` stays
 *    ciphertext until a secrets provider decrypts it.
 * 3. Project config is merged in (`workspace/config.go`: `mergeConfig`): a declared `default`/`value` is
 *    handed to the program as if the stack had set it, and a project key with neither that the stack does
 *    not set is an error naming every such key.
 * 4. Values are validated (`validateStackConfigValues`): a `secret: true` key must be `secure:`, and a
 *    typed key must hold its type (`ValidateConfigValue`).
 *
 * Secrets: `secure:` values are decrypted with the passphrase secrets provider exactly as the CLI does it
 * (`resource/config/crypt.go`, `pkg/secrets/passphrase/manager.go`: PBKDF2-SHA256, 1,000,000 rounds,
 * AES-256-GCM) when the stack file has an `encryptionsalt` and PULUMI_CONFIG_PASSPHRASE(_FILE) is set.
 * Other providers (Pulumi Cloud, KMS) cannot be reached offline: their values are refused with a message.
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseDocument } from "yaml";

export class PulumiConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PulumiConfigError";
  }
}

export interface ConfigItemsType {
  type: string;
  items?: ConfigItemsType;
}

/** One entry of `Pulumi.yaml`'s `config:` block after the CLI's shorthand rewrite. */
export interface ProjectConfigType {
  type?: string;
  description?: string;
  items?: ConfigItemsType;
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

export interface Project {
  name: string;
  stackConfigDir?: string;
  config: Record<string, ProjectConfigType>;
}

/** A stack value as the CLI holds it: text, and whether it is ciphertext and/or JSON (`config.Value`). */
interface StackValue {
  text: string;
  secure: boolean;
  object: boolean;
}

/** What the program receives: full keys to text (decrypted), and which keys are secret. */
export interface MergedConfig {
  config: Record<string, string>;
  secretKeys: string[];
}

/** A `Pulumi.<stack>.yaml` document. */
export interface StackFile {
  config?: Record<string, unknown> | null;
  encryptionsalt?: string;
  secretsprovider?: string;
  encryptedkey?: string;
}

// --- 1. Pulumi.yaml ---------------------------------------------------------------------------------

/** `workspace/project.go` `isPrimitiveValue`: string, int and bool (not float) are primitives. */
function isPrimitive(value: unknown): boolean {
  return typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isInteger(value));
}

/** `configKeyIsNamespacedByProject`. */
function namespacedByProject(project: string, key: string): boolean {
  return !key.includes(":") || key.startsWith(`${project}:`);
}

/** `ValidateConfigValue`: does `value` (text, or JSON-decoded content) hold `type`? */
export function validateConfigValue(type: string, items: ConfigItemsType | undefined, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      if (typeof value === "number") return Number.isInteger(value);
      // strconv.Atoi: optional sign, decimal digits, within int64.
      return typeof value === "string" && /^[+-]?\d+$/.test(value) && Math.abs(Number(value)) <= 2 ** 63;
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      if (!Array.isArray(value) || items === undefined) return false;
      return value.every((item) => validateConfigValue(items.type, items.items, item));
  }
}

/** `InferFullTypeName`. */
export function fullTypeName(type: string, items?: ConfigItemsType): string {
  return items ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

/** Parses a `Pulumi.yaml` text as the CLI does: shorthand rewritten, then `Project.Validate`. */
export function parseProject(text: string): Project {
  const doc = (parse(text) ?? {}) as { name?: unknown; stackConfigDir?: unknown; config?: unknown };
  if (typeof doc.name !== "string" || doc.name === "") throw new PulumiConfigError("project is missing a 'name' attribute");
  const name = doc.name;
  const config: Record<string, ProjectConfigType> = {};
  // `config: <dir>` is the old spelling of stackConfigDir (RewriteConfigPathIntoStackConfigDir).
  const rawConfig = typeof doc.config === "string" ? {} : (doc.config ?? {}) as Record<string, unknown>;
  const stackConfigDir = typeof doc.config === "string" ? doc.config : typeof doc.stackConfigDir === "string" ? doc.stackConfigDir : undefined;
  for (const [key, value] of Object.entries(rawConfig)) {
    // RewriteShorthandConfigValues: a bare value is a default for a project key, a value for any other.
    if (isPrimitive(value) || Array.isArray(value)) config[key] = namespacedByProject(name, key) ? { default: value } : { value };
    else config[key] = (value ?? {}) as ProjectConfigType;
  }
  for (const [key, t] of Object.entries(config)) {
    if (t.default !== undefined && t.default !== null && t.value !== undefined && t.value !== null) {
      throw new PulumiConfigError(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
    }
    if (namespacedByProject(name, key)) {
      if (t.type === "array" && !t.items) {
        throw new PulumiConfigError(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
      }
      if (t.type !== undefined && t.default !== undefined && t.default !== null && !validateConfigValue(t.type, t.items, t.default)) {
        throw new PulumiConfigError(`The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(t.type, t.items)}'`);
      }
    } else {
      if (t.type !== undefined) throw new PulumiConfigError(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
      if (t.default !== undefined && t.default !== null) {
        throw new PulumiConfigError(`Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`);
      }
      if (t.value === undefined || t.value === null) throw new PulumiConfigError(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
    }
  }
  return { name, stackConfigDir, config };
}

// --- 2. Stack values ----------------------------------------------------------------------------------

/** `config.ParseKey`: `<namespace>:<name>`, or the old `<namespace>:config:<name>`. */
export function parseConfigKey(key: string): string {
  const parts = key.split(":");
  if (parts.length === 2) return key;
  if (parts.length === 3 && parts[1] === "config") return `${parts[0]}:${parts[2]}`;
  throw new PulumiConfigError(`could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`);
}

function isSecureMap(value: unknown): value is { secure: string } {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    && Object.keys(value).length === 1 && typeof (value as { secure?: unknown }).secure === "string";
}

/** `object.MarshalString` after `unmarshalObject`: how one YAML value becomes a `config.Value`. */
function stackValue(key: string, value: unknown): StackValue {
  if (isSecureMap(value)) return { text: value.secure, secure: true, object: false };
  if (typeof value === "string") return { text: value, secure: false, object: false };
  if (typeof value === "boolean" || typeof value === "number") return { text: JSON.stringify(value), secure: false, object: false };
  if (value instanceof Date) return { text: value.toISOString(), secure: false, object: false };
  if (containsSecure(value)) {
    throw new PulumiConfigError(`${key}: secure values inside lists or maps are not read by this harness; set the whole key with --secret`);
  }
  return { text: JSON.stringify(value ?? null), secure: false, object: true };
}

function containsSecure(value: unknown): boolean {
  if (isSecureMap(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecure);
  if (value && typeof value === "object") return Object.values(value).some(containsSecure);
  return false;
}

/** `createConfigValue`: how a project default or value is handed over (primitives as text, else JSON). */
function projectValue(value: unknown): StackValue {
  if (isPrimitive(value)) return { text: String(value), secure: false, object: false };
  return { text: JSON.stringify(value), secure: false, object: true };
}

// --- Secrets: the passphrase provider ------------------------------------------------------------------

const PBKDF2_ROUNDS = 1_000_000;

/** A crypter for one stack: the passphrase provider's key, derived once. */
export class PassphraseCrypter {
  private constructor(private readonly key: Buffer) {}

  /** `NewSymmetricCrypterFromPassphrase`. */
  static fromPassphrase(passphrase: string, salt: Buffer): PassphraseCrypter {
    return new PassphraseCrypter(pbkdf2Sync(passphrase, salt, PBKDF2_ROUNDS, 32, "sha256"));
  }

  /** `newPassphraseSecretsManagerFromState`: `v1:<salt>:<"pulumi" encrypted>`, checked against the passphrase. */
  static fromState(state: string, passphrase: string): PassphraseCrypter {
    const parts = state.split(":");
    if (parts.length < 3) throw new PulumiConfigError("malformed state value");
    if (parts[0] !== "v1") throw new PulumiConfigError("unknown state version");
    const crypter = PassphraseCrypter.fromPassphrase(passphrase, Buffer.from(parts[1], "base64"));
    let check: string | undefined;
    try {
      check = crypter.decrypt(parts.slice(2).join(":"));
    } catch {
      check = undefined;
    }
    if (check !== "pulumi") throw new PulumiConfigError("incorrect passphrase");
    return crypter;
  }

  /** A new `encryptionsalt` for `passphrase` (what `pulumi stack init` writes), with its crypter. */
  static create(passphrase: string): { state: string; crypter: PassphraseCrypter } {
    const salt = randomBytes(8);
    const crypter = PassphraseCrypter.fromPassphrase(passphrase, salt);
    return { state: `v1:${salt.toString("base64")}:${crypter.encrypt("pulumi")}`, crypter };
  }

  /** `symmetricCrypter.EncryptValue`: `v1:<nonce>:<ciphertext+tag>`, AES-256-GCM, 12-byte nonce. */
  encrypt(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1:${nonce.toString("base64")}:${body.toString("base64")}`;
  }

  /** `symmetricCrypter.DecryptValue`. */
  decrypt(ciphertext: string): string {
    const parts = ciphertext.split(":");
    if (parts.length !== 3) throw new PulumiConfigError("bad value");
    if (parts[0] !== "v1") throw new PulumiConfigError("unknown value version");
    const nonce = Buffer.from(parts[1], "base64");
    const body = Buffer.from(parts[2], "base64");
    if (nonce.length !== 12) throw new PulumiConfigError("bad value: nonce size is incorrect");
    if (body.length < 16) throw new PulumiConfigError("bad value");
    const decipher = createDecipheriv("aes-256-gcm", this.key, nonce);
    decipher.setAuthTag(body.subarray(body.length - 16));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
    } catch {
      throw new PulumiConfigError("cipher: message authentication failed");
    }
  }
}

/** The passphrase as the CLI finds it: PULUMI_CONFIG_PASSPHRASE, else the file PULUMI_CONFIG_PASSPHRASE_FILE names. */
export function passphraseFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return env.PULUMI_CONFIG_PASSPHRASE;
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) return readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8");
  return undefined;
}

function decrypterFor(stack: string, file: StackFile, passphrase: string | undefined): (ciphertext: string, key: string) => string {
  let crypter: PassphraseCrypter | undefined;
  return (ciphertext, key) => {
    if (!file.encryptionsalt) {
      const provider = file.secretsprovider ?? "the Pulumi Cloud backend";
      throw new PulumiConfigError(`Stack '${stack}' keeps ${key} encrypted by ${provider}, which cannot be reached offline; `
        + "use the passphrase provider (pulumi stack change-secrets-provider passphrase) and set PULUMI_CONFIG_PASSPHRASE to plan it here");
    }
    if (passphrase === undefined) {
      throw new PulumiConfigError(`Stack '${stack}' has secure values (${key}): passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables`);
    }
    crypter ??= PassphraseCrypter.fromState(file.encryptionsalt, passphrase);
    try {
      return crypter.decrypt(ciphertext);
    } catch (err) {
      throw new PulumiConfigError(`Stack '${stack}': could not decrypt configuration value '${key}': ${(err as Error).message}`);
    }
  };
}

// --- 3 and 4. Merge and validate -------------------------------------------------------------------------

/** `formatMissingKeys` + `missingStackConfigurationKeysError`. */
function missingKeysError(stack: string, keys: string[]): PulumiConfigError {
  const sorted = [...keys].sort();
  let list: string;
  if (sorted.length === 1) list = `'${sorted[0]}'`;
  else list = sorted.map((k, i) => (i === sorted.length - 1 ? `and '${k}'` : i === sorted.length - 2 ? `'${k}' ` : `'${k}', `)).join("");
  return new PulumiConfigError(`Stack '${stack}' is missing configuration ${sorted.length > 1 ? "values" : "value"} ${list}`);
}

/**
 * The config a program receives for `stack`: the stack file's values merged with the project's
 * declarations under the CLI's rules (`mergeConfig` with validation, as `pulumi up` runs it).
 * @throws PulumiConfigError with the CLI's message.
 */
export function mergeStackConfig(project: Project, stack: string, file: StackFile, passphrase = passphraseFromEnv()): MergedConfig {
  const values = new Map<string, StackValue>();
  for (const [rawKey, raw] of Object.entries(file.config ?? {})) values.set(parseConfigKey(rawKey), stackValue(rawKey, raw));

  const keyOf = (projectKey: string) => (projectKey.includes(":") ? parseConfigKey(projectKey) : `${project.name}:${projectKey}`);
  const declared = Object.keys(project.config).sort();
  const missing: string[] = [];
  for (const projectKey of declared) {
    const t = project.config[projectKey];
    const key = keyOf(projectKey);
    if (values.has(key)) continue;
    const hasDefault = t.default !== undefined && t.default !== null;
    const hasValue = t.value !== undefined && t.value !== null;
    if (!hasDefault && !hasValue) {
      if (key.startsWith(`${project.name}:`)) missing.push(projectKey);
      continue;
    }
    values.set(key, projectValue(hasDefault ? t.default : t.value));
  }
  if (missing.length > 0) throw missingKeysError(stack, missing);

  const decrypt = decrypterFor(stack, file, passphrase);
  const plain = new Map<string, string>();
  for (const [key, v] of values) plain.set(key, v.secure ? decrypt(v.text, key) : v.text);

  for (const projectKey of declared) {
    const t = project.config[projectKey];
    if (t.type === undefined) continue;
    const key = keyOf(projectKey);
    const v = values.get(key) ?? { text: "", secure: false, object: false };
    if (t.secret && !v.secure) throw new PulumiConfigError(`Stack '${stack}' with configuration key '${projectKey}' must be encrypted as it's secret`);
    const text = plain.get(key) ?? "";
    const content = v.object ? JSON.parse(text) as unknown : text;
    if (!validateConfigValue(t.type, t.items, content)) {
      throw new PulumiConfigError(`Stack '${stack}' with configuration key '${projectKey}' must be of type '${fullTypeName(t.type, t.items)}'`);
    }
  }

  return {
    config: Object.fromEntries(plain),
    secretKeys: [...values].filter(([, v]) => v.secure).map(([k]) => k),
  };
}

/** Reads `Pulumi.yaml` under `root`. */
export function readProject(root: string): Project {
  const path = join(root, "Pulumi.yaml");
  parseYamlFile(path);
  return parseProject(readFileSync(path, "utf8"));
}

/** Reads `Pulumi.<stack>.yaml` from the project's stack config directory (or `configDir`). */
export function readStackFile(root: string, project: Project, stack: string, configDir?: string): StackFile {
  const dir = configDir ?? join(root, project.stackConfigDir ?? ".");
  const path = join(dir, `Pulumi.${stack}.yaml`);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(path)) {
    throw new PulumiConfigError(`no stack config for "${stack}": expected ${path}`);
  }
  return parseYamlFile(path) as StackFile;
}

/** A YAML file's content; a YAML error names the file (an unresolved alias, a tab) and the line. */
function parseYamlFile(path: string): unknown {
  const text = readFileSync(path, "utf8");
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first) throw new PulumiConfigError(`${path}, line ${lineOf(first.pos[0])}: ${first.message.split("\n")[0]}`);
  try {
    return doc.toJS() ?? {};
  } catch (err) {
    // An alias whose anchor is missing fails while the document is read into values, with no position.
    const message = (err as Error).message.split("\n")[0];
    const alias = /: (\S+)$/.exec(message)?.[1];
    const at = alias ? text.search(new RegExp(`\\*${alias.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`)) : -1;
    throw new PulumiConfigError(`${path}${at >= 0 ? `, line ${lineOf(at)}` : ""}: ${message}`);
  }
}
