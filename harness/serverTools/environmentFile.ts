/** systemd EnvironmentFiles: the renderer's strict dialect, and systemd's own parser through the environment.d generator. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { installHint } from "../../tools/debianTools";
import { run, withTempDir, type Ran, type ServerFile, type ToolResult } from "./run";

/**
 * The renderer's EnvironmentFile dialect: comment lines, and `KEY="value"` where the value escapes
 * `"` and `\` (systemd also unescapes \` and \$ inside double quotes). Stricter than systemd (which also
 * takes unquoted, single-quoted and continued values) so every value means exactly one thing.
 */
const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\\n\r]|\\["\\`$])*)"$/;

/** Parses the strict dialect; returns the values and any lines that are not in it. */
export function parseEnvironmentFile(content: string): { values: Map<string, string>; problems: string[] } {
  const values = new Map<string, string>();
  const problems: string[] = [];
  if (!content.endsWith("\n")) problems.push("does not end with a newline");
  content.split("\n").forEach((line, i) => {
    if (line === "" || line.startsWith("#")) return;
    const m = ENV_LINE.exec(line);
    if (!m) {
      problems.push(`line ${i + 1} is not KEY="value" with \\-escaped " and \\: ${JSON.stringify(line)}`);
      return;
    }
    if (values.has(m[1])) problems.push(`line ${i + 1}: ${m[1]} is set twice`);
    values.set(m[1], m[2].replace(/\\(["\\`$])/g, "$1"));
  });
  return { values, problems };
}

/** Decodes one value as the environment.d generator prints it (shell_maybe_quote + C escapes). */
function decodeGeneratorValue(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  const inner = raw.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c !== "\\") {
      bytes.push(...Buffer.from(c, "utf8"));
      continue;
    }
    const n = inner[++i];
    if (n in simple) bytes.push(simple[n]);
    else if (n === "x") {
      bytes.push(parseInt(inner.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      bytes.push(parseInt(inner.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(...Buffer.from(n, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

const ENV_GENERATOR = "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator";

function runEnvironmentGenerator(configHome: string): Ran & { values: Map<string, string> } {
  const r = run(ENV_GENERATOR, [], { env: { XDG_CONFIG_HOME: configHome, XDG_CONFIG_DIRS: join(configHome, "none") } });
  const values = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) values.set(line.slice(0, eq), decodeGeneratorValue(line.slice(eq + 1)));
  }
  return { ...r, values };
}

/**
 * A systemd EnvironmentFile, two ways. 1) The strict dialect above. 2) systemd's own parser: there is
 * no offline way to have PID 1 load an EnvironmentFile, but systemd's environment.d generator reads
 * files with the same parser (parse_env_file) and prints what it got, so the file goes through it and
 * every value must come back as written. environment.d then also expands `$VAR` and drops empty values,
 * which EnvironmentFile= does not do, so those values are compared by the strict parse only.
 */
export function checkEnvironmentFile(file: ServerFile): ToolResult {
  const { values, problems } = parseEnvironmentFile(file.content);
  if (!existsSync(ENV_GENERATOR)) {
    return { ok: false, output: `${ENV_GENERATOR} is missing: ${installHint("systemd")}` };
  }
  return withTempDir("envfile", (dir) => {
    mkdirSync(join(dir, "environment.d"));
    const baseline = runEnvironmentGenerator(dir);
    writeFileSync(join(dir, "environment.d", "zz-checked.conf"), file.content);
    const parsed = runEnvironmentGenerator(dir);
    if (baseline.status !== 0 || parsed.status !== 0) problems.push("the environment.d generator failed");
    for (const [key, value] of values) {
      if (value === "" || value.includes("$")) continue;
      if (!parsed.values.has(key)) problems.push(`systemd's parser does not see ${key}`);
      else if (parsed.values.get(key) !== value) {
        problems.push(`systemd reads ${key} as ${JSON.stringify(parsed.values.get(key))}, not ${JSON.stringify(value)}`);
      }
    }
    for (const key of parsed.values.keys()) {
      if (!values.has(key) && !baseline.values.has(key)) problems.push(`systemd's parser sees ${key}, which the file does not mean to set`);
    }
    return { ok: problems.length === 0, output: [parsed.text.replaceAll(dir, "<dir>"), ...problems].join("\n") };
  });
}
