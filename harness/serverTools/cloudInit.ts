/** cloud-init's own schema check on user data. */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { installHint } from "../../tools/debianTools";
import { interpreterOf, run, withTempDir, type ToolResult } from "./run";

/**
 * For each file: what `cloud-init schema --config-file FILE` prints and its exit status, from the
 * handler that subcommand runs (cloudinit.config.schema.handle_schema_args), called once per file in
 * one interpreter (cloud-init's start-up is most of a CLI run); then the top-level keys cloud-init's
 * schema defines.
 */
const CLOUD_INIT_SCHEMA = `
import contextlib, io, json, sys
from cloudinit.config.schema import get_parser, get_schema, handle_schema_args
for path in sys.argv[1:]:
    out = io.StringIO()
    status = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            handle_schema_args("schema", get_parser().parse_args(["--config-file", path]))
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
    print(json.dumps({"path": path, "status": status, "output": out.getvalue()}))
s = get_schema()
keys = set()
for ref in s["allOf"]:
    keys |= set(s["$defs"][ref["$ref"].split("/")[-1]].get("properties", {}))
print(json.dumps(sorted(keys)))
`;

/**
 * cloud-init's schema check on many user data documents (see {@link checkCloudConfig}), in one run.
 * Results are in input order.
 */
export function checkCloudConfigs(userData: string[]): ToolResult[] {
  return withTempDir("cloud-init", (dir) => {
    const files = userData.map((doc, i) => {
      const file = join(dir, `user-data-${i}`);
      writeFileSync(file, doc);
      return file;
    });
    const python = interpreterOf("/usr/bin/cloud-init", "python3");
    if (!existsSync("/usr/bin/cloud-init")) {
      return userData.map(() => ({ ok: false, output: `cloud-init is not installed: ${installHint("cloud-init")}` }));
    }
    const r = run(python, ["-c", CLOUD_INIT_SCHEMA, ...files]);
    const lines = r.stdout.trim().split("\n");
    if (r.status !== 0 || lines.length !== files.length + 1) return userData.map(() => ({ ok: false, output: r.text }));
    const known = new Set(JSON.parse(lines[files.length]) as string[]);
    return files.map((file, i) => {
      const res = JSON.parse(lines[i]) as { status: number; output: string };
      return judgeCloudConfig(userData[i], res.status, `$ cloud-init schema --config-file user-data\n${res.output.replaceAll(file, "user-data").trimEnd()}`, known);
    });
  });
}

/**
 * `cloud-init schema --config-file` on the user data. cloud-init reports deprecated keys but still
 * exits 0, so deprecations fail the check too; and its schema allows unknown top-level keys (cloud-init
 * then silently ignores them), so every top-level key must also be one the schema defines.
 */
export function checkCloudConfig(userData: string): ToolResult {
  return withTempDir("cloud-init", (dir) => {
    const file = join(dir, "user-data");
    writeFileSync(file, userData);
    const schema = run("cloud-init", ["schema", "--config-file", file]);
    if (schema.missing) return { ok: false, output: schema.text };
    const keys = run(interpreterOf("/usr/bin/cloud-init", "python3"), ["-c", CLOUD_INIT_SCHEMA]);
    if (keys.status !== 0) return { ok: false, output: `${schema.text}\n${keys.text}` };
    const known = new Set(JSON.parse(keys.stdout.trim()) as string[]);
    return judgeCloudConfig(userData, schema.status, schema.text.replaceAll(file, "user-data"), known);
  });
}

function judgeCloudConfig(userData: string, status: number, text: string, known: Set<string>): ToolResult {
  const problems: string[] = [];
  if (status !== 0) problems.push("cloud-init rejects the user data");
  // Each deprecation is listed as "<key>: DEPRECATED: ..." (22.4 also prints an empty heading before errors).
  if (/: DEPRECATED\b/.test(text)) problems.push("cloud-init reports deprecated keys");
  let doc: unknown;
  try {
    doc = parse(userData);
  } catch (err) {
    problems.push(`not YAML: ${String(err)}`);
  }
  if (doc && typeof doc === "object") {
    const unknown = Object.keys(doc).filter((k) => !known.has(k));
    if (unknown.length > 0) problems.push(`top-level keys cloud-init's schema does not define (cloud-init ignores them): ${unknown.join(", ")}`);
  }
  return { ok: problems.length === 0, output: [text, ...problems].join("\n") };
}
