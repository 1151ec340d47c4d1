/**
 * The image bake on DigitalOcean (provisioning/digitalocean/imageBake.ts), run for real: the rendered program
 * under this very Node.js binary (process.execPath; once through `sh -c` with BAKE_COMMANDS, the Command's own
 * words) against a fake DigitalOcean API on loopback that keeps state (droplets, actions, snapshots), checks
 * the token in the Authorization header and the request bodies, and answers in the shapes of DigitalOcean's
 * OpenAPI description (github.com/digitalocean/openapi, specification/resources/droplets, snapshots, actions,
 * shared/pages.yml: two items a page here, with absolute `links.pages.next` URLs as the real API gives).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  BAKE_BUILDER_TAG, BAKE_COMMANDS, BAKE_ENV, BAKE_NOT_FOUND_LOOKS, BAKE_PREVIOUS_STDOUT, BAKE_TOKEN_ENV, bakeBuilderName, renderDoImageBakeProgram,
} from "../provisioning/digitalocean/imageBake";
import { fakeJsonApi } from "./fakeApi";

jest.setTimeout(30_000);

/** A token as DigitalOcean issues them (not a real one). */
const TOKEN = `dop_v1_${"cd34".repeat(16)}`;
const NAME = "shop-prod-image-3f9a1c2b7d4e";
const BUILDER = bakeBuilderName(NAME);
const REGION = "fra1";
const SIZE = "s-2vcpu-2gb";
const IMAGE = "debian-12-x64";
/** Opaque to the program; the sentinel must never reach its output. */
const USER_DATA = [
  "#cloud-config", "package_update: true", "packages: [nginx, postgresql-client]", "ssh_pwauth: false",
  "runcmd:", "  - [echo, sentinel-user-data-8c1f0e]", "power_state: {mode: poweroff, condition: true}", "",
].join("\n");
const PROGRAM = renderDoImageBakeProgram();

interface Call { method: string; path: string; body?: Record<string, unknown>; authorization: string; contentType: string; at: number; dropletStatus?: string }
/** `statuses`: what the next looks show, the last one for good; "off~locked" is off with an event still running on it. */
interface FakeDroplet { id: number; name: string; region: string; size: string; image: string; tags: string[]; statuses: string[]; renamedTo?: string; hiddenLooks: number }
interface FakeSnapshot { id: number; name: string; regions: string[]; created_at: string; resource_id: string }
interface FakeAction { id: number; dropletId: number; name: string; statuses: string[] }
/** A request answered with `status` (and `headers`) instead, `times` times; `andCreate`: a create carried out all the same. */
interface Fault { method: string; path: RegExp; status: number; headers?: Record<string, string>; times: number; andCreate?: boolean; message?: string }

interface FakeOptions {
  /** Looks at a new droplet before it is off (the bake powering it off); Infinity: it never is. */
  polls?: number;
  /** Looks at a new droplet that answer 404 first (the API's lag after a create); Infinity: it never shows. */
  notFoundLooks?: number;
  /** Looks that show the droplet off but still locked by its power-off event; and locked by its snapshot after that completes. */
  lockedAfterOff?: number;
  lockedAfterSnapshot?: number;
  snapshotAction?: "completed" | "errored";
  droplets?: Omit<FakeDroplet, "statuses" | "hiddenLooks">[];
  snapshots?: FakeSnapshot[];
  faults?: Fault[];
}

const NOT_FOUND = { id: "not_found", message: "The resource you were accessing could not be found." };

/**
 * The fake API: GET /v2/snapshots (resource_type=droplet), DELETE /v2/snapshots/{id}; GET /v2/droplets
 * (tag_name), POST /v2/droplets, GET and DELETE /v2/droplets/{id}, POST /v2/droplets/{id}/actions (snapshot),
 * GET /v2/droplets/{id}/actions/{action}, GET /v2/droplets/{id}/snapshots. A new droplet is `new`, `active`
 * for `polls` looks, then `off`; a snapshot action is in progress for two looks, then completed (the
 * snapshot appears, in the droplet's region) or errored.
 */
async function fakeDigitalOcean(opts: FakeOptions = {}) {
  const calls: Call[] = [];
  const droplets = new Map<number, FakeDroplet>((opts.droplets ?? []).map((d) => [d.id, { ...d, statuses: ["active"], hiddenLooks: 0 }]));
  const snapshots = new Map<number, FakeSnapshot>((opts.snapshots ?? []).map((s) => [s.id, s]));
  const actions = new Map<number, FakeAction>();
  const faults = (opts.faults ?? []).map((f) => ({ ...f }));
  let nextDroplet = 310000001;
  let nextAction = 2100000001;
  let nextSnapshot = 190000001;
  let created = 0;
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const dropletView = (d: FakeDroplet, shown = d.statuses[0]) => ({
    id: d.id, name: d.name, memory: 2048, vcpus: 2, disk: 60, locked: shown.endsWith("~locked"), status: shown.replace(/~locked$/, ""), created_at: "2026-08-07T10:00:00Z",
    features: [], backup_ids: [], snapshot_ids: [...snapshots.values()].filter((s) => s.resource_id === String(d.id)).map((s) => s.id),
    image: { slug: d.image }, size_slug: d.size, networks: { v4: [], v6: [] }, region: { slug: d.region, name: "Frankfurt 1" },
    tags: d.tags, vpc_uuid: "d455e75d-4858-4eec-8c95-da2f0a5f93a7",
  });
  const actionView = (a: FakeAction, status = a.statuses[0]) => ({
    id: a.id, status, type: "snapshot", started_at: "2026-08-07T10:05:00Z", completed_at: status === "in-progress" ? null : now(),
    resource_id: a.dropletId, resource_type: "droplet", region_slug: REGION,
  });
  /** Two a page, with DigitalOcean's links.pages.next (absolute, on the real host). */
  const page = <T>(url: URL, items: T[]) => {
    const n = Number(url.searchParams.get("page") ?? "1");
    const following = new URL(`https://api.digitalocean.com${url.pathname}${url.search}`);
    following.searchParams.set("page", String(n + 1));
    return { items: items.slice((n - 1) * 2, n * 2), links: n * 2 < items.length ? { pages: { next: following.toString() } } : {}, meta: { total: items.length } };
  };

  const api = await fakeJsonApi((request, json) => {
    const { url, method } = request;
    const call: Call = { method, path: request.path, authorization: request.authorization, contentType: request.contentType, at: Date.now() };
    if (request.body) call.body = request.body;
    calls.push(call);
    if (call.authorization !== `Bearer ${TOKEN}`) return json(401, { id: "unauthorized", message: "Unable to authenticate you" });
    if (call.body !== undefined && !call.contentType.startsWith("application/json")) return json(400, { id: "bad_request", message: "not JSON" });

    const m = /^\/v2\/(snapshots|droplets)(?:\/([^/]+))?(?:\/(actions|snapshots)(?:\/([^/]+))?)?$/.exec(url.pathname);
    const [, kind, id, sub, subId] = m ?? [];

    const fault = faults.find((f) => f.times > 0 && f.method === method && f.path.test(call.path));
    if (fault) {
      fault.times--;
      if (fault.andCreate) makeDroplet(call.body as Record<string, unknown>);
      const body = fault.message ? { id: "unprocessable_entity", message: fault.message }
        : fault.status === 429 ? { id: "too_many_requests", message: "API Rate limit exceeded." } : { id: "server_error", message: "Unexpected server-side error" };
      return json(fault.status, body, fault.headers);
    }
    if (!m) return json(404, NOT_FOUND);

    if (kind === "snapshots" && !id && method === "GET") {
      if (url.searchParams.get("resource_type") !== "droplet") return json(400, { id: "bad_request", message: "resource_type droplet expected here" });
      const p = page(url, [...snapshots.values()].map((s) => ({
        id: String(s.id), name: s.name, regions: s.regions, created_at: s.created_at, resource_id: s.resource_id, resource_type: "droplet",
        min_disk_size: 60, size_gigabytes: 1.37, tags: [],
      })));
      return json(200, { snapshots: p.items, links: p.links, meta: p.meta });
    }
    if (kind === "snapshots" && id && !sub && method === "DELETE") {
      if (!snapshots.delete(Number(id))) return json(404, NOT_FOUND);
      return json(204);
    }
    if (kind === "droplets" && !id && method === "GET") {
      const tag = url.searchParams.get("tag_name");
      const p = page(url, [...droplets.values()].filter((d) => !tag || d.tags.includes(tag)).map((d) => dropletView(d)));
      return json(200, { droplets: p.items, links: p.links, meta: p.meta });
    }
    if (kind === "droplets" && !id && method === "POST") {
      const body = call.body ?? {};
      for (const key of ["name", "size", "image"]) if (typeof body[key] !== "string") return json(422, { id: "unprocessable_entity", message: `${key} is required` });
      if (Buffer.byteLength(String(body.user_data ?? "")) > 64 * 1024) return json(422, { id: "unprocessable_entity", message: "user_data is too long" });
      if (body.region === "xyz9") return json(422, { id: "unprocessable_entity", message: "Region is not available" });
      const d = makeDroplet(body);
      return json(202, { droplet: dropletView(d, "new"), links: { actions: [{ id: nextAction++, rel: "create", href: `https://api.digitalocean.com/v2/actions/${nextAction}` }] } });
    }
    const droplet = kind === "droplets" && id ? droplets.get(Number(id)) : undefined;
    if (!droplet) return json(404, NOT_FOUND);
    const locked = droplet.statuses[0].endsWith("~locked");
    const pending = () => json(422, { id: "unprocessable_entity", message: "Droplet already has a pending event." });
    if (!sub && method === "GET" && droplet.hiddenLooks > 0) {
      droplet.hiddenLooks--;
      return json(404, NOT_FOUND);
    }
    if (!sub && method === "GET") {
      const status = droplet.statuses.length > 1 ? droplet.statuses.shift()! : droplet.statuses[0];
      const view = dropletView(droplet, status);
      return json(200, { droplet: droplet.renamedTo ? { ...view, name: droplet.renamedTo } : view });
    }
    if (!sub && method === "DELETE") {
      if (locked) return pending();
      droplets.delete(droplet.id);
      return json(204);
    }
    if (sub === "actions" && !subId && method === "POST") {
      call.dropletStatus = droplet.statuses[0];
      if (locked) return pending();
      const body = call.body as { type?: string; name?: string };
      if (body.type !== "snapshot" || typeof body.name !== "string") return json(422, { id: "unprocessable_entity", message: "snapshot with a name expected here" });
      const a: FakeAction = { id: nextAction++, dropletId: droplet.id, name: body.name, statuses: ["in-progress", "in-progress", "in-progress", opts.snapshotAction ?? "completed"] };
      actions.set(a.id, a);
      return json(201, { action: actionView(a, "in-progress") });
    }
    if (sub === "actions" && subId && method === "GET") {
      const a = actions.get(Number(subId));
      if (!a || a.dropletId !== droplet.id) return json(404, NOT_FOUND);
      const status = a.statuses.length > 1 ? a.statuses.shift()! : a.statuses[0];
      if (status === "completed" && ![...snapshots.values()].some((s) => s.resource_id === String(droplet.id))) {
        const s = { id: nextSnapshot++, name: a.name, regions: [droplet.region], created_at: now(), resource_id: String(droplet.id) };
        snapshots.set(s.id, s);
        droplet.statuses = [...Array<string>(opts.lockedAfterSnapshot ?? 0).fill("off~locked"), "off"];
      }
      return json(200, { action: actionView(a, status) });
    }
    if (sub === "snapshots" && !subId && method === "GET") {
      const p = page(url, [...snapshots.values()].filter((s) => s.resource_id === String(droplet.id)).map((s) => ({
        id: s.id, name: s.name, regions: s.regions, created_at: s.created_at, min_disk_size: 60, size_gigabytes: 1.37, type: "snapshot",
      })));
      return json(200, { snapshots: p.items, links: p.links, meta: p.meta });
    }
    return json(404, { id: "not_found", message: `${method} ${url.pathname} is not faked` });
  });

  function makeDroplet(body: Record<string, unknown>): FakeDroplet {
    const polls = opts.polls ?? 3;
    const d: FakeDroplet = {
      id: nextDroplet++, name: String(body.name), region: String(body.region), size: String(body.size), image: String(body.image),
      tags: (body.tags as string[] | undefined) ?? [],
      statuses: Number.isFinite(polls) ? ["new", ...Array<string>(polls).fill("active"), ...Array<string>(opts.lockedAfterOff ?? 0).fill("off~locked"), "off"] : ["new", "active"],
      hiddenLooks: opts.notFoundLooks ?? 0,
    };
    droplets.set(d.id, d);
    created++;
    return d;
  }

  return { url: api.url, calls, droplets, snapshots, actions, created: () => created, close: api.close };
}
type Fake = Awaited<ReturnType<typeof fakeDigitalOcean>>;

interface Run { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

let home = "";
beforeAll(() => { home = mkdtempSync(join(tmpdir(), "fullstack-bake-")); });
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The inputs the Command gives the program, pointed at the fake, polling fast. */
function bakeEnv(fake: Fake, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, LANG: "C.UTF-8",
    [BAKE_ENV.program]: PROGRAM, [BAKE_ENV.name]: NAME, [BAKE_ENV.region]: REGION, [BAKE_ENV.size]: SIZE, [BAKE_ENV.baseImage]: IMAGE,
    [BAKE_ENV.userData]: USER_DATA, [BAKE_ENV.pollS]: "0.05", [BAKE_ENV.api]: fake.url, DIGITALOCEAN_TOKEN: TOKEN, ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Runs the program: node -e PROGRAM verb (or the Command's words through sh); killed after 15 s. */
async function bake(verb: string, env: Record<string, string>, opts: { shell?: boolean; started?: (child: ChildProcess) => void } = {}): Promise<Run> {
  const child = opts.shell
    ? spawn("/bin/sh", ["-c", BAKE_COMMANDS[verb as keyof typeof BAKE_COMMANDS]], { env })
    : spawn(process.execPath, ["-e", PROGRAM, ...(verb ? [verb] : [])], { env });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => { stdout += c.toString(); });
  child.stderr!.on("data", (c: Buffer) => { stderr += c.toString(); });
  opts.started?.(child);
  const guard = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (code, sig) => resolve([code, sig])));
  clearTimeout(guard);
  return { status, signal, stdout, stderr };
}

const paths = (fake: Fake, method: string) => fake.calls.filter((c) => c.method === method).map((c) => c.path);
const lastLine = (text: string) => text.trimEnd().split("\n").pop();
/** Nothing secret in any output. */
function clean(run: Run) {
  for (const text of [run.stdout, run.stderr]) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("sentinel-user-data-8c1f0e");
    expect(text).not.toContain("#cloud-config");
  }
}
const snapshot = (id: number, name: string, regions = [REGION], created = "2026-08-01T09:00:00Z"): FakeSnapshot => ({ id, name, regions, created_at: created, resource_id: "300000001" });

describe("the image bake program, against a fake DigitalOcean API", () => {
  it("is one self-contained script; the Command's words run it with the verb after the program", () => {
    expect(BAKE_COMMANDS).toEqual({ create: 'node -e "$FULLSTACK_BAKE_PROGRAM" create', delete: 'node -e "$FULLSTACK_BAKE_PROGRAM" delete' });
    expect(BAKE_TOKEN_ENV).toEqual(["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"]);
    expect(Buffer.byteLength(PROGRAM)).toBeLessThan(64 * 1024);
    expect(PROGRAM).not.toMatch(/\brequire\(/);
    expect(PROGRAM).toContain(`"${BAKE_BUILDER_TAG}"`);
  });

  it("create: a builder from the base image with the user data, polled until the bake powers it off, snapshotted, deleted; the id is stdout's last line", async () => {
    const fake = await fakeDigitalOcean({
      polls: 3,
      // Three unrelated snapshots: the listing takes two pages.
      snapshots: [snapshot(180000001, "shop-staging-image-aa11"), snapshot(180000002, `${NAME}-old`), snapshot(180000003, "web-01-1595954862243")],
    });
    try {
      const run = await bake("create", bakeEnv(fake, { [BAKE_ENV.timeoutS]: "10" }), { shell: true });
      expect(run.stderr).not.toMatch(/^image bake: /m);
      expect(run.status).toBe(0);
      clean(run);
      expect(fake.calls.every((c) => c.authorization === `Bearer ${TOKEN}`)).toBe(true);

      // The snapshot list, every page, then the leftover sweep by tag.
      expect(paths(fake, "GET").slice(0, 3)).toEqual([
        "/v2/snapshots?resource_type=droplet&per_page=200", "/v2/snapshots?resource_type=droplet&per_page=200&page=2",
        `/v2/droplets?tag_name=${BAKE_BUILDER_TAG}&per_page=200`,
      ]);
      const posts = fake.calls.filter((c) => c.method === "POST");
      expect(posts).toHaveLength(2);
      expect(posts[0].path).toBe("/v2/droplets");
      expect(posts[0].body).toEqual({
        name: BUILDER, region: REGION, size: SIZE, image: IMAGE, user_data: USER_DATA, tags: [BAKE_BUILDER_TAG],
        ssh_keys: [], monitoring: false, ipv6: false, backups: false,
      });
      const builder = 310000001;
      // Polled: new, active x3, off; then snapshotted while off, the action polled until completed.
      expect(paths(fake, "GET").filter((p) => p === `/v2/droplets/${builder}`).length).toBeGreaterThanOrEqual(5);
      expect(posts[1]).toMatchObject({ path: `/v2/droplets/${builder}/actions`, body: { type: "snapshot", name: NAME }, dropletStatus: "off" });
      const [action] = [...fake.actions.keys()];
      expect(paths(fake, "GET").filter((p) => p === `/v2/droplets/${builder}/actions/${action}`).length).toBe(4);
      expect(paths(fake, "GET")).toContain(`/v2/droplets/${builder}/snapshots?per_page=200`);
      // The builder, and only it, deleted last; the snapshot stays, in the region.
      expect(paths(fake, "DELETE")).toEqual([`/v2/droplets/${builder}`]);
      expect(fake.calls[fake.calls.length - 1]).toMatchObject({ method: "DELETE", path: `/v2/droplets/${builder}` });
      expect(fake.droplets.size).toBe(0);
      const made = [...fake.snapshots.values()].find((s) => s.name === NAME)!;
      expect(made).toMatchObject({ regions: [REGION], resource_id: String(builder) });
      expect(run.stdout).toBe(`${made.id}\n`);
      expect(lastLine(run.stdout)).toBe(String(made.id));
      // Progress: one line a step on stderr, each with the seconds elapsed.
      const lines = run.stderr.trimEnd().split("\n");
      for (const line of lines) expect(line).toMatch(/^image bake \[\d+ s\]: /);
      expect(run.stderr).toContain(`creating the builder droplet ${BUILDER} (${SIZE} in ${REGION}, from ${IMAGE})`);
      expect(run.stderr).toContain(`made the snapshot ${made.id} (${NAME})`);
      expect(run.stderr).toContain(`deleted the builder droplet ${builder} (${BUILDER})`);
    } finally {
      await fake.close();
    }
  });

  it("create: a snapshot already named exactly so (in the region) is reused: no droplet made; a builder its run left is deleted", async () => {
    const fake = await fakeDigitalOcean({
      snapshots: [
        snapshot(180000001, `${NAME}-old`), snapshot(180000002, "shop-staging-image-aa11"),
        snapshot(180000003, NAME, ["nyc3"], "2026-08-05T09:00:00Z"), snapshot(180000004, NAME, [REGION, "ams3"], "2026-08-04T09:00:00Z"),
        snapshot(180000005, `${NAME}x`),
      ],
      droplets: [{ id: 300000001, name: BUILDER, region: REGION, size: SIZE, image: IMAGE, tags: [BAKE_BUILDER_TAG] }],
    });
    try {
      // The provider's second variable works as well.
      const run = await bake("create", bakeEnv(fake, { DIGITALOCEAN_TOKEN: undefined, DIGITALOCEAN_ACCESS_TOKEN: TOKEN }));
      expect(run.stderr).not.toMatch(/^image bake: /m);
      expect(run.status).toBe(0);
      clean(run);
      expect(run.stdout).toBe("180000004\n");
      expect(run.stderr).toContain(`reusing the snapshot 180000004 (${NAME}, made by an earlier run)`);
      expect(fake.calls.filter((c) => c.method === "POST")).toEqual([]);
      expect(fake.created()).toBe(0);
      expect(paths(fake, "GET")).toContain("/v2/snapshots?resource_type=droplet&per_page=200&page=3");
      expect(paths(fake, "DELETE")).toEqual(["/v2/droplets/300000001"]);
      expect(fake.snapshots.size).toBe(5);
    } finally {
      await fake.close();
    }
  });

  it("create: a leftover builder (exact name, re-read by id) is deleted first; similar names, other tags and a renamed one are left alone", async () => {
    const others = [
      { id: 300000002, name: `${BUILDER}-2`, region: REGION, size: SIZE, image: IMAGE, tags: [BAKE_BUILDER_TAG] },
      { id: 300000003, name: "shop-prod-image-3f9a1c2b7d4f-builder", region: REGION, size: SIZE, image: IMAGE, tags: [BAKE_BUILDER_TAG] },
      { id: 300000004, name: "shop-prod-web-1", region: REGION, size: SIZE, image: IMAGE, tags: ["shop-prod", "web"] },
      { id: 300000005, name: BUILDER, region: REGION, size: SIZE, image: IMAGE, tags: [BAKE_BUILDER_TAG], renamedTo: "shop-prod-web-9" },
    ];
    const fake = await fakeDigitalOcean({
      polls: 1,
      droplets: [{ id: 300000001, name: BUILDER, region: REGION, size: SIZE, image: IMAGE, tags: [BAKE_BUILDER_TAG] }, ...others],
    });
    try {
      const run = await bake("create", bakeEnv(fake));
      expect(run.stderr).not.toMatch(/^image bake: /m);
      expect(run.status).toBe(0);
      clean(run);
      // Listed by tag over pages; both exact names re-read by id; only the one still so named deleted, before the create.
      expect(paths(fake, "GET")).toEqual(expect.arrayContaining([
        `/v2/droplets?tag_name=${BAKE_BUILDER_TAG}&per_page=200&page=2`, "/v2/droplets/300000001", "/v2/droplets/300000005",
      ]));
      const order = fake.calls.map((c) => `${c.method} ${c.path}`);
      expect(order.indexOf("DELETE /v2/droplets/300000001")).toBeLessThan(order.indexOf("POST /v2/droplets"));
      expect(paths(fake, "DELETE")).toEqual(["/v2/droplets/300000001", "/v2/droplets/310000001"]);
      expect(run.stderr).toContain('not deleting droplet 300000005: it is now "shop-prod-web-9"');
      expect([...fake.droplets.keys()].sort()).toEqual(others.map((d) => d.id).sort());
      expect(lastLine(run.stdout)).toMatch(/^\d+$/);
    } finally {
      await fake.close();
    }
  });

  it("create: a new droplet that answers 404 at first, and one off but still locked (before and after its snapshot), are waited for: no 422, one snapshot, the builder deleted once unlocked", async () => {
    // TFDO waitForDropletAttribute (NotFoundChecks); packer-plugin-digitalocean step_snapshot (waits for unlocked).
    const fake = await fakeDigitalOcean({ polls: 1, notFoundLooks: 3, lockedAfterOff: 2, lockedAfterSnapshot: 3 });
    try {
      const run = await bake("create", bakeEnv(fake, { [BAKE_ENV.timeoutS]: "10" }));
      expect(run.stderr).toContain("the builder is missing");
      expect(run.stderr).toContain("the builder is off (locked)");
      expect(run.status).toBe(0);
      clean(run);
      const builder = 310000001;
      // The snapshot was asked for once, when the droplet was off and unlocked; the delete came once unlocked.
      expect(fake.calls.filter((c) => c.method === "POST" && c.path.endsWith("/actions"))).toEqual([expect.objectContaining({ dropletStatus: "off" })]);
      expect(paths(fake, "DELETE")).toEqual([`/v2/droplets/${builder}`]);
      expect(run.stderr).not.toMatch(/pending event/);
      expect(fake.droplets.size).toBe(0);
      expect(run.stdout).toBe(`${[...fake.snapshots.values()].find((s) => s.name === NAME)!.id}\n`);
    } finally {
      await fake.close();
    }
  });

  it("create: a 422 'pending event' on the snapshot or the delete (the droplet locked by another event) is retried; other 422s are not", async () => {
    const fake = await fakeDigitalOcean({
      polls: 1,
      faults: [
        { method: "POST", path: /^\/v2\/droplets\/\d+\/actions$/, status: 422, times: 2, message: "Droplet already has a pending event." },
        { method: "DELETE", path: /^\/v2\/droplets\/\d+$/, status: 422, times: 1, message: "Droplet already has a pending event." },
      ],
    });
    try {
      const run = await bake("create", bakeEnv(fake, { [BAKE_ENV.timeoutS]: "10" }));
      expect(run.status).toBe(0);
      expect(run.stderr.match(/Droplet already has a pending event\. \(the droplet is locked\); retrying/g)).toHaveLength(3);
      expect(fake.snapshots.size).toBe(1);
      expect(fake.droplets.size).toBe(0);
    } finally {
      await fake.close();
    }
    const refused = await fakeDigitalOcean({
      polls: 1, faults: [{ method: "POST", path: /^\/v2\/droplets\/\d+\/actions$/, status: 422, times: 1, message: "Snapshot name is invalid." }],
    });
    try {
      const run = await bake("create", bakeEnv(refused, { [BAKE_ENV.timeoutS]: "10" }));
      expect(run.status).toBe(1);
      expect(lastLine(run.stderr)).toBe("image bake: POST /v2/droplets/310000001/actions: HTTP 422 Snapshot name is invalid.");
      expect(refused.droplets.size).toBe(0);
    } finally {
      await refused.close();
    }
  });

  it("create: a droplet that never shows (404 past the looks the API's lag explains) fails the bake, naming it", async () => {
    const fake = await fakeDigitalOcean({ polls: 1, notFoundLooks: Infinity });
    try {
      const run = await bake("create", bakeEnv(fake, { [BAKE_ENV.timeoutS]: "10" }));
      expect(run.status).toBe(1);
      expect(lastLine(run.stderr)).toBe(`image bake: the builder droplet 310000001 (${BUILDER}) is missing`);
      expect(paths(fake, "GET").filter((p) => p === "/v2/droplets/310000001").length).toBe(BAKE_NOT_FOUND_LOOKS + 1 + 1);
    } finally {
      await fake.close();
    }
  });

  it("create: a bake that never powers off times out; the builder is deleted; it fails saying so and what the builder was", async () => {
    const fake = await fakeDigitalOcean({ polls: Infinity });
    try {
      const run = await bake("create", bakeEnv(fake, { [BAKE_ENV.timeoutS]: "0.4" }));
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      clean(run);
      expect(lastLine(run.stderr)).toBe(`image bake: the bake did not power off within 0.4 s (a failed package install leaves the builder running): `
        + `the builder was droplet 310000001 (${BUILDER}, ${SIZE} in ${REGION}, from ${IMAGE}), last active`);
      expect(paths(fake, "GET").filter((p) => p === "/v2/droplets/310000001").length).toBeGreaterThanOrEqual(3);
      expect(paths(fake, "POST")).toEqual(["/v2/droplets"]);
      expect(paths(fake, "DELETE")).toEqual(["/v2/droplets/310000001"]);
      expect(fake.droplets.size).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it("create: an errored snapshot action fails the bake, and the builder is still deleted", async () => {
    const fake = await fakeDigitalOcean({ polls: 1, snapshotAction: "errored" });
    try {
      const run = await bake("create", bakeEnv(fake));
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      clean(run);
      const [action] = [...fake.actions.keys()];
      expect(lastLine(run.stderr)).toBe(`image bake: the snapshot action ${action} of the builder droplet 310000001 errored`);
      expect(paths(fake, "DELETE")).toEqual(["/v2/droplets/310000001"]);
      expect(fake.snapshots.size).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it("create: 429s are waited out (retry-after, ratelimit-reset) and a 503 retried; one droplet, one snapshot", async () => {
    const fake = await fakeDigitalOcean({
      polls: 1,
      faults: [
        { method: "GET", path: /^\/v2\/snapshots\?/, status: 429, headers: { "ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": String(Math.ceil(Date.now() / 1000)) }, times: 1 },
        { method: "POST", path: /^\/v2\/droplets$/, status: 429, headers: { "ratelimit-remaining": "0", "retry-after": "1" }, times: 1 },
        { method: "GET", path: /^\/v2\/droplets\/\d+$/, status: 503, times: 2 },
        { method: "POST", path: /^\/v2\/droplets\/\d+\/actions$/, status: 429, headers: { "retry-after": "0" }, times: 1 },
      ],
    });
    try {
      const run = await bake("create", bakeEnv(fake));
      expect(run.stderr).not.toMatch(/^image bake: /m);
      expect(run.status).toBe(0);
      clean(run);
      const creates = fake.calls.filter((c) => c.method === "POST" && c.path === "/v2/droplets");
      expect(creates).toHaveLength(2);
      expect(creates[1].at - creates[0].at).toBeGreaterThanOrEqual(950);
      expect(fake.created()).toBe(1);
      expect(paths(fake, "POST").filter((p) => p.endsWith("/actions"))).toHaveLength(2);
      expect(run.stderr).toContain("POST /v2/droplets: rate limited (HTTP 429); retrying in 1 s");
      expect(run.stderr).toContain("GET /v2/droplets/310000001: HTTP 503; retrying");
      expect(lastLine(run.stdout)).toBe(String([...fake.snapshots.keys()][0]));
      expect(paths(fake, "DELETE")).toEqual(["/v2/droplets/310000001"]);
    } finally {
      await fake.close();
    }
  });

  it("create: a refused request fails with its method, path, status and DigitalOcean's message; a 5xx create is not retried, and what it made is swept", async () => {
    const refused = await fakeDigitalOcean();
    try {
      const run = await bake("create", bakeEnv(refused, { [BAKE_ENV.region]: "xyz9" }));
      expect(run.status).toBe(1);
      expect(lastLine(run.stderr)).toBe("image bake: POST /v2/droplets: HTTP 422 Region is not available");
      expect(refused.created()).toBe(0);
      expect(paths(refused, "DELETE")).toEqual([]);
    } finally {
      await refused.close();
    }
    const broken = await fakeDigitalOcean({ faults: [{ method: "POST", path: /^\/v2\/droplets$/, status: 500, times: 1, andCreate: true }] });
    try {
      const run = await bake("create", bakeEnv(broken));
      expect(run.status).toBe(1);
      clean(run);
      expect(lastLine(run.stderr)).toBe("image bake: POST /v2/droplets: HTTP 500 Unexpected server-side error");
      expect(paths(broken, "POST")).toEqual(["/v2/droplets"]);
      expect(paths(broken, "DELETE")).toEqual(["/v2/droplets/310000001"]);
      expect(broken.droplets.size).toBe(0);
    } finally {
      await broken.close();
    }
  });

  it("create: stopped (SIGTERM) while the bake runs, it deletes the builder before it exits", async () => {
    const fake = await fakeDigitalOcean({ polls: Infinity });
    try {
      const run = await bake("create", bakeEnv(fake, { [BAKE_ENV.timeoutS]: "60" }), {
        started: (child) => {
          const look = setInterval(() => {
            if (fake.calls.filter((c) => c.method === "GET" && c.path === "/v2/droplets/310000001").length >= 2) {
              clearInterval(look);
              child.kill("SIGTERM");
            }
          }, 20);
          child.on("close", () => clearInterval(look));
        },
      });
      expect(run.status).toBe(143);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain("stopped by SIGTERM; deleting the builder before exiting");
      expect(paths(fake, "DELETE")).toEqual(["/v2/droplets/310000001"]);
      expect(fake.droplets.size).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it("no token: one line naming both variables and digitalocean:token, and no request", async () => {
    const fake = await fakeDigitalOcean();
    try {
      const run = await bake("create", bakeEnv(fake, { DIGITALOCEAN_TOKEN: undefined }));
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/^image bake: no DigitalOcean API token: set DIGITALOCEAN_TOKEN or DIGITALOCEAN_ACCESS_TOKEN .*digitalocean:token/);
      expect(fake.calls).toEqual([]);
      // No verb, or another: usage.
      const usage = await bake("", bakeEnv(fake));
      expect(usage.status).toBe(2);
      expect(usage.stderr).toBe('image bake: usage: node -e "$FULLSTACK_BAKE_PROGRAM" create|delete\n');
    } finally {
      await fake.close();
    }
  });

  it("delete: the snapshot named by stdout's last line goes (through the Command's words); gone already is success; no id, nothing to do", async () => {
    const fake = await fakeDigitalOcean({ snapshots: [snapshot(190000007, NAME), snapshot(190000008, `${NAME}-old`)] });
    try {
      const stdout = "190000007\n";
      const first = await bake("delete", bakeEnv(fake, { [BAKE_PREVIOUS_STDOUT]: stdout }), { shell: true });
      expect(first.stderr).toMatch(/^image bake \[\d+ s\]: deleted the snapshot 190000007\n$/);
      expect(first.status).toBe(0);
      expect(first.stdout).toBe("");
      expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["DELETE /v2/snapshots/190000007"]);
      expect([...fake.snapshots.keys()]).toEqual([190000008]);
      // Again: 404, already gone.
      const again = await bake("delete", bakeEnv(fake, { [BAKE_PREVIOUS_STDOUT]: `some line\n190000007\n\n` }));
      expect(again.status).toBe(0);
      expect(again.stderr).toMatch(/^image bake \[\d+ s\]: the snapshot 190000007 is already gone\n$/);
      expect(fake.calls).toHaveLength(2);
      // Nothing recorded: nothing to do, no token needed.
      for (const recorded of [undefined, "", "\n\n"]) {
        const none = await bake("delete", bakeEnv(fake, { [BAKE_PREVIOUS_STDOUT]: recorded, DIGITALOCEAN_TOKEN: undefined }));
        expect(none.status).toBe(0);
        expect(none.stderr).toContain("nothing to delete");
      }
      expect(fake.calls).toHaveLength(2);
      // Not an id: refused, nothing deleted.
      const odd = await bake("delete", bakeEnv(fake, { [BAKE_PREVIOUS_STDOUT]: "190000008 and more\n" }));
      expect(odd.status).toBe(1);
      expect(odd.stderr).toBe(`image bake: ${BAKE_PREVIOUS_STDOUT} does not end with a snapshot id: "190000008 and more"\n`);
      expect(fake.snapshots.size).toBe(1);
    } finally {
      await fake.close();
    }
  });
});
