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
  const text = typeof value === "string" ? JSON.stringify(value) : safeJson(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
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
