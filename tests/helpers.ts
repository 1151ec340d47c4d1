/** Shared test helpers: run a stack config under mocks and query what it would create. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { runStack, type RecordedResource, type RunResult } from "../harness/mockRuntime";
import { decodedWriteFiles } from "../provisioning/cloudConfig";
import { program } from "../stacks/program";
import { readStackConfig } from "../tools/stackConfig";

export const ROOT = resolve(__dirname, "..");

export const T = {
  droplet: "digitalocean:index/droplet:Droplet",
  firewall: "digitalocean:index/firewall:Firewall",
  loadBalancer: "digitalocean:index/loadBalancer:LoadBalancer",
  certificate: "digitalocean:index/certificate:Certificate",
  dnsRecord: "digitalocean:index/dnsRecord:DnsRecord",
  domain: "digitalocean:index/domain:Domain",
  vpc: "digitalocean:index/vpc:Vpc",
  tag: "digitalocean:index/tag:Tag",
  reservedIp: "digitalocean:index/reservedIp:ReservedIp",
  volume: "digitalocean:index/volume:Volume",
} as const;

/** Runs a checked-in stack config, optionally with some keys changed (`null` removes a key). */
export async function planStack(stack: string, overrides: Record<string, unknown | null> = {}): Promise<RunResult> {
  const cfg = readStackConfig(ROOT, stack);
  const config = { ...cfg.config };
  for (const [key, value] of Object.entries(overrides)) {
    const full = key.includes(":") ? key : `fullstack:${key}`;
    if (value === null) delete config[full];
    else config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return runStack({ project: cfg.project, stack, config, secretKeys: cfg.secretKeys, program });
}

/** The URN `root` and those of every resource below it (by the parents the mock runtime recorded). */
export function withDescendants(result: RunResult, root: string): Set<string> {
  const under = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of result.resources) {
      if (r.parent && under.has(r.parent) && !under.has(r.urn)) {
        under.add(r.urn);
        grew = true;
      }
    }
  }
  return under;
}

export function ofType(result: RunResult, type: string): RecordedResource[] {
  return result.resources.filter((r) => r.type === type);
}

export interface InboundRule {
  portRange: string;
  protocol: string;
  sourceAddresses?: string[];
  sourceTags?: string[];
  sourceLoadBalancerUids?: string[];
}

/** Every inbound rule of every firewall, with the firewall it belongs to. */
export function inboundRules(result: RunResult): { firewall: RecordedResource; rule: InboundRule }[] {
  return ofType(result, T.firewall).flatMap((firewall) =>
    ((firewall.inputs.inboundRules as InboundRule[] | undefined) ?? []).map((rule) => ({ firewall, rule })));
}

export interface WriteFile {
  path: string;
  content: string;
  permissions: string;
  owner: string;
}

/** The parsed cloud-config of a server resource. */
export function cloudConfig(server: RecordedResource): { write_files: WriteFile[]; [key: string]: unknown } {
  const userData = server.plainInputs.userData as string;
  expect(userData.startsWith("#cloud-config\n")).toBe(true);
  const doc = parse(userData) as { write_files?: WriteFile[]; [key: string]: unknown };
  // Files written compressed (to fit the cloud's user data limit) as cloud-init writes them.
  return { ...doc, write_files: decodedWriteFiles(doc.write_files) };
}

/**
 * The app's environment file as a server gets it: with each release (provisioning/release.ts), pushed on
 * the server's release Command (DigitalOcean) or in the bundle among its files.
 */
export function releasedEnvFile(result: RunResult, server: RecordedResource): string {
  const pushed = result.resources.find((r) => r.type === "command:remote:Command" && r.name === `${server.name}-release`);
  const bundle = pushed ? String(pushed.plainInputs.stdin)
    : cloudConfig(server).write_files.find((f) => /^\/etc\/[^/]+\/release\.json$/.test(f.path))?.content;
  if (!bundle) throw new Error(`${server.name} gets no release`);
  return (JSON.parse(bundle) as { envFile: string }).envFile;
}

export function writtenFile(server: RecordedResource, path: string): WriteFile {
  const file = cloudConfig(server).write_files.find((f) => f.path === path);
  if (!file) throw new Error(`${server.name} writes no ${path}`);
  return file;
}

/** Sources a rendered shell settings file in a real sh and returns the variables it sets. */
export function sourceShell(content: string, names: string[]): Record<string, string> {
  const script = `${content}\nprintf '%s\\0' ${names.map((n) => `"$${n}"`).join(" ")}`;
  const out = execFileSync("sh", ["-c", script], { encoding: "utf8" });
  const values = out.split("\0");
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

/**
 * Runs a rendered Python script with Debian's python3 (as on the servers; tools/debianTools.ts) in a scratch
 * directory that also holds `files` (stub modules the script imports, a stand-in manage.py). The stubs
 * append to the file named by $STUB_LOG; returns the exit status, what the script printed, and that log.
 */
export function runPython(script: string, files: Record<string, string>, env: Record<string, string> = {}): { status: number; output: string; log: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "fullstack-python-"));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, "script.py"), script);
    const logFile = join(dir, "stub.log");
    const r = spawnSync("/usr/bin/python3", ["script.py"], {
      cwd: dir, encoding: "utf8", timeout: 30_000,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env, STUB_LOG: logFile, PYTHONDONTWRITEBYTECODE: "1" },
    });
    if (r.error) throw r.error;
    const log = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").filter((l) => l !== "") : [];
    return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}`, log };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Debian's /usr/bin/python3 with its python3-boto3 (what the AWS servers run; Debian 12: boto3 1.26, whose
 * botocore predates AWS_ENDPOINT_URL_<SERVICE>), plus a sitecustomize written under `dir` (test only, on
 * PYTHONPATH) that points every `service` client at the URL in the environment variable `urlEnv`: without
 * it set the client fails to start, so a test never reaches the real AWS. Returns the PYTHONPATH to use and
 * boto3's version.
 */
export function debianBoto3(dir: string, service: string, urlEnv: string): { python: string; pythonPath: string; version: string } {
  const python = "/usr/bin/python3";
  const site = join(dir, "site");
  mkdirSync(site, { recursive: true });
  writeFileSync(join(site, "sitecustomize.py"), [
    "import os",
    "import botocore.session",
    "_create = botocore.session.Session.create_client",
    "def _client(self, service_name, *args, **kwargs):",
    `    if service_name == ${JSON.stringify(service)}:`,
    `        kwargs['endpoint_url'] = os.environ[${JSON.stringify(urlEnv)}]`,
    "    return _create(self, service_name, *args, **kwargs)",
    "botocore.session.Session.create_client = _client",
    "",
  ].join("\n"));
  const probe = `import boto3; print(boto3.__version__, boto3.client(${JSON.stringify(service)}, region_name='eu-central-1').meta.endpoint_url)`;
  const r = spawnSync(python, ["-c", probe], {
    encoding: "utf8", env: { PATH: "/usr/bin:/bin", PYTHONPATH: site, [urlEnv]: "http://127.0.0.1:9", AWS_EC2_METADATA_DISABLED: "true" },
  });
  const [version, endpoint] = r.stdout.trim().split(" ");
  if (r.status !== 0 || endpoint !== "http://127.0.0.1:9") {
    throw new Error(`Debian's python3-boto3 is needed (npm test installs it: tools/debianTools.ts): ${r.stderr.trim()}`);
  }
  return { python, pythonPath: site, version };
}
