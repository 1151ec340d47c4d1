/**
 * The one mapping between stack config (flat `fullstack:*` keys) and FullStackApp's nested args, by each
 * key's `arg` path in settings/schema.ts. Both directions end in {@link loadSettings}, so a program and a
 * stack get the same validation, defaults and errors; errors name what the caller wrote (the config key
 * or the arg's path). Pure: no Pulumi at run time.
 */
import { SettingsError } from "./errors";
import { closest, type RawConfig } from "./reader";
import { ARG_GROUPS, KEYS, NAMESPACE, declOf, type KeyDecl, type KeyName } from "./schema";

/** appEnv: `KEY=value` strings in stack config, a record of names to values in args. */
const RECORD_KEYS: ReadonlySet<string> = new Set(["appEnv"]);

/** Args that stack config made ({@link argsFromConfig}): errors and warnings then name config keys. */
export const FROM_CONFIG: unique symbol = Symbol.for("fullstack-pulumi.argsFromConfig");

const BY_PATH = new Map<string, KeyDecl>(KEYS.map((k) => [k.arg, k]));

/** Args paths that hold objects: the groups, and every parent of a key's path. */
const GROUP_PATHS: ReadonlySet<string> = new Set([
  ...Object.keys(ARG_GROUPS),
  ...KEYS.flatMap((k) => k.arg.split(".").slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join("."))),
]);

/** Args fields outside the config keys: the typed escape hatch, which only a program can give. */
const PROGRAM_ONLY: ReadonlySet<string> = new Set(["transform"]);

/** A value a program handed in that is not known yet: an Output or a Promise (a secret as pulumi.Input). */
export function isPending(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const v = value as { apply?: unknown; then?: unknown };
  return typeof v.apply === "function" || typeof v.then === "function";
}

/**
 * What stands in for a pending secret while the rest of the args are validated: a value each key's check
 * accepts. The real value is checked by the same rules once it is known (components/fullStackApp.ts).
 */
const STAND_INS: Readonly<Record<string, string>> = {
  appRepoDeployKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
  pipIndexUrl: "https://pending.invalid/simple/",
  spacesSecretKey: "pending",
  heartbeatUrl: "https://pending.invalid/ping",
  sentryDsn: "https://pending@pending.invalid/1",
  restoreDrillToken: `dop_v1_${"0".repeat(64)}`,
  appEnv: "pending",
  alertWebhookUrl: "https://pending.invalid/webhook",
};

/** A secret handed in as an Output or Promise: which key it is for (and, for appEnv, which variable). */
export interface PendingSecret {
  readonly key: KeyName;
  /** appEnv: the variable's name. */
  readonly name?: string;
  readonly value: unknown;
}

/** Args as flat config: what {@link loadSettings} reads, and the secrets not known yet. */
export interface FlatArgs {
  readonly raw: RawConfig;
  readonly pending: readonly PendingSecret[];
  /** Whether stack config made the args (errors then name config keys). */
  readonly fromConfig: boolean;
}

/**
 * FullStackApp's args as flat config. An unknown field is refused like an unknown config key.
 * @throws SettingsError naming the field's path.
 */
export function configFromArgs(args: object): FlatArgs {
  const raw: Record<string, unknown> = {};
  const pending: PendingSecret[] = [];
  const walk = (obj: object, prefix: string): void => {
    for (const [field, value] of Object.entries(obj)) {
      const path = prefix ? `${prefix}.${field}` : field;
      if (!prefix && PROGRAM_ONLY.has(field)) continue;
      const decl = BY_PATH.get(path);
      if (decl) {
        if (value === undefined) continue;
        if (RECORD_KEYS.has(decl.key)) raw[decl.key] = envList(path, value, pending);
        else if (decl.secret && isPending(value)) {
          pending.push({ key: decl.key as KeyName, value });
          raw[decl.key] = STAND_INS[decl.key];
        } else raw[decl.key] = value;
      } else if (GROUP_PATHS.has(path)) {
        if (value === undefined) continue;
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
          throw new SettingsError(path, value, "is not an object", `give ${path} as { ... } (see ${groupType(path)})`);
        }
        walk(value, path);
      } else {
        const near = closestPath(path);
        throw new SettingsError(path, value, "is not a FullStackApp arg", near ? `did you mean ${near}? See FullStackAppArgs` : "see FullStackAppArgs");
      }
    }
  };
  walk(args, "");
  return { raw, pending, fromConfig: (args as { [FROM_CONFIG]?: unknown })[FROM_CONFIG] === true };
}

/** app.env as appEnv's KEY=value list; pending values get a stand-in and are recorded. */
function envList(path: string, value: unknown, pending: PendingSecret[]): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SettingsError(path, value, "is not a record of variable names to values", `give ${path} as { NAME: "value" }`);
  }
  return Object.entries(value).map(([name, v]) => {
    if (isPending(v)) {
      pending.push({ key: "appEnv", name, value: v });
      return `${name}=${STAND_INS.appEnv}`;
    }
    if (typeof v !== "string") throw new SettingsError(`${path}.${name}`, v, "is not a string", "give each variable a string (or a pulumi.Input<string>)");
    return `${name}=${v}`;
  });
}

/**
 * Stack config as FullStackApp's args: each key at its `arg` path, its text read as the key's type
 * (lists from JSON text, integers, booleans, appEnv's KEY=value list as a record). Keys left unset stay
 * out, so the component applies the same defaults. Marked {@link FROM_CONFIG}.
 */
export function argsFromConfig(raw: RawConfig): object {
  const args: Record<string | symbol, unknown> = { [FROM_CONFIG]: true };
  for (const [key, value] of Object.entries(raw)) {
    const decl = declOf(key);
    // Unknown keys and unreadable values stay as they are: the settings refuse them by their config name.
    if (!decl) {
      args[key] = value;
      continue;
    }
    if (value === undefined || value === null || value === "" || value === "null") continue;
    setPath(args, decl.arg, typed(decl, value));
  }
  return args;
}

function typed(decl: KeyDecl, value: unknown): unknown {
  if (typeof value !== "string") return RECORD_KEYS.has(decl.key) && Array.isArray(value) ? envRecord(value) : value;
  switch (decl.type) {
    case "array": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return value;
      }
      return RECORD_KEYS.has(decl.key) && Array.isArray(parsed) ? envRecord(parsed) : parsed;
    }
    case "integer":
      return /^-?[0-9]+$/.test(value.trim()) ? Number(value) : value;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    default:
      return value;
  }
}

/** appEnv's KEY=value list as a record; an entry without "=" keeps the list (the settings then refuse it). */
function envRecord(list: unknown[]): unknown {
  const out: Record<string, unknown> = {};
  for (const entry of list) {
    const m = typeof entry === "string" ? /^([^=]+)=(.*)$/s.exec(entry) : null;
    if (!m || m[1] in out) return list;
    out[m[1]] = m[2];
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let at = target;
  for (const part of parts.slice(0, -1)) {
    if (at[part] === undefined) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]] = value;
}

/** The arg path of a config key (`appRef` -> `app.ref`). */
export function argPathOf(key: string): string | undefined {
  return declOf(key)?.arg;
}

/**
 * A settings error or warning in the terms of a program's args: each `fullstack:key` becomes the key's
 * arg path, and a `pulumi config set ...` command becomes the path to set.
 */
export function inArgsTerms(text: string): string {
  const ns = NAMESPACE;
  return text
    .replace(/`pulumi config set (?:--secret |--path )*'?([A-Za-z]+)[^`]*`/g, (whole, key: string) => {
      const path = argPathOf(key);
      return path ? `\`${path}\`` : whole;
    })
    .replace(new RegExp(`${ns}:([A-Za-z]+)(\\[\\d+\\])?`, "g"), (whole, key: string, index: string | undefined) => {
      const path = argPathOf(key);
      if (!path) return whole;
      return RECORD_KEYS.has(key) ? path : `${path}${index ?? ""}`;
    });
}

/** The same error, naming args instead of config keys, and the component it came from. */
export function argsError(err: SettingsError, component: string): SettingsError {
  const renamed = new SettingsError(inArgsTerms(err.key), err.value, "", inArgsTerms(err.allowed));
  renamed.message = `${component}: ${inArgsTerms(err.message)}`;
  return renamed;
}

function groupType(path: string): string {
  return ARG_GROUPS[path]?.type ?? "FullStackAppArgs";
}

/** A known path within two edits of `path`, or with the same last name (`web.gunicornWorkers` -> `web.gunicorn.workers`). */
function closestPath(path: string): string | undefined {
  const candidates = [...BY_PATH.keys(), ...GROUP_PATHS, ...PROGRAM_ONLY];
  const leaf = path.split(".").pop()!.toLowerCase();
  return closest(path, candidates) ?? candidates.find((c) => c.split(".").pop()!.toLowerCase() === leaf)
    ?? KEYS.find((k) => k.key.toLowerCase() === leaf)?.arg;
}
