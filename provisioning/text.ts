/** Quoting helpers shared by the renderers. Every value that reaches a file goes through one of these. */

/** POSIX shell single-quoting. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/** A value in a systemd EnvironmentFile (double-quoted, backslash escapes). */
export function envQuote(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new Error("environment values must be one line");
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** A Python string literal. */
export function pyQuote(value: string): string {
  return JSON.stringify(value);
}

/** Renders a systemd EnvironmentFile from a map, keys sorted for stable output. */
export function renderEnvFile(env: Readonly<Record<string, string>>, header: string): string {
  const lines = Object.keys(env).sort().map((k) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad environment variable name ${JSON.stringify(k)}`);
    return `${k}=${envQuote(env[k])}`;
  });
  return `# ${header}\n${lines.join("\n")}\n`;
}

/** Joins lines with a trailing newline; drops `undefined`/`false` entries so optional lines read cleanly. */
export function lines(...items: (string | undefined | false)[]): string {
  return `${items.filter((l): l is string => typeof l === "string").join("\n")}\n`;
}
