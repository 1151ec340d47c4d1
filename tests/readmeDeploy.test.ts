/**
 * The README's "Deploy for real" walkthroughs, played command by command the way the Pulumi CLI would
 * take them: `pulumi stack init` writes a new stack file (with the local backend's passphrase salt),
 * `pulumi config set` writes values (`--secret` encrypted with that passphrase, `--path 'key[0]'` as a
 * list), and `pulumi up` reads the stack with the CLI's rules (harness/pulumiConfig.ts) and runs the
 * program under mocks, then the cloud rules. A command the simulation does not know fails the test, so
 * the README cannot drift into steps nobody checked.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { checkCloudRules, formatViolations } from "../harness/cloudRules";
import { runStack } from "../harness/mockRuntime";
import { mergeStackConfig, PassphraseCrypter, readProject, type StackFile } from "../harness/pulumiConfig";
import { program } from "../stacks/program";
import { ROOT } from "./helpers";

const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHf3c2Q0b1v6m3Y2y0Yk7t4oV3r6q1v9mQ2bA0c1d2e3 you@laptop";
const CHECKED_IN = readdirSync(join(ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s);

/** The sh blocks of the README's "Deploy for real" section. */
function walkthroughs(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Deploy for real");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Splits one command line into words as sh would (quotes, `$(cat ~/.ssh/id_ed25519.pub)`, comments). */
function words(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "#" && word === undefined) break;
    if (c === " " || c === "\t") {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === "\"") {
      const end = line.indexOf("\"", i + 1);
      word = (word ?? "") + line.slice(i + 1, end).replace("$(cat ~/.ssh/id_ed25519.pub)", SSH_KEY);
      i = end;
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) out.push(word);
  return out;
}

interface Session {
  dir: string;
  env: Record<string, string>;
  stack?: string;
  loggedIn: boolean;
}

function stackPath(s: Session): string {
  return join(s.dir, `Pulumi.${s.stack}.yaml`);
}

/** `pulumi config set [--secret] [--path] KEY VALUE`, as the CLI stores it. */
function configSet(s: Session, args: string[]): void {
  const flags = args.filter((a) => a.startsWith("--"));
  const [key, value] = args.filter((a) => !a.startsWith("--"));
  expect(flags.every((f) => ["--secret", "--path"].includes(f))).toBe(true);
  expect(value).toBeDefined();
  const file = parse(readFileSync(stackPath(s), "utf8")) as StackFile & { config: Record<string, unknown> };
  file.config ??= {};
  let stored: unknown = value;
  if (flags.includes("--secret")) {
    expect(file.encryptionsalt).toBeDefined();
    stored = { secure: PassphraseCrypter.fromState(file.encryptionsalt!, s.env.PULUMI_CONFIG_PASSPHRASE).encrypt(value) };
  }
  const m = flags.includes("--path") ? /^([^[]+)\[(\d+)\]$/.exec(key) : null;
  const name = m ? m[1] : key;
  const full = name.includes(":") ? name : `fullstack:${name}`;
  if (m) {
    const list = Array.isArray(file.config[full]) ? file.config[full] as unknown[] : [];
    list[Number(m[2])] = stored;
    file.config[full] = list;
  } else {
    file.config[full] = stored;
  }
  writeFileSync(stackPath(s), stringify(file));
}

interface Played {
  stack: string;
  outputs: Record<string, unknown>;
  /** The stack file as `pulumi up` found it. */
  fileText: string;
  secretKeys: string[];
}

async function play(script: string): Promise<Played> {
  const s: Session = { dir: mkdtempSync(join(tmpdir(), "fullstack-readme-")), env: {}, loggedIn: false };
  try {
    let up: Played | undefined;
    for (const line of script.split("\n")) {
      const w = words(line);
      if (w.length === 0) continue;
      if (w[0] === "export") {
        const [name, ...rest] = w[1].split("=");
        s.env[name] = rest.join("=");
      } else if (w[0] === "pulumi" && w[1] === "login") {
        s.loggedIn = true;
      } else if (w[0] === "pulumi" && w[1] === "stack" && w[2] === "init") {
        expect(s.loggedIn).toBe(true);
        s.stack = w[3];
        // A checked-in example of that name would be adopted, with its example values.
        expect(CHECKED_IN).not.toContain(s.stack);
        expect(existsSync(stackPath(s))).toBe(false);
        // The local backend's passphrase provider writes its salt into the new stack file.
        expect(s.env.PULUMI_CONFIG_PASSPHRASE).toBeTruthy();
        writeFileSync(stackPath(s), stringify({ encryptionsalt: PassphraseCrypter.create(s.env.PULUMI_CONFIG_PASSPHRASE).state }));
      } else if (w[0] === "pulumi" && w[1] === "config" && w[2] === "set") {
        configSet(s, w.slice(3));
      } else if (w[0] === "pulumi" && w[1] === "up") {
        const fileText = readFileSync(stackPath(s), "utf8");
        const file = parse(fileText) as StackFile;
        const merged = mergeStackConfig(readProject(ROOT), s.stack!, file, s.env.PULUMI_CONFIG_PASSPHRASE);
        const result = await runStack({ project: "fullstack", stack: s.stack!, config: merged.config, secretKeys: merged.secretKeys, program });
        expect(formatViolations(checkCloudRules(result.resources))).toBe("");
        up = { stack: s.stack!, outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, o]) => [k, o.value])), fileText, secretKeys: merged.secretKeys };
      } else {
        throw new Error(`the README's walkthrough runs a command this test does not know: ${line}`);
      }
    }
    if (!up) throw new Error("the walkthrough never runs pulumi up");
    return up;
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
}

describe("the README's deploy walkthroughs, under the Pulumi CLI's config rules", () => {
  const scripts = walkthroughs();
  it("finds the DigitalOcean and the AWS walkthrough", () => expect(scripts).toHaveLength(2));

  it.each(scripts.map((script, i) => [i === 0 ? "DigitalOcean" : "AWS", script]))("%s: every command works and pulumi up plans the stack", async (_cloud, script) => {
    const played = await play(script);
    expect(played.outputs.profile).toBe("standard");
    expect(String(played.outputs.url)).toMatch(/^https?:\/\//);
    // What was set with --secret is ciphertext in the file and a secret for the program.
    for (const m of script.matchAll(/pulumi config set --secret (\S+) (\S+)/g)) {
      expect(played.fileText).not.toContain(m[2]);
      expect(played.secretKeys).toContain(m[1]);
    }
  });

});
