/**
 * Small validators shared by the config reader and by component constructors. Each takes the key to
 * blame, so the same rule gives `fullstack:webCount ...` from config and `WebTier.count ...` from code.
 */
import { CATALOG, OPERATING_SYSTEMS, type CloudName, type OperatingSystem } from "./catalog";
import { parseCidr } from "./cidr";
import { SettingsError } from "./errors";
import { boundsOf, type KeyName } from "./schema";

export function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw new SettingsError(key, value, `is not ${what}`, `use one of ${allowed.join(", ")}`);
}

export function integer(key: string, value: unknown, min: number, max: number): number {
  const n = typeof value === "string" && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new SettingsError(key, value, "is not a whole number in range", `use a whole number from ${min} to ${max}`);
  }
  return n;
}

/**
 * A whole number within the bounds settings/schema.ts declares for the config key `key` (the one home of
 * every limit), blamed on `blame`: the config key itself, or a component argument that means the same.
 */
export function bounded(blame: string, value: unknown, key: KeyName): number {
  const { min, max } = boundsOf(key);
  return integer(blame, value, min, max);
}

export function boolean(key: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new SettingsError(key, value, "is not a boolean", "use true or false");
}

export function matches(key: string, value: unknown, pattern: RegExp, what: string, allowed: string): string {
  if (typeof value === "string" && pattern.test(value)) return value;
  throw new SettingsError(key, value, `is not ${what}`, allowed);
}

export function stringList(key: string, value: unknown): string[] {
  let list = value;
  if (typeof value === "string") {
    try {
      list = JSON.parse(value);
    } catch {
      throw new SettingsError(key, value, "is not a list", 'use a YAML list, e.g. ["a", "b"]');
    }
  }
  if (!Array.isArray(list) || !list.every((v) => typeof v === "string")) {
    throw new SettingsError(key, value, "is not a list of strings", 'use a YAML list of strings, e.g. ["a", "b"]');
  }
  return list as string[];
}


/** An operating system servers of `cloud` can run; `key` names the setting in errors. */
export function operatingSystem(key: string, value: unknown, cloud: CloudName): OperatingSystem {
  const os = oneOf(key, value, OPERATING_SYSTEMS, "a supported operating system");
  const catalog = CATALOG[cloud];
  const why = catalog.unavailableOs?.[os];
  if (why) {
    const usable = OPERATING_SYSTEMS.filter((o) => !catalog.unavailableOs?.[o]);
    throw new SettingsError(key, os, `is not available on ${catalog.title}: ${why}`, `use ${usable.join(" or ")}`);
  }
  return os;
}

/** A CIDR block, parsed by arithmetic and returned canonical (host bits cleared, IPv6 compressed). */
export function cidr(key: string, value: unknown): string {
  const parsed = typeof value === "string" ? parseCidr(value) : undefined;
  if (!parsed) {
    throw new SettingsError(key, value, "is not a CIDR block", 'use an address with a prefix length, e.g. "203.0.113.7/32" or "2001:db8::/48"');
  }
  return parsed.text;
}

/** An origin a browser may fetch the bucket's files from (CORS): `*` or a scheme, host and port. */
export function origin(key: string, value: unknown): string {
  return matches(key, value, /^(\*|https?:\/\/[a-z0-9.-]+(:\d{1,5})?)$/, "an origin", 'use "https://host" or "*"');
}

/** Where git can fetch from: https, http, ssh, git, file URLs and scp-style `git@host:owner/repo.git`. */
const GIT_URL = /^((https?|ssh|git|file):\/\/[^\s'"`$\\]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s'"`$\\]+)$/;

export function gitUrl(key: string, value: unknown): string {
  return matches(key, value, GIT_URL, "a git repository URL",
    'use an https://, ssh:// or git@host:owner/repo.git URL, e.g. "https://github.com/acme/shop.git"');
}

/** Git's check-ref-format rules, plus no leading dash (so a ref is never read as an option). */
export function gitRef(key: string, value: unknown): string {
  const ok = typeof value === "string" && value.length > 0 && value.length <= 200 &&
    // eslint-disable-next-line no-control-regex -- git forbids control characters in refs
    !/[\s~^:?*[\\\x00-\x1f\x7f'"`$]/.test(value) && !value.includes("..") && !value.includes("@{") &&
    !value.startsWith("-") && !value.startsWith("/") && !value.endsWith("/") && !value.endsWith(".lock") &&
    !value.endsWith(".") && !value.includes("//");
  if (!ok) {
    throw new SettingsError(key, value, "is not a git branch, tag or commit",
      'use a ref without spaces or ~^:?*[\\, e.g. "main", "v1.4.2" or a commit SHA');
  }
  return value as string;
}

const LABEL = "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)";
const DOMAIN = new RegExp(`^(${LABEL}\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`);

export function domainName(key: string, value: unknown): string {
  const v = typeof value === "string" ? value.toLowerCase().replace(/\.$/, "") : value;
  if (typeof v === "string" && v.length <= 253 && DOMAIN.test(v)) return v;
  throw new SettingsError(key, value, "is not a domain name", 'use a fully qualified name with a dot, e.g. "shop.example.com"');
}

const SSH_KEY = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n\r]*)?$/;

export function sshPublicKey(key: string, value: unknown): string {
  return matches(key, value, SSH_KEY, "an SSH public key",
    'use one line of a public key file, e.g. "ssh-ed25519 AAAAC3Nza... you@laptop"');
}

/** A POSIX-ish name safe for users, paths, unit names and cloud tags. */
export function identifier(key: string, value: unknown): string {
  return matches(key, value, /^[a-z][a-z0-9-]{0,29}$/, "a valid name",
    "use 1-30 lowercase letters, digits or dashes, starting with a letter");
}

/**
 * Characters no config value may hold: C0 and C1 controls, DEL, NEL, LINE and PARAGRAPH SEPARATOR (line
 * breaks to YAML 1.1, so to cloud-init's PyYAML), bidirectional embeddings, overrides and isolates (they
 * reorder what a reviewer sees), non-characters and lone surrogates. Ordinary Unicode text stays allowed.
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_TEXT = /[\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]/;

/** The first forbidden character in any string inside `value` (lists as JSON text included). */
function forbiddenIn(value: unknown): string | undefined {
  if (typeof value === "string") {
    const found = FORBIDDEN_TEXT.exec(value)?.[0];
    if (found) return found;
    if (/^\s*[[{]/.test(value)) {
      try {
        return forbiddenIn(JSON.parse(value));
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = forbiddenIn(v);
      if (found) return found;
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const found = forbiddenIn(k) ?? forbiddenIn(v);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Refuses a value holding a control, line-breaking, bidirectional or non-character code point.
 * @param secret the value is a secret: the error shows "[secret]" instead.
 */
export function printable(key: string, value: unknown, secret = false): void {
  const found = forbiddenIn(value);
  if (found === undefined) return;
  const code = found.split("").map((u) => `U+${u.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`).join(" ");
  throw new SettingsError(key, secret ? "[secret]" : value, `holds the control or invisible character ${code}`,
    "use printable text on one line: no control characters, line or paragraph separators, bidirectional marks or non-characters");
}

/** Visible ASCII only: for values a reviewer must read exactly (repository URLs, refs), so no look-alike or invisible character hides a change. */
export function visibleAscii(key: string, value: unknown): void {
  if (typeof value === "string" && /[^\x20-\x7E]/.test(value)) {
    const found = /[^\x20-\x7E]/.exec(value)![0];
    throw new SettingsError(key, value, `holds the character U+${found.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}, which is not visible ASCII`,
      "use plain ASCII letters, digits and punctuation, so a reviewer reads exactly what is deployed");
  }
}
