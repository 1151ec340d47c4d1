/**
 * Keeps `Pulumi.yaml`'s `config:` block and the README's config table in step with settings/schema.ts.
 * `npm run docs` rewrites both; `npm run docs -- --check` (run by the tests) fails when either drifted.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDocument } from "yaml";
import { KEYS, type KeyDecl } from "../settings";

const ROOT = resolve(__dirname, "..");
const START = "<!-- config-keys:start -->";
const END = "<!-- config-keys:end -->";

export function pulumiYamlConfig(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(KEYS.map((k) => [k.key, {
    type: k.type,
    ...(k.type === "array" ? { items: { type: "string" } } : {}),
    description: k.derived ? `${k.description} Default: ${k.derived}.` : k.description,
    ...(k.default !== undefined ? { default: k.default } : {}),
    ...(k.secret ? { secret: true } : {}),
  }]));
}

function defaultCell(k: KeyDecl): string {
  if (k.default !== undefined) return `\`${JSON.stringify(k.default)}\``;
  if (k.derived) return k.derived;
  return k.optional ? "unset" : "required";
}

export function readmeTable(): string {
  const rows = KEYS.map((k) => `| \`fullstack:${k.key}\` | ${k.type}${k.secret ? " (secret)" : ""} | ${defaultCell(k)} | ${k.description.replace(/\|/g, "\\|")} |`);
  return [START, "| Key | Type | Default | What it does |", "|---|---|---|---|", ...rows, END].join("\n");
}

export function renderPulumiYaml(current: string): string {
  const doc = parseDocument(current);
  doc.set("config", doc.createNode(pulumiYamlConfig()));
  return doc.toString({ lineWidth: 0 });
}

export function renderReadme(current: string): string {
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`README.md lacks the ${START} / ${END} markers`);
  return current.slice(0, start) + readmeTable() + current.slice(end + END.length);
}

function main(): void {
  const check = process.argv.includes("--check");
  let stale = false;
  for (const [file, render] of [["Pulumi.yaml", renderPulumiYaml], ["README.md", renderReadme]] as const) {
    const path = resolve(ROOT, file);
    const current = readFileSync(path, "utf8");
    const next = render(current);
    if (next !== current) {
      stale = true;
      if (check) process.stderr.write(`${file} is out of date with settings/schema.ts; run npm run docs\n`);
      else writeFileSync(path, next);
    }
  }
  if (check && stale) process.exit(1);
}

if (require.main === module) main();
