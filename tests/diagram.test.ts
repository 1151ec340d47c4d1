/**
 * `npm run plan -- --diagram` (issue 16): the planned stack as a Mermaid flowchart in the talk's layout.
 * Every checked-in stack is planned under the mock runtime and its diagram read back with a strict reader
 * of the Mermaid subset tools/diagram.ts writes (below): the boxes carry the plan's real names and sizes,
 * the edges run the talk's way, and the text is well formed, deterministic and free of secrets.
 *
 * Why a reader of our own: no Mermaid flowchart parser runs under jest without a browser. `mermaid`
 * (12.x) is ESM and its `parse` needs a DOM (DOMPurify) even for flowcharts; `@aj-archipelago/merval` is a
 * hand-written approximation that rejects valid Mermaid (`b[(DB)]`, the cylinder every data store uses).
 * The reader accepts only the forms the generator writes, so anything else fails here.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedResource, RunResult } from "../harness/mockRuntime";
import { diagramOf, mermaidLabel } from "../tools/diagram";
import { DIAGRAM_STACK, renderReadmeDiagram } from "../tools/docs";
import { planStack, ROOT } from "./helpers";

const STACKS = ["dev", "staging", "prod", "aws-dev", "aws-staging", "aws-prod"] as const;

// ---------------------------------------------------------------------------------------------------
// A strict reader of the Mermaid flowchart subset the generator writes.

interface Box { id: string; label: string; shape: string; parent?: string; subgraph: boolean }
interface Arrow { from: string; to: string; label?: string }
interface Chart { boxes: Map<string, Box>; edges: Arrow[]; classes: Map<string, string[]>; classDefs: Set<string> }

const ID = "[A-Za-z][A-Za-z0-9_]*";
const LABEL = '"([^"]*)"';
const KEYWORDS = new Set(["end", "subgraph", "graph", "flowchart", "style", "class", "classDef", "click", "call", "linkStyle", "direction", "default", "interpolate", "href"]);
const SHAPES: [string, string][] = [["[(", ")]"], ["[", "]"], ["(", ")"]];

/** A label's text as a reader sees it: entity codes decoded, `<br/>` as a line break. */
function decode(label: string): string {
  return label.replace(/<br\/>/g, "\n").replace(/#quot;/g, '"').replace(/#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

function checkLabel(raw: string, where: string): string {
  // No raw markup but the line breaks the generator puts in; no `#` that does not start an entity code.
  const withoutBreaks = raw.replace(/<br\/>/g, "");
  if (/[<>`]/.test(withoutBreaks)) throw new Error(`${where}: raw markup in label ${raw}`);
  if (/#(?!(quot|\d+);)/.test(raw)) throw new Error(`${where}: bare # in label ${raw}`);
  return decode(raw);
}

function checkId(id: string, where: string): string {
  if (!new RegExp(`^${ID}$`).test(id) || KEYWORDS.has(id)) throw new Error(`${where}: bad id ${id}`);
  return id;
}

function readChart(text: string): Chart {
  const lines = text.split("\n");
  if (lines[0] !== "flowchart LR") throw new Error(`first line: ${lines[0]}`);
  if (lines[lines.length - 1] !== "") throw new Error("no final newline");
  const boxes = new Map<string, Box>();
  const edges: Arrow[] = [];
  const classes = new Map<string, string[]>();
  const classDefs = new Set<string>();
  const open: string[] = [];
  const declare = (box: Box, where: string) => {
    if (boxes.has(box.id)) throw new Error(`${where}: ${box.id} declared twice`);
    boxes.set(box.id, box);
  };
  lines.slice(1, -1).forEach((line, i) => {
    const where = `line ${i + 2}`;
    const t = line.trim();
    let m: RegExpMatchArray | null;
    if (t.startsWith("%%") || t === "direction TB") return;
    if ((m = t.match(new RegExp(`^subgraph (${ID})\\[${LABEL}\\]$`)))) {
      declare({ id: checkId(m[1], where), label: checkLabel(m[2], where), shape: "subgraph", parent: open[open.length - 1], subgraph: true }, where);
      open.push(m[1]);
    } else if (t === "end") {
      if (!open.pop()) throw new Error(`${where}: end without subgraph`);
    } else if ((m = t.match(new RegExp(`^(${ID}) (-->|-\\.->)(?:\\|${LABEL}\\|)? (${ID})$`)))) {
      edges.push({ from: checkId(m[1], where), to: checkId(m[4], where), label: m[3] === undefined ? undefined : checkLabel(m[3], where) });
    } else if ((m = t.match(new RegExp(`^classDef (${ID}) ([a-z-]+:[#\\w]+(,[a-z-]+:[#\\w]+)*)$`)))) {
      classDefs.add(m[1]);
    } else if ((m = t.match(new RegExp(`^class (${ID}(?:,${ID})*) (${ID})$`)))) {
      classes.set(m[2], m[1].split(","));
    } else {
      const shape = SHAPES.find(([o, c]) => new RegExp(`^${ID}${o.replace(/[[(]/g, "\\$&")}${LABEL}${c.replace(/[\])]/g, "\\$&")}$`).test(t));
      if (!shape) throw new Error(`${where}: not a form the generator writes: ${line}`);
      const id = t.slice(0, t.indexOf(shape[0]));
      const raw = t.slice(id.length + shape[0].length + 1, t.length - shape[1].length - 1);
      declare({ id: checkId(id, where), label: checkLabel(raw, where), shape: shape.join(""), parent: open[open.length - 1], subgraph: false }, where);
    }
  });
  if (open.length > 0) throw new Error(`subgraph ${open.join(", ")} not closed`);
  for (const e of edges) for (const end of [e.from, e.to]) if (!boxes.has(end) && end !== undefined) throw new Error(`edge ${e.from} -> ${e.to}: ${end} is not declared`);
  for (const [cls, members] of classes) {
    if (!classDefs.has(cls)) throw new Error(`class ${cls} has no classDef`);
    for (const id of members) if (!boxes.has(id)) throw new Error(`class ${cls}: ${id} is not declared`);
  }
  return { boxes, edges, classes, classDefs };
}

/** The boxes inside subgraph `id`, nested ones included. */
function inside(chart: Chart, id: string): Box[] {
  const within = (b: Box): boolean => b.parent === id || (b.parent !== undefined && within(chart.boxes.get(b.parent)!));
  return [...chart.boxes.values()].filter(within);
}

/** Every box reachable from `from` along the edges. */
function reachable(chart: Chart, from: string): Set<string> {
  const seen = new Set([from]);
  const todo = [from];
  while (todo.length > 0) {
    const at = todo.pop()!;
    for (const e of chart.edges) if (e.from === at && !seen.has(e.to)) { seen.add(e.to); todo.push(e.to); }
  }
  return seen;
}

const hasEdge = (chart: Chart, from: string, to: string) => chart.edges.some((e) => e.from === from && e.to === to);
const labelled = (chart: Chart, pred: (label: string) => boolean) => [...chart.boxes.values()].filter((b) => pred(b.label));
const one = <X>(xs: X[], what: string): X => {
  if (xs.length !== 1) throw new Error(`expected one ${what}, found ${xs.length}`);
  return xs[0];
};

// ---------------------------------------------------------------------------------------------------

const plans = new Map<string, RunResult>();
const texts = new Map<string, string>();
const charts = new Map<string, Chart>();

beforeAll(async () => {
  for (const stack of STACKS) {
    const result = await planStack(stack);
    plans.set(stack, result);
    texts.set(stack, diagramOf(result, stack));
    charts.set(stack, readChart(texts.get(stack)!));
  }
}, 120_000);

const custom = (stack: string, type: string) => plans.get(stack)!.resources.filter((r) => r.custom && r.type === type);
const isUnder = (stack: string, r: RecordedResource, componentType: string): boolean => {
  const byUrn = new Map(plans.get(stack)!.resources.map((x) => [x.urn, x]));
  for (let p = r.parent ? byUrn.get(r.parent) : undefined; p; p = p.parent ? byUrn.get(p.parent) : undefined) if (p.type === componentType) return true;
  return false;
};
/** The server box (subgraph) of a droplet, instance or auto scaling group, found by its name in the title. */
const serverBox = (chart: Chart, kind: string, name: string) => one([...chart.boxes.values()].filter((b) => b.subgraph && b.label.split("\n")[0] === `${kind} ${name}`), `${kind} ${name}`);
const roleIn = (chart: Chart, box: Box, role: RegExp) => inside(chart, box.id).filter((b) => role.test(b.label.split("\n")[0]));

describe.each(STACKS)("the %s stack's diagram", (stack) => {
  it("is well formed: every line a form Mermaid reads, ids unique and valid, every edge and class between declared boxes", () => {
    const chart = charts.get(stack)!;
    expect(chart.boxes.size).toBeGreaterThan(3);
    expect(chart.edges.length).toBeGreaterThan(3);
    // Every box has a class, so the legend colours all of them.
    const classed = new Set([...chart.classes.values()].flat());
    expect([...chart.boxes.keys()].filter((id) => !classed.has(id))).toEqual([]);
  });

  it("draws every server with its real name, size and place, and what runs on it", () => {
    const chart = charts.get(stack)!;
    const servers = [...custom(stack, "digitalocean:index/droplet:Droplet"), ...custom(stack, "aws:ec2/instance:Instance"), ...custom(stack, "aws:autoscaling/group:Group")];
    expect(servers.length).toBeGreaterThan(0);
    for (const s of servers) {
      let box: Box;
      if (s.type === "digitalocean:index/droplet:Droplet") {
        box = serverBox(chart, "droplet", s.name);
        expect(box.label).toContain(s.inputs.size as string);
        expect(box.label).toContain(s.inputs.region as string);
      } else if (s.type === "aws:ec2/instance:Instance") {
        box = serverBox(chart, "EC2 instance", s.name);
        expect(box.label).toContain(s.inputs.instanceType as string);
        expect(box.label).toContain(plans.get(stack)!.config!["aws:region"]);
      } else {
        box = serverBox(chart, "auto scaling group", s.name);
        const template = custom(stack, "aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.parent === s.parent)!;
        expect(box.label).toContain(template.inputs.instanceType as string);
        expect(box.label).toContain(`min ${s.inputs.minSize}, desired ${s.inputs.desiredCapacity}, max ${s.inputs.maxSize}`);
      }
      if (isUnder(stack, s, "fullstack:web:WebTier")) {
        // nginx -> gunicorn -> app, on the server.
        const [nginx, gunicorn, app] = [/^nginx$/, /^gunicorn$/, / app$/].map((re) => one(roleIn(chart, box, re), `${re} on ${s.name}`));
        expect(hasEdge(chart, nginx.id, gunicorn.id) && hasEdge(chart, gunicorn.id, app.id)).toBe(true);
      }
      if (isUnder(stack, s, "fullstack:queue:WorkerQueue")) one(roleIn(chart, box, / worker$/), `worker on ${s.name}`);
    }
    // Each stack runs exactly one scheduler.
    one(labelled(chart, (l) => l.includes("the one scheduler")), "scheduler");
  });

  it("draws every managed database and cache with its name, engine, size and nodes, and the queues", () => {
    const chart = charts.get(stack)!;
    const label = (name: string) => one(labelled(chart, (l) => l.split("\n")[0].endsWith(` ${name}`)), name).label;
    for (const c of custom(stack, "digitalocean:index/databaseCluster:DatabaseCluster")) {
      const l = label(c.name);
      expect(l).toMatch(c.inputs.engine === "pg" ? /^PostgreSQL / : /^Valkey /);
      expect(l).toContain(` ${c.inputs.version} `);
      expect(l).toContain(`${c.inputs.size}, ${c.inputs.nodeCount} node`);
    }
    for (const db of custom(stack, "aws:rds/instance:Instance")) {
      const l = label(db.name);
      expect(l).toContain(`PostgreSQL ${db.inputs.engineVersion}`);
      expect(l).toContain(`${db.inputs.instanceClass}, ${db.inputs.allocatedStorage} GiB`);
      expect(l.includes("Multi-AZ")).toBe(db.inputs.multiAz === true);
    }
    for (const rg of custom(stack, "aws:elasticache/replicationGroup:ReplicationGroup")) {
      expect(label(rg.name)).toContain(`${rg.inputs.nodeType}, ${rg.inputs.numCacheClusters} node`);
    }
    const queues = custom(stack, "aws:sqs/queue:Queue");
    for (const q of queues.filter((x) => !x.name.endsWith("-dlq"))) expect(label(q.name)).toContain(`dead-letter queue ${q.name}-dlq`);
  });

  it("draws the bucket behind the CDN, and the load balancer, with their names", () => {
    const chart = charts.get(stack)!;
    const browser = one(labelled(chart, (l) => l.startsWith("Browsers")), "clients").id;
    const buckets = [
      ...custom(stack, "digitalocean:index/spacesBucket:SpacesBucket").map((b) => `Spaces bucket ${b.inputs.name}`),
      ...custom(stack, "aws:s3/bucket:Bucket").map((b) => `S3 bucket ${b.inputs.bucket}`),
    ];
    const cdns = [...custom(stack, "digitalocean:index/cdn:Cdn").map((c) => `CDN ${c.name}`), ...custom(stack, "aws:cloudfront/distribution:Distribution").map((c) => `CloudFront ${c.name}`)];
    expect(buckets.length).toBe(cdns.length);
    for (const [i, title] of buckets.entries()) {
      const bucket = one(labelled(chart, (l) => l.split("\n")[0] === title), title);
      const cdn = one(labelled(chart, (l) => l.split("\n")[0] === cdns[i]), cdns[i]);
      // browser -> (DNS) -> CDN -> bucket
      expect(hasEdge(chart, cdn.id, bucket.id)).toBe(true);
      expect(reachable(chart, browser).has(cdn.id)).toBe(true);
    }
    const lbs = [...custom(stack, "digitalocean:index/loadBalancer:LoadBalancer").map((l) => `load balancer ${l.name}`), ...custom(stack, "aws:lb/loadBalancer:LoadBalancer").map((l) => `ALB ${l.name}`)];
    for (const title of lbs) one(labelled(chart, (l) => l.split("\n")[0] === title), title);
    for (const r of [...custom(stack, "digitalocean:index/dnsRecord:DnsRecord"), ...custom(stack, "aws:route53/record:Record").filter((x) => !String(x.inputs.name).startsWith("_"))]) {
      one(labelled(chart, (l) => l.split("\n").some((line) => line === r.name || line.startsWith(`${r.name},`))), r.name);
    }
  });

  it("runs the edges the talk's way: clients -> DNS -> load balancer -> each web server -> data stores; workers -> broker and database", () => {
    const chart = charts.get(stack)!;
    const browser = one(labelled(chart, (l) => l.startsWith("Browsers")), "clients").id;
    const nginx = labelled(chart, (l) => l === "nginx");
    const apps = labelled(chart, (l) => /^(Django |Flask )?app\n/.test(l));
    const workers = labelled(chart, (l) => /worker\n/.test(l));
    const lb = labelled(chart, (l) => /^(load balancer|ALB) /.test(l))[0];
    const postgres = labelled(chart, (l) => /^(RDS )?PostgreSQL/.test(l));
    const cache = labelled(chart, (l) => /^(Valkey|Redis|ElastiCache)/.test(l));
    const queues = labelled(chart, (l) => l.startsWith("SQS queue "));
    expect(nginx.length).toBeGreaterThan(0);
    const fromBrowser = reachable(chart, browser);
    for (const n of nginx) {
      expect(fromBrowser.has(n.id)).toBe(true);
      if (lb) expect(hasEdge(chart, lb.id, n.id)).toBe(true);
    }
    if (lb) {
      // The browser reaches the servers only through the load balancer (and the DNS record in front of it).
      const dnsToLb = chart.edges.filter((e) => e.to === lb.id).map((e) => e.from);
      expect(dnsToLb.length).toBeGreaterThan(0);
      for (const d of dnsToLb) expect(reachable(chart, browser).has(d)).toBe(true);
      for (const n of nginx) expect(chart.edges.filter((e) => e.to === n.id).map((e) => e.from)).toEqual([lb.id]);
    }
    expect(postgres.length).toBe(1);
    expect(cache.length).toBe(1);
    for (const a of apps) {
      expect(hasEdge(chart, a.id, postgres[0].id)).toBe(true);
      expect(hasEdge(chart, a.id, cache[0].id)).toBe(true);
    }
    expect(workers.length).toBeGreaterThan(0);
    const broker = queues.length > 0 ? queues : cache;
    for (const w of workers) {
      for (const b of broker) expect(hasEdge(chart, w.id, b.id)).toBe(true);
      expect(hasEdge(chart, w.id, postgres[0].id)).toBe(true);
    }
    // Data stores only receive: no edge leaves PostgreSQL, Redis, a queue or a bucket.
    const data = new Set(chart.classes.get("data") ?? []);
    expect(chart.edges.filter((e) => data.has(e.from))).toEqual([]);
  });

  it("is deterministic and holds no secret", () => {
    const result = plans.get(stack)!;
    expect(diagramOf(result, stack)).toBe(texts.get(stack));
    const text = texts.get(stack)!;
    const secrets = new Set(result.resources.flatMap((r) => r.secretValues).filter((v) => v.length >= 6));
    expect(secrets.size).toBeGreaterThan(0);
    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    for (const [k, o] of Object.entries(result.outputs)) if (o.secret && typeof o.value === "string") expect({ k, leaked: text.includes(o.value) }).toEqual({ k, leaked: false });
  });
});

describe("the single box", () => {
  it.each(["dev", "aws-dev"])("%s: PostgreSQL and Redis sit on the server's volume, with its size, next to nginx, gunicorn, the app, the worker and the scheduler", (stack) => {
    const chart = charts.get(stack)!;
    const volume = [...custom(stack, "digitalocean:index/volume:Volume"), ...custom(stack, "aws:ebs/volume:Volume")][0];
    const box = one([...chart.boxes.values()].filter((b) => b.subgraph && b.label.startsWith(`volume ${volume.name}\n${volume.inputs.size} GiB`)), "volume");
    const onVolume = inside(chart, box.id).map((b) => b.label.split("\n")[0]).sort();
    expect(onVolume).toEqual(["PostgreSQL", "Redis"]);
    const server = chart.boxes.get(box.parent!)!;
    const roles = inside(chart, server.id).map((b) => b.label.split("\n")[0]);
    expect(roles).toEqual(expect.arrayContaining(["nginx", "gunicorn", "Celery worker", "celery beat (the one scheduler)", "PostgreSQL", "Redis"]));
  });
});

describe("the reader", () => {
  it.each([
    ["a raw quote in a label", 'flowchart LR\n  a["say "hi""]\n'],
    ["raw markup in a label", 'flowchart LR\n  a["<img src=x>"]\n'],
    ["an edge to an undeclared box", 'flowchart LR\n  a["A"]\n  a --> b\n'],
    ["a subgraph left open", 'flowchart LR\n  subgraph s["S"]\n    a["A"]\n'],
    ["an id declared twice", 'flowchart LR\n  a["A"]\n  a["B"]\n'],
    ["a keyword as an id", 'flowchart LR\n  end["A"]\n'],
    ["an unquoted label", "flowchart LR\n  a[A]\n"],
    ["a class without its classDef", 'flowchart LR\n  a["A"]\n  class a nope\n'],
  ])("refuses %s", (_, text) => {
    expect(() => readChart(text)).toThrow();
  });
});

describe("diagramOf on any names", () => {
  const urn = (type: string, name: string) => `urn:pulumi:s::p::${type}::${name}`;
  const res = (type: string, name: string, parent: string | undefined, custom: boolean, inputs: Record<string, unknown> = {}, secretValues: string[] = []): RecordedResource => ({
    urn: urn(type, name), type, name, parent, custom, protect: false, deleteBeforeReplace: false, ignoreChanges: [], inputs, plainInputs: inputs, secretValues,
  });
  const nasty = ['web "1" [x] <b>#end|`&', "end", "a-b", "a_b", 'db") --> evil["x', "graph;click"];

  function synthetic(): RunResult {
    const root = res("pulumi:pulumi:Stack", "s", undefined, false);
    const web = res("fullstack:web:WebTier", "w", root.urn, false);
    const queue = res("fullstack:queue:WorkerQueue", "q", root.urn, false);
    const resources = [root, web, queue];
    for (const [i, name] of nasty.entries()) {
      const server = res("fullstack:compute:LinuxServer", name, i % 2 === 0 ? web.urn : queue.urn, false);
      resources.push(server, res("digitalocean:index/droplet:Droplet", name, server.urn, true, { size: `s-${i}"vcpu`, region: "fra1", userData: "[secret]" }, [`hunter2-secret-${i}`]));
    }
    resources.push(
      res("digitalocean:index/loadBalancer:LoadBalancer", nasty[1], root.urn, true, { region: "fra1", sizeUnit: 1 }),
      res("digitalocean:index/databaseCluster:DatabaseCluster", nasty[4], root.urn, true, { engine: "pg", version: "17", size: "db-<s>", nodeCount: 1, region: "fra1" }),
      res("digitalocean:index/databaseCluster:DatabaseCluster", nasty[5], root.urn, true, { engine: "valkey", version: "8", size: "db-#1", nodeCount: 1, region: "fra1" }),
      res("digitalocean:index/spacesBucket:SpacesBucket", nasty[0], root.urn, true, { name: nasty[0], region: "fra1" }),
    );
    return { resources, outputs: { pw: { value: "hunter2-output", secret: true } } };
  }

  it("quotes and escapes every label, keeps every id valid and unique, and leaks no secret", () => {
    const text = diagramOf(synthetic(), 'st"ack\n end');
    const chart = readChart(text);
    const labels = [...chart.boxes.values()].map((b) => b.label);
    for (const name of nasty) expect(labels.some((l) => l.includes(name))).toBe(true);
    expect(labels.some((l) => l.includes('s-0"vcpu'))).toBe(true);
    expect(text).not.toContain("hunter2");
    // Each web droplet gets nginx -> gunicorn -> app; the load balancer sends to each.
    const lb = one(labelled(chart, (l) => l.startsWith("load balancer end")), "lb");
    expect(labelled(chart, (l) => l === "nginx").every((n) => hasEdge(chart, lb.id, n.id))).toBe(true);
    expect(labelled(chart, (l) => l === "nginx")).toHaveLength(3);
    expect(diagramOf(synthetic(), 'st"ack\n end')).toBe(text);
  });

  it("mermaidLabel writes a quote as #quot; and markup as entity codes", () => {
    expect(mermaidLabel('say "hi"', "<b>#1&`|")).toBe('"say #quot;hi#quot;<br/>#60;b#62;#35;1#38;#96;#124;"');
    expect(decode(mermaidLabel("a\nb").slice(1, -1))).toBe("a b");
  });
});

describe("where the diagram goes", () => {
  it(`the README's top diagram is the ${DIAGRAM_STACK} stack's, as generated`, () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(renderReadmeDiagram(readme, texts.get(DIAGRAM_STACK)!)).toBe(readme);
  });

  it("npm run plan -- --diagram FILE writes the same bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fullstack-diagram-test-"));
    try {
      const file = join(dir, "dev.mmd");
      const stderr = await new Promise<string>((resolve, reject) => {
        execFile("npx", ["tsx", "tools/plan.ts", "--stack", "dev", "--diagram", file], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, _out, err2) => (err ? reject(err) : resolve(err2)));
      });
      expect(stderr).toBe("");
      expect(readFileSync(file, "utf8")).toBe(texts.get("dev"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("npm run plan -- --diagram - prints the diagram alone, and is refused beside --diff's report", async () => {
    const run = (args: string[]) => new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile("npx", ["tsx", "tools/plan.ts", ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (e, out, err) => resolve({ code: e ? Number(e.code) : 0, out, err }));
    });
    const alone = await run(["--stack", "dev", "--diagram", "-"]);
    expect(alone.code).toBe(0);
    expect(alone.out).toBe(texts.get("dev"));
    const mixed = await run(["--stack", "dev", "--diff", "HEAD", "--diagram", "-"]);
    expect(mixed.code).toBe(1);
    expect(mixed.err).toMatch(/with --diff, --diagram needs a file to write/);
    expect(mixed.out).toBe("");
  }, 60_000);
});
