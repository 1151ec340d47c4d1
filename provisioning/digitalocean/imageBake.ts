/**
 * The image bake on DigitalOcean: before any server is created, `pulumi up` bakes a droplet snapshot with the
 * roles' packages installed, so servers boot from it fast. A `command.local.Command` runs the program this
 * file renders on the machine that runs `pulumi up` (a laptop or a CI runner: Node.js >= 18 and nothing else
 * is assumed there; global fetch, CommonJS, no package), as
 *
 *     node -e "$FULLSTACK_BAKE_PROGRAM" create      (the Command's create)
 *     node -e "$FULLSTACK_BAKE_PROGRAM" delete      (its delete)
 *
 * with the program itself and its inputs in the environment (BAKE_ENV). Under `node -e` there is no script
 * path: process.argv is [node, ...the words after the program] (a `--` before them is dropped), so the verb
 * is process.argv[1]; run from a file (`node bake.js create`) it is process.argv[2], and both are accepted.
 *
 * create: reuses a droplet snapshot already named BAKE_ENV.name (made by a run that was stopped before Pulumi
 * recorded it), else makes a builder droplet `<name>-builder` (tagged BAKE_BUILDER_TAG, no SSH key, no
 * monitoring, IPv6 or backups) from the base image with the given user data, waits for it to power itself
 * off (the user data's sign of success: a failed install leaves it running), snapshots it, and always deletes
 * it. Builders left by earlier runs (exactly `<name>-builder`, re-read by id before each deletion) go first.
 * The snapshot's id is the last line of stdout (what the Command's `stdout` ends with); progress, one line a
 * step with the seconds elapsed, goes to stderr. Neither ever holds the token or the user data.
 * delete: deletes the snapshot whose id ends PULUMI_COMMAND_STDOUT (already gone is fine; no id, no-op).
 *
 * Sources:
 * - the token's variables: terraform-provider-digitalocean (github.com/digitalocean/terraform-provider-digitalocean,
 *   read at 401992a1, 2026-08-06), digitalocean/provider.go: `token` defaults to DIGITALOCEAN_TOKEN, then
 *   DIGITALOCEAN_ACCESS_TOKEN (the Pulumi provider is bridged from it, digitalocean:token);
 * - PULUMI_COMMAND_STDOUT: @pulumi/command 1.2.1, local/command.d.ts (`delete`: the previous create's or
 *   update's stdout and stderr are in PULUMI_COMMAND_STDOUT and PULUMI_COMMAND_STDERR; addPreviousOutputInEnv
 *   defaults to true);
 * - DigitalOcean's OpenAPI description (github.com/digitalocean/openapi, read at 7c1300c4, 2026-08-07),
 *   specification/:
 *   - description.yml ("Links & Pagination", "Rate Limits"): pages of 20 by default, up to 200 (per_page),
 *     `links.pages.next` the next page's URL; 429 once limited, `ratelimit-reset` (Unix time the oldest
 *     request expires) and, for the per-minute burst limit, `retry-after` (seconds to wait);
 *     shared/headers.yml, shared/responses/too_many_requests.yml; shared/models/error.yml: errors are JSON
 *     with `id` and `message`; shared/parameters.yml: per_page at most 200;
 *   - resources/snapshots/snapshots_list.yml: GET /v2/snapshots?resource_type=droplet, `snapshots` (models/
 *     snapshots.yml: `id` a string, `name`, `regions`, `created_at`; snapshot:read);
 *   - resources/snapshots/snapshots_delete.yml: DELETE /v2/snapshots/{id} for droplet and volume snapshots,
 *     204, 404 (security lists image:delete and snapshot:delete); parameters.yml: a droplet snapshot's id is an
 *     integer. (resources/images/images_delete.yml, DELETE /v2/images/{id}, also takes snapshots; the
 *     snapshots endpoint is the one documented for exactly them.)
 *   - resources/droplets/droplets_list.yml, parameters.yml: GET /v2/droplets?tag_name= (tag:read; not with
 *     `name`), `droplets` (droplet:read);
 *   - resources/droplets/droplets_create.yml: POST /v2/droplets, 202 with `droplet` (droplet:create);
 *     models/droplet_single_create.yml (`name`), models/droplet_create.yml: `region`, `size`, `image` (slug or
 *     id; image:read), `ssh_keys` (default none), `backups`, `ipv6`, `monitoring` (default false), `tags`
 *     (tag:create), `user_data` (plain text, at most 64 KiB);
 *   - resources/droplets/droplets_get.yml: GET /v2/droplets/{id}, `droplet`, 404; models/droplet.yml: `id` an
 *     integer, `status` new, active, off or archive;
 *   - resources/droplets/droplets_destroy.yml: DELETE /v2/droplets/{id}, 204, 404 (droplet:delete);
 *   - resources/droplets/dropletActions_post.yml: POST /v2/droplets/{id}/actions, type `snapshot` (droplet:update
 *     and image:create) with `name` (models/droplet_actions.yml, droplet_action_snapshot), 201 with `action`;
 *   - resources/droplets/dropletActions_get.yml: GET /v2/droplets/{id}/actions/{action_id}, `action`
 *     (droplet:read, where GET /v2/actions/{id}, resources/actions/actions_get.yml, needs actions:read);
 *     resources/actions/models/action.yml: `status` in-progress, completed or errored;
 *   - resources/droplets/droplets_list_snapshots.yml: GET /v2/droplets/{id}/snapshots, `snapshots`
 *     (models/droplet_snapshot.yml: `id` an integer, `name`; droplet:read).
 *
 * Retries: 429 always (every method: a limited request was not carried out), waiting `retry-after`, else
 * until `ratelimit-reset`, at most BAKE_RATE_WAIT_MAX_S each time; 5xx and network errors for GET and DELETE
 * only: a POST that failed that way may still have made its droplet or snapshot, which the next run finds by
 * name (a builder is deleted, a snapshot reused) rather than this run making a second one.
 *
 * The droplet's own timing, as the DigitalOcean tools that wait on it handle it:
 * - a new droplet can answer 404 for a while after its create: terraform-provider-digitalocean
 *   (droplet/resource_droplet.go waitForDropletAttribute, NotFoundChecks 120, "a hack around DO API
 *   strangeness") keeps looking, and so does this program, BAKE_NOT_FOUND_LOOKS times;
 * - a droplet is `locked` while an event runs on it (models/droplet.yml `locked`), and an action asked for
 *   meanwhile fails with 422 "Droplet already has a pending event" (digitalocean/api-v2 issue 129):
 *   packer-plugin-digitalocean (builder/digitalocean/step_snapshot.go, step_shutdown.go) waits for `off`
 *   and unlocked before its snapshot, and for unlocked again after it, before it deletes the droplet. So
 *   does this program, and it retries that 422 (nothing was done) for the snapshot and the delete.
 */
import { DO_BUILDER_SUFFIX } from "../../settings/limits/digitalocean";
import { DO_API_URL } from "./doRestoreDrill";

/** The environment the program reads: the Command's `environment` and the test use these names. */
export const BAKE_ENV = {
  /** The program itself (`node -e "$FULLSTACK_BAKE_PROGRAM" create`). */
  program: "FULLSTACK_BAKE_PROGRAM",
  /** The snapshot's name, e.g. shop-prod-image-3f9a1c2b7d4e; the builder droplet is `<name>-builder`. */
  name: "FULLSTACK_BAKE_NAME",
  /** The region slug of the builder, hence of the snapshot (fra1). */
  region: "FULLSTACK_BAKE_REGION",
  /** The builder's droplet size slug (s-1vcpu-1gb). */
  size: "FULLSTACK_BAKE_SIZE",
  /** The base image, a slug or an image id (debian-12-x64). */
  baseImage: "FULLSTACK_BAKE_BASE_IMAGE",
  /** The builder's user data (#cloud-config): installs, then powers the droplet off only when it succeeded. */
  userData: "FULLSTACK_BAKE_USER_DATA",
  /** Seconds to wait for the builder to power off, and again for the snapshot (default BAKE_DEFAULTS.timeoutS). */
  timeoutS: "FULLSTACK_BAKE_TIMEOUT_S",
  /** Seconds between two looks at the builder or the snapshot action (default BAKE_DEFAULTS.pollS). */
  pollS: "FULLSTACK_BAKE_POLL_S",
  /** The API's base URL (default DO_API_URL; tests point it at a fake). */
  api: "FULLSTACK_DO_API",
} as const;

/** The API token's variables, in the order the DigitalOcean provider reads them (digitalocean/provider.go). */
export const BAKE_TOKEN_ENV = ["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"] as const;
/** What pulumi-command sets, for `delete`, to the stdout of the create (or update) before it. */
export const BAKE_PREVIOUS_STDOUT = "PULUMI_COMMAND_STDOUT";
/** The tag of every builder droplet: what the leftover sweep lists. */
export const BAKE_BUILDER_TAG = "fullstack-image-builder";
/** The defaults of BAKE_ENV.timeoutS and BAKE_ENV.pollS, in seconds. */
export const BAKE_DEFAULTS = { timeoutS: 1800, pollS: 10 } as const;
/** The longest wait before retrying a rate-limited request, seconds (the hourly limit's reset can be an hour off). */
export const BAKE_RATE_WAIT_MAX_S = 60;
/** Looks at a new droplet that may answer 404 before it is given up for gone (with the default poll: 2 minutes). */
export const BAKE_NOT_FOUND_LOOKS = 12;
/** DigitalOcean's limit on user data (models/droplet_create.yml): checked before a builder is made. */
export const BAKE_USER_DATA_MAX_BYTES = 64 * 1024;

/** The shell commands of the Command's create and delete (POSIX sh: the program comes from the environment). */
export const BAKE_COMMANDS = {
  create: `node -e "$${BAKE_ENV.program}" create`,
  delete: `node -e "$${BAKE_ENV.program}" delete`,
} as const;

/** The builder droplet's name for a snapshot named `name`. */
export function bakeBuilderName(name: string): string {
  return `${name}${DO_BUILDER_SUFFIX}`;
}

/**
 * The bake program (CommonJS, Node.js >= 18, no dependency): the value of BAKE_ENV.program. The JavaScript
 * below is kept free of backquotes and dollar-braces: it sits in a raw template whose only substitutions are
 * the constants above.
 */
export function renderDoImageBakeProgram(): string {
  const q = (v: unknown) => JSON.stringify(v);
  return String.raw`'use strict';
// Rendered by fullstack-pulumi (provisioning/digitalocean/imageBake.ts): bakes a DigitalOcean droplet snapshot.
// node -e "$${BAKE_ENV.program}" create|delete. Progress on stderr; create's last stdout line is the snapshot id.
const ENV = ${q(BAKE_ENV)};
const TOKEN_VARS = ${q(BAKE_TOKEN_ENV)};
const PREVIOUS_STDOUT = ${q(BAKE_PREVIOUS_STDOUT)};
const TAG = ${q(BAKE_BUILDER_TAG)};
const DEFAULTS = ${q(BAKE_DEFAULTS)};
const DEFAULT_API = ${q(DO_API_URL)};
const RATE_WAIT_MAX = ${q(BAKE_RATE_WAIT_MAX_S)};
const USER_DATA_MAX = ${q(BAKE_USER_DATA_MAX_BYTES)};
const NOT_FOUND_LOOKS = ${q(BAKE_NOT_FOUND_LOOKS)};
/** The 422 an action or a delete gets while another event runs on the droplet (it is locked): nothing was done. */
const PENDING_EVENT = /pending event/i;
const RETRIES = 6;
const REQUEST_TIMEOUT_MS = 60000;
const STARTED = Date.now();

class Failed extends Error {}

const say = (line) => process.stderr.write('image bake [' + Math.round((Date.now() - STARTED) / 1000) + ' s]: ' + line + '\n');
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, Math.max(0, seconds) * 1000));
const setting = (name) => { const v = process.env[name]; return v === undefined || v.trim() === '' ? undefined : v; };
const required = (name) => { const v = setting(name); if (v === undefined) throw new Failed(name + ' is not set'); return v.trim(); };
const seconds = (name, fallback) => {
  const raw = setting(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Failed(name + ' must be a number of seconds above 0, not ' + JSON.stringify(raw));
  return v;
};

let TOKEN = '';
let API = '';
let POLL = DEFAULTS.pollS;

function useToken() {
  for (const name of TOKEN_VARS) {
    const v = setting(name);
    if (v !== undefined) { TOKEN = v.trim(); return; }
  }
  throw new Failed('no DigitalOcean API token: set ' + TOKEN_VARS.join(' or ') + ' (the variables the DigitalOcean provider reads when digitalocean:token is not set) in the environment of this command');
}

/** Seconds to wait after a 429: retry-after, else until ratelimit-reset (Unix time), else a backoff; capped. */
function rateWait(headers, attempt) {
  const after = Number(headers.get('retry-after'));
  const reset = Number(headers.get('ratelimit-reset'));
  let wait = Math.min(30, POLL * Math.pow(2, attempt));
  if (headers.get('retry-after') !== null && Number.isFinite(after)) wait = after;
  else if (headers.get('ratelimit-reset') !== null && Number.isFinite(reset)) wait = reset - Date.now() / 1000;
  return Math.min(RATE_WAIT_MAX, Math.max(0, wait));
}

/**
 * One API call: the parsed JSON body (null when empty). opts.missing: what a 404 returns instead of failing;
 * opts.whilePending: retry a 422 "pending event" (the droplet is locked by another event).
 * 429 is retried for every method; 5xx and network errors for GET and DELETE only (see the file's header).
 */
async function api(method, path, body, opts) {
  const missing = opts && 'missing' in opts;
  const headers = { Authorization: 'Bearer ' + TOKEN, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const retriable = method === 'GET' || method === 'DELETE';
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(API + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const why = (err && err.cause && (err.cause.code || err.cause.message)) || (err && err.message) || String(err);
      if (retriable && attempt < RETRIES) {
        say(method + ' ' + path + ': ' + why + '; retrying');
        await sleep(Math.min(30, POLL * Math.pow(2, attempt)));
        continue;
      }
      throw new Failed(method + ' ' + path + ': ' + why);
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (response.ok) return data;
    if (response.status === 404 && missing) return opts.missing;
    if (response.status === 429 && attempt < RETRIES) {
      const wait = rateWait(response.headers, attempt);
      say(method + ' ' + path + ': rate limited (HTTP 429); retrying in ' + Math.round(wait * 10) / 10 + ' s');
      await sleep(wait);
      continue;
    }
    if (response.status >= 500 && retriable && attempt < RETRIES) {
      say(method + ' ' + path + ': HTTP ' + response.status + '; retrying');
      await sleep(Math.min(30, POLL * Math.pow(2, attempt)));
      continue;
    }
    const message = data && typeof data.message === 'string' ? data.message : text.replace(/\s+/g, ' ').slice(0, 300);
    if (response.status === 422 && opts && opts.whilePending && PENDING_EVENT.test(message) && attempt < RETRIES) {
      say(method + ' ' + path + ': ' + message + ' (the droplet is locked); retrying');
      await sleep(Math.min(30, POLL * Math.pow(2, attempt)));
      continue;
    }
    throw new Failed(method + ' ' + path + ': HTTP ' + response.status + (message ? ' ' + message : ''));
  }
}

/** Every item under key of every page of path (links.pages.next), 200 a page. */
async function listAll(path, key) {
  const items = [];
  let next = path + (path.includes('?') ? '&' : '?') + 'per_page=200';
  for (let page = 0; next; page++) {
    if (page >= 1000) throw new Failed('GET ' + path + ': more than 1000 pages');
    const data = await api('GET', next);
    items.push(...((data && data[key]) || []));
    const link = data && data.links && data.links.pages && data.links.pages.next;
    next = null;
    if (link) {
      const url = new URL(link, API + '/');
      next = url.pathname + url.search;
    }
  }
  return items;
}

// ---- create ------------------------------------------------------------------------------------------------

let BUILDER = '';
/** The builder this run made, once the API gave its id; creating: a create request went out without an answer. */
const made = { id: null, creating: false };
let cleaning = null;
let stopping = false;

/**
 * Deletes droplet id if, read again by id, it still is named exactly BUILDER: 'deleted', 'absent' (already
 * gone), or 'not ours' (renamed since it was listed: left alone).
 */
async function deleteBuilder(id) {
  const path = '/v2/droplets/' + encodeURIComponent(String(id));
  const data = await api('GET', path, undefined, { missing: null });
  const droplet = data && data.droplet;
  if (!droplet) return 'absent';
  if (droplet.name !== BUILDER || String(droplet.id) !== String(id)) {
    say('not deleting droplet ' + id + ': it is now ' + JSON.stringify(droplet.name) + ', not ' + BUILDER);
    return 'not ours';
  }
  await api('DELETE', path, undefined, { missing: null, whilePending: true });
  say('deleted the builder droplet ' + id + ' (' + BUILDER + ')');
  return 'deleted';
}

/** Deletes every droplet tagged TAG and named exactly BUILDER (left by earlier runs, or by a create that failed). */
async function sweepBuilders(why) {
  const droplets = await listAll('/v2/droplets?tag_name=' + encodeURIComponent(TAG), 'droplets');
  for (const d of droplets) {
    if (d && d.name === BUILDER && d.id !== undefined && d.id !== null) {
      say('deleting the builder droplet ' + d.id + ' (' + BUILDER + ') ' + why);
      await deleteBuilder(d.id);
    }
  }
}

/** The builder goes, once, whatever happened: the one this run made, else (a create without an answer) by name. */
function cleanUp() {
  if (!cleaning) {
    cleaning = (async () => {
      if (made.id !== null) {
        if ((await deleteBuilder(made.id)) === 'not ours') throw new Failed('the builder droplet ' + made.id + ' was renamed');
      } else if (made.creating) {
        await sweepBuilders('(its create request failed: it may have been made all the same)');
      }
    })();
  }
  return cleaning;
}

function onSignal(signal) {
  if (stopping) process.exit(1);
  stopping = true;
  say('stopped by ' + signal + '; deleting the builder before exiting');
  cleanUp().then(
    () => process.exit(signal === 'SIGINT' ? 130 : 143),
    (err) => { say('could not delete the builder ' + BUILDER + ': ' + (err && err.message) + '; the next bake deletes it'); process.exit(1); },
  );
}

async function create() {
  useToken();
  const name = required(ENV.name);
  const region = required(ENV.region);
  const size = required(ENV.size);
  const image = required(ENV.baseImage);
  const userData = process.env[ENV.userData] || '';
  const timeout = seconds(ENV.timeoutS, DEFAULTS.timeoutS);
  POLL = seconds(ENV.pollS, DEFAULTS.pollS);
  if (!userData.trim()) throw new Failed(ENV.userData + ' is not set');
  if (Buffer.byteLength(userData, 'utf8') > USER_DATA_MAX) {
    throw new Failed(ENV.userData + ' is ' + Buffer.byteLength(userData, 'utf8') + ' bytes; DigitalOcean takes at most ' + USER_DATA_MAX);
  }
  BUILDER = name + ${q(DO_BUILDER_SUFFIX)};
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  say('looking for a droplet snapshot named ' + name);
  const named = (await listAll('/v2/snapshots?resource_type=droplet', 'snapshots')).filter((s) => s && s.name === name);
  const usable = named.filter((s) => Array.isArray(s.regions) && s.regions.includes(region));
  if (named.length > usable.length) say(name + ': ' + (named.length - usable.length) + ' snapshot(s) of that name not in ' + region + ', not used');
  // Builders an earlier run left (stopped before it deleted its own), whether or not its snapshot was made.
  await sweepBuilders('left by an earlier run');
  if (usable.length) {
    usable.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
    const found = usable[usable.length - 1];
    if (usable.length > 1) say('several snapshots are named ' + name + ' in ' + region + ': ' + usable.map((s) => s.id).join(', ') + '; using the newest');
    say('reusing the snapshot ' + found.id + ' (' + name + ', made by an earlier run)');
    return String(found.id);
  }

  say('creating the builder droplet ' + BUILDER + ' (' + size + ' in ' + region + ', from ' + image + ')');
  let snapshotId = null;
  let failure = null;
  try {
    made.creating = true;
    const answer = await api('POST', '/v2/droplets', {
      name: BUILDER, region, size, image, user_data: userData, tags: [TAG],
      ssh_keys: [], monitoring: false, ipv6: false, backups: false,
    });
    const droplet = answer && answer.droplet;
    if (!droplet || droplet.id === undefined || droplet.id === null || droplet.name !== BUILDER) {
      throw new Failed('POST /v2/droplets did not answer with the droplet ' + BUILDER);
    }
    made.id = droplet.id;
    made.creating = false;
    const dropletPath = '/v2/droplets/' + encodeURIComponent(String(made.id));
    say('the builder is droplet ' + made.id + '; waiting for the bake to power it off (at most ' + timeout + ' s)');

    const bakeDeadline = Date.now() + timeout * 1000;
    let status = droplet.status;
    let seen = '';
    let unseen = 0;
    for (;;) {
      const data = await api('GET', dropletPath, undefined, { missing: null });
      status = data && data.droplet ? data.droplet.status : 'missing';
      const shown = status + (data && data.droplet && data.droplet.locked ? ' (locked)' : '');
      if (shown !== seen) { say('the builder is ' + shown); seen = shown; }
      // Off, and no event running on it (the power-off's own): a snapshot asked for now is taken.
      if (status === 'off' && !data.droplet.locked) break;
      // A droplet just made can answer 404 for a while (see the file's header).
      if (status === 'missing' && unseen++ < NOT_FOUND_LOOKS) { await sleep(POLL); continue; }
      if (status === 'missing' || status === 'archive') throw new Failed('the builder droplet ' + made.id + ' (' + BUILDER + ') is ' + status);
      if (Date.now() >= bakeDeadline) {
        throw new Failed('the bake did not power off within ' + timeout + ' s (a failed package install leaves the builder running): '
          + 'the builder was droplet ' + made.id + ' (' + BUILDER + ', ' + size + ' in ' + region + ', from ' + image + '), last ' + status);
      }
      await sleep(POLL);
    }

    say('the bake powered the builder off; snapshotting it as ' + name);
    const started = await api('POST', dropletPath + '/actions', { type: 'snapshot', name }, { whilePending: true });
    const action = started && started.action;
    if (!action || action.id === undefined || action.id === null) throw new Failed('POST ' + dropletPath + '/actions did not answer with an action');
    const actionPath = dropletPath + '/actions/' + encodeURIComponent(String(action.id));
    const snapshotDeadline = Date.now() + timeout * 1000;
    for (let current = action; ; ) {
      if (current.status === 'completed') break;
      if (current.status === 'errored') throw new Failed('the snapshot action ' + action.id + ' of the builder droplet ' + made.id + ' errored');
      if (Date.now() >= snapshotDeadline) throw new Failed('the snapshot action ' + action.id + ' is still ' + current.status + ' after ' + timeout + ' s');
      await sleep(POLL);
      const data = await api('GET', actionPath);
      current = (data && data.action) || { status: 'unknown' };
    }
    // The droplet stays locked a while after its snapshot action completes; its snapshot list and its
    // delete wait for that.
    for (let locked = true; locked; ) {
      const data = await api('GET', dropletPath, undefined, { missing: null });
      if (!data || !data.droplet) throw new Failed('the builder droplet ' + made.id + ' (' + BUILDER + ') went missing after its snapshot');
      locked = Boolean(data.droplet.locked);
      if (!locked) break;
      if (Date.now() >= snapshotDeadline) throw new Failed('the builder droplet ' + made.id + ' is still locked ' + timeout + ' s after its snapshot began');
      await sleep(POLL);
    }

    // Looked for a few times: the action's completion and the droplet's list of snapshots need not agree at once.
    let snapshots = [];
    for (let look = 1; ; look++) {
      snapshots = (await listAll(dropletPath + '/snapshots', 'snapshots')).filter((s) => s && s.name === name);
      if (snapshots.length) break;
      if (look >= 6) throw new Failed('the snapshot action completed but the builder droplet ' + made.id + ' has no snapshot named ' + name);
      await sleep(POLL);
    }
    snapshotId = String(snapshots[snapshots.length - 1].id);
    say('made the snapshot ' + snapshotId + ' (' + name + ')');
  } catch (err) {
    failure = err;
  }
  // Always: the builder goes, on success and on every failure above.
  try {
    await cleanUp();
  } catch (err) {
    const why = 'could not delete the builder ' + BUILDER + ' (' + (made.id === null ? 'no id' : 'droplet ' + made.id) + '): ' + (err && err.message) + '; the next bake deletes it, or delete it by hand';
    if (failure) say(why);
    else failure = new Failed(why + (snapshotId ? ' (the snapshot ' + snapshotId + ' was made: the next bake reuses it)' : ''));
  }
  if (failure) throw failure;
  return snapshotId;
}

// ---- delete ------------------------------------------------------------------------------------------------

async function remove() {
  const lines = (process.env[PREVIOUS_STDOUT] || '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (!lines.length) {
    say('no snapshot id in ' + PREVIOUS_STDOUT + ': nothing to delete');
    return;
  }
  const id = lines[lines.length - 1];
  if (!/^[0-9]+$/.test(id)) throw new Failed(PREVIOUS_STDOUT + ' does not end with a snapshot id: ' + JSON.stringify(id.slice(0, 80)));
  useToken();
  POLL = seconds(ENV.pollS, DEFAULTS.pollS);
  const gone = await api('DELETE', '/v2/snapshots/' + id, undefined, { missing: 'gone' });
  say(gone === 'gone' ? 'the snapshot ' + id + ' is already gone' : 'deleted the snapshot ' + id);
}

// ---- main --------------------------------------------------------------------------------------------------

async function main() {
  // Under node -e the words after the program start at argv[1]; from a file, after its path at argv[2].
  const args = process.argv.slice(1);
  const verb = args.length === 1 ? args[0] : args.length === 2 ? args[1] : undefined;
  API = (setting(ENV.api) || DEFAULT_API).trim().replace(/\/+$/, '');
  if (verb === 'create') {
    const id = await create();
    process.stdout.write(id + '\n');
  } else if (verb === 'delete') {
    await remove();
  } else {
    process.stderr.write('image bake: usage: node -e "$' + ENV.program + '" create|delete\n');
    process.exitCode = 2;
  }
}

main().catch((err) => {
  if (stopping) return;
  process.stderr.write('image bake: ' + (err instanceof Failed ? err.message : 'unexpected error: ' + ((err && err.stack) || err)) + '\n');
  process.exitCode = 1;
});
`;
}
