/**
 * cloud-init reads our user data exactly as we wrote it. We write YAML 1.2 (the `yaml` package);
 * cloud-init parses with PyYAML, which is YAML 1.1 and reads NEL, LINE and PARAGRAPH SEPARATOR as line
 * breaks and refuses controls and non-characters (provisioning/yaml.ts). Both properties here hand the
 * text to Debian's python3-yaml, cloud-init's own parser, and compare what it reads with what we meant.
 */
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { parse } from "yaml";
import { runStack } from "../harness/mockRuntime";
import { mergeStackConfig, PulumiConfigError, readProject } from "../harness/pulumiConfig";
import { safeYaml, YamlTextError } from "../provisioning/yaml";
import { isSettingsError } from "../settings";
import { program } from "../stacks/program";
import { configArb, HOSTILE_CHARS } from "./configArb";
import { ROOT } from "./helpers";
import { servers } from "./topology/inspect";

/** What PyYAML's safe_load (as cloud-init calls it) reads from each text, as JSON; an error as {"error": ...}. */
function pyyaml(texts: string[]): unknown[] {
  const script = [
    "import json, sys, yaml",
    "out = []",
    "for text in json.load(sys.stdin):",
    "    try:",
    "        out.append(yaml.safe_load(text))",
    "    except yaml.YAMLError as e:",
    "        out.append({'error': str(e).splitlines()[0]})",
    "json.dump(out, sys.stdout)",
  ].join("\n");
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", script], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 }));
}

const text = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom(...HOSTILE_CHARS, "\r", "\u0000", "\u001b", "\uffff", "\ud83d\ude00", ": ", "- ", "#", "'", "\""),
    fc.string({ maxLength: 4 })), { maxLength: 8 }).map((p) => p.join("")),
  // Plain words YAML 1.1 reads as something else: booleans, sexagesimals, octals, dates, null, merge keys.
  fc.constantFrom("yes", "No", "on", "OFF", "y", "1:2", "190:20:30", "0777", "0x1F", "1_000", "2001-12-14", "~", "null", ".inf", "<<", "="));
const doc = fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.dictionary(text, text, { maxKeys: 2 }), fc.integer(), fc.boolean()), { maxKeys: 4 });

describe("YAML that PyYAML (cloud-init) and the yaml package read alike", () => {
  it("writes 3,000 generated documents full of line separators, controls and non-characters so that PyYAML reads each exactly", () => {
    const docs = fc.sample(doc, { numRuns: 3000, seed: 20261129 });
    const texts = docs.map((d) => safeYaml(d));
    const read = pyyaml(texts);
    const differ = docs.map((d, i) => ({ d, text: texts[i], got: read[i] })).filter((x) => JSON.stringify(x.got) !== JSON.stringify(x.d));
    expect(differ.slice(0, 3)).toEqual([]);
    // The yaml package reads them back the same way too.
    texts.forEach((t, i) => expect(parse(t)).toEqual(docs[i]));
  });

  it("would otherwise let a line separator start a new top-level key (the bug this guards against)", () => {
    const value = "ops@example\u2028bootcmd: [[touch, /pwned]]";
    const [naive, safe] = pyyaml([`#cloud-config\nkey: ${value}\n`, `#cloud-config\n${safeYaml({ key: value })}`]);
    expect(naive).toEqual({ key: "ops@example", bootcmd: [["touch", "/pwned"]] });
    expect(safe).toEqual({ key: value });
  });

  it("refuses a lone surrogate, which has no UTF-8 form", () => {
    expect(() => safeYaml({ key: "a\ud800b" })).toThrow(YamlTextError);
  });

  it("renders every server's user data from 1000 generated configs so that PyYAML reads exactly what the yaml package reads", async () => {
    const project = readProject(ROOT);
    const userData: string[] = [];
    await fc.assert(fc.asyncProperty(configArb, async (config) => {
      let merged;
      try {
        merged = mergeStackConfig(project, "yaml", { config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`fullstack:${k}`, v])) }, undefined);
      } catch (err) {
        if (err instanceof PulumiConfigError) return;
        throw err;
      }
      try {
        const result = await runStack({ stack: "yaml", config: merged.config, secretKeys: merged.secretKeys, program });
        for (const s of servers(result)) userData.push(s.userData);
      } catch (err) {
        if (isSettingsError(err) || (err as Error).name === "RunError" || /^fullstack:/.test((err as Error).message)) return;
        throw err;
      }
    }), { numRuns: 1000, seed: 20261129 });
    expect(userData.length).toBeGreaterThan(40);
    const read = pyyaml(userData);
    userData.forEach((t, i) => expect(read[i]).toEqual(parse(t)));
  }, 300_000);
});
