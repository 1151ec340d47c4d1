/**
 * The one error type the settings layer throws. It always names the config key, the offending value
 * and what is allowed, so `npm run plan` and `pulumi up` can print it without a stack trace.
 */
export class SettingsError extends Error {
  /** The config key (e.g. `fullstack:region`) or component argument (e.g. `WebTier.count`). */
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(key: string, value: unknown, problem: string, allowed: string) {
    super(`${key} ${describe(value)} ${problem}; ${allowed}`);
    this.name = "SettingsError";
    this.key = key;
    this.value = value;
    this.allowed = allowed;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "(unset)";
  const text = escapeInvisible(typeof value === "string" ? JSON.stringify(value) : safeJson(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Characters that must never reach a terminal or a CI log raw: controls (C0, DEL, C1), line and paragraph
 * separators, bidirectional and zero-width format characters, non-characters and lone surrogates.
 */
// eslint-disable-next-line no-control-regex
export const INVISIBLE = /[\x00-\x1F\x7F-\x9F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u206F\uFDD0-\uFDEF\uFEFF\uFFF9-\uFFFB\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]/g;

/** `text` with every {@link INVISIBLE} character written as a \uXXXX escape. */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => c.split("").map((u) => `\\u${u.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`).join(""));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** True for errors the settings layer raised on purpose (as opposed to bugs). */
export function isSettingsError(err: unknown): err is SettingsError {
  return err instanceof SettingsError || (err instanceof Error && err.name === "SettingsError");
}
