/**
 * Raw stack config as the section readers (settings/read/) see it: unknown keys and unprintable values
 * refused up front, unset keys falling back to their declared default, and "set" meaning what the Pulumi
 * CLI leaves it to mean.
 */
import { SettingsError } from "./errors";
import { KEY_NAMES, declOf, fullKey, valuesOf, type KeyName, type ValuesOf } from "./schema";
import * as v from "./validate";

/** Raw config as Pulumi hands it over: strings (lists as JSON text) or already-parsed values. */
export type RawConfig = Readonly<Record<string, unknown>>;

export interface ConfigReader {
  /** The config as given (for showing a value in an error). */
  readonly raw: RawConfig;
  /** The value, or the key's static default when it is unset; undefined when neither. */
  get(key: KeyName): unknown;
  /**
   * Whether the stack asks for something with the key: present and different from its declared default.
   * The Pulumi CLI hands every default declared in Pulumi.yaml to the program as if the stack had set it
   * (pulumi/pulumi sdk/go/common/workspace/config.go, mergeConfig), so a default is never an error.
   */
  explicit(key: string): boolean;
  /** The value as an error may show it: "[secret]" for a secret key. */
  shown(key: string): unknown;
  /**
   * A key with a fixed set of values (declared in settings/schema.ts), `fallback` when unset and no static default.
   * @param what what the value should be, for the error ("a profile").
   */
  choice<K extends KeyName>(key: K, what: string, fallback?: ValuesOf<K>): ValuesOf<K>;
  /** An integer key within its declared bounds (settings/schema.ts), `fallback` when unset and no static default. */
  int(key: KeyName, fallback?: number): number;
}

/**
 * Reads raw config.
 * @param raw config values keyed without the namespace (`region`, not `fullstack:region`).
 * @throws SettingsError for an unknown key, or a value holding a control or invisible character.
 */
export function configReader(raw: RawConfig): ConfigReader {
  for (const key of Object.keys(raw)) {
    if (!declOf(key)) {
      const hint = closest(key);
      throw new SettingsError(fullKey(key), raw[key], "is not a known config key",
        hint ? `did you mean ${fullKey(hint)}? See the README for every key` : "see the README for every key");
    }
  }
  for (const [key, value] of Object.entries(raw)) {
    // A private key is the one value that spans lines (LF only).
    const text = key === "appRepoDeployKey" && typeof value === "string" ? value.replace(/\r?\n/g, "") : value;
    v.printable(fullKey(key), text, declOf(key)?.secret);
  }
  const get = (key: KeyName): unknown => (unset(raw[key]) ? declOf(key)?.default : raw[key]);
  function choice<K extends KeyName>(key: K, what: string, fallback?: ValuesOf<K>): ValuesOf<K> {
    return v.oneOf(fullKey(key), get(key) ?? fallback, valuesOf(key) as readonly string[], what) as ValuesOf<K>;
  }
  return {
    raw,
    get,
    explicit: (key) => {
      const value = raw[key];
      if (unset(value)) return false;
      const fallback = declOf(key)?.default;
      return fallback === undefined || asConfigText(value) !== asConfigText(fallback);
    },
    shown: (key) => (declOf(key)?.secret ? "[secret]" : raw[key]),
    choice,
    int: (key, fallback) => v.bounded(fullKey(key), get(key) ?? fallback, key),
  };
}

/**
 * Left empty. The CLI hands a YAML null (`key:` with nothing after it) to the program as the JSON text
 * "null" (pulumi/pulumi resource/config/object.go: MarshalString of a nil object), so that text is unset too.
 */
function unset(value: unknown): boolean {
  return value === undefined || value === null || value === "" || value === "null";
}

/** A config value as the CLI hands it to the program: text as is, anything else as JSON. */
function asConfigText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The name among `names` (every config key by default) within two edits of `key`, if any. */
export function closest(key: string, names: readonly string[] = KEY_NAMES): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const d = distance(key.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
