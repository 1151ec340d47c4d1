/**
 * The restore drill of a managed database on DigitalOcean (README, "Backups and the restore drill"): one
 * server (the scheduler's, else the one web server: settings restoreDrillHome, as on AWS) forks the
 * PostgreSQL cluster's newest backup into `<cluster>-drill`, lets only itself in (a trusted source of this
 * droplet), checks the fork with the single box's checks (provisioning/roles/postgres.ts, renderDrillChecks,
 * through the managed drills' checks script), reports one line in the single box's format (so
 * DRILL_REPORT_NUMBERS and the heartbeat read it unchanged) and always deletes the fork. It runs under the
 * same job wrapper and heartbeat, as the same systemd unit and timer, with the stock python3 (urllib, json;
 * no package) and a DigitalOcean API token (fullstack:restoreDrillToken) in a file only root reads: droplets
 * have no identity of their own. The token can do anything to any database cluster of the team; this
 * script only ever deletes the fork it made, checked by id and by name before each deletion.
 *
 * Sources, DigitalOcean's OpenAPI description (github.com/digitalocean/openapi, specification/resources/
 * databases, read at 7c1300c4, 2026-08-07):
 * - databases_list_clusters.yml: GET /v2/databases, `databases` (security database:read);
 * - databases_create_cluster.yml: POST /v2/databases with `backup_restore` (models/database_backup.yml:
 *   `database_name` required, `backup_created_at` "the most recent backup will be used if excluded"),
 *   "Creating a database from a backup is the same as forking a database in the control panel"; status
 *   `creating`, then `online` (models/database_cluster.yml: creating, online, resizing, migrating, forking);
 *   `rules` (trusted sources) at creation; `private_network_uuid` needs vpc:read, `tags` tag:create (so the
 *   fork has no tags: the token stays at database scopes); security database:create;
 * - databases_list_backups.yml: GET /v2/databases/{uuid}/backups, `backups[].created_at` (database:read);
 * - databases_update_firewall_rules.yml: PUT /v2/databases/{uuid}/firewall, `rules` of models/firewall_rule.yml
 *   (`type` droplet, `value` the droplet's id), 204 (database:update);
 * - databases_destroy_cluster.yml: DELETE /v2/databases/{uuid}, 204 (database:delete);
 * - the droplet's own id: the metadata service, GET http://169.254.169.254/metadata/v1/id (Droplet Metadata API).
 */
import { appPaths, type ManagedDrillSpec, type RolePart } from "../types";
import { DRILL_CALENDAR, POSTGRES_DRILL_UNIT, POSTGRES_RESTORE_DRILL, managedDrillCommonPython, managedDrillTimingPython, scheduledJob } from "../roles/postgres";
import { RDS_DRILL_CHECKS, RDS_DRILL_SUFFIX, renderRdsDrillChecks, renderRdsDrillEntry } from "../aws/rdsRestoreDrill";

/** The drill itself (python3, stdlib only); the unit runs it through {@link POSTGRES_RESTORE_DRILL}, the job wrapper. */
export const DO_DRILL_SCRIPT = "/usr/local/lib/fullstack/do-restore-drill";
/** The API token (fullstack:restoreDrillToken), root's only. */
export const DO_DRILL_TOKEN_FILE = "/etc/fullstack/restore-drill-token";
/** The API's base URL (FULLSTACK_DO_API_URL overrides it: tests only). */
export const DO_API_URL = "https://api.digitalocean.com";
/** The droplet metadata service (FULLSTACK_DO_METADATA_URL overrides it: tests only). */
export const DO_METADATA_URL = "http://169.254.169.254/metadata/v1";
/** The port of a DigitalOcean PostgreSQL cluster's own connections (the pool's is 25061): the fork is checked directly. */
export const DO_PG_PORT = 25060;

/** The fork's name (DigitalOcean cluster names: settings/limits/digitalocean.ts). */
export function doDrillName(source: string): string {
  return `${source}${RDS_DRILL_SUFFIX}`;
}

/**
 * The drill (python3). `paths` moves the files it reads (tests only). The fork's status is looked at every
 * MANAGED_DRILL_SECONDS.poll (the environment's FULLSTACK_DRILL_POLL_SECONDS instead, for tests).
 */
export function renderDoDrillScript(spec: ManagedDrillSpec, paths: { appEnv?: string; checks?: string; token?: string } = {}): string {
  const q = JSON.stringify;
  return [
    "#!/usr/bin/python3",
    "# Rendered by fullstack-pulumi: the restore drill of the app's DigitalOcean PostgreSQL cluster. Forks its newest",
    "# backup into a throwaway cluster, admits this droplet only, checks it, reports, and always deletes the fork.",
    "import datetime, json, os, re, signal, subprocess, sys, time, urllib.error, urllib.parse, urllib.request",
    "",
    `SOURCE = ${q(spec.database)}`,
    `DRILL = ${q(doDrillName(spec.database))}`,
    `APP_ENV = ${q(paths.appEnv ?? appPaths(spec.appName).envFile)}`,
    `CHECKS = ${q(paths.checks ?? RDS_DRILL_CHECKS)}`,
    `TOKEN_FILE = ${q(paths.token ?? DO_DRILL_TOKEN_FILE)}`,
    `PROBE = ${q(spec.probeSql ?? "")}`,
    `DJANGO_APP = ${q(spec.django ? spec.appName : "")}`,
    `PG_PORT = ${DO_PG_PORT}`,
    ...managedDrillTimingPython(),
    `API = os.environ.get('FULLSTACK_DO_API_URL', ${q(DO_API_URL)}).rstrip('/')`,
    `METADATA = os.environ.get('FULLSTACK_DO_METADATA_URL', ${q(DO_METADATA_URL)}).rstrip('/')`,
    "# The only cluster this script ever deletes: named DRILL, never the source.",
    "assert DRILL != SOURCE and DRILL.endswith('-drill')",
    "",
    "class Failed(Exception):",
    "    pass",
    "",
    ...managedDrillCommonPython("fork"),
    "",
    "try:",
    "    with open(TOKEN_FILE) as f:",
    "        TOKEN = f.read().strip()",
    "except OSError as err:",
    "    print(f'restore drill: cannot read the API token: {err}', file=sys.stderr)",
    "    sys.exit(1)",
    "",
    "def api(method, path, body=None):",
    "    \"\"\"One API call: (status, JSON body or None); 404 is (404, None). GET, PUT and DELETE are retried on 429 and 5xx.\"\"\"",
    "    data = json.dumps(body).encode() if body is not None else None",
    "    headers = {'Authorization': 'Bearer ' + TOKEN, 'Accept': 'application/json'}",
    "    if data is not None:",
    "        headers['Content-Type'] = 'application/json'",
    "    for attempt in range(6):",
    "        request = urllib.request.Request(API + path, data=data, method=method, headers=headers)",
    "        try:",
    "            with urllib.request.urlopen(request, timeout=60) as response:",
    "                raw = response.read()",
    "                return response.status, (json.loads(raw) if raw else None)",
    "        except urllib.error.HTTPError as err:",
    "            raw = err.read()",
    "            if err.code == 404:",
    "                return 404, None",
    "            if err.code in (429, 500, 502, 503, 504) and method != 'POST' and attempt < 5:",
    "                time.sleep(min(POLL, 10) * (attempt + 1))",
    "                continue",
    "            try:",
    "                message = json.loads(raw).get('message', '')",
    "            except (ValueError, AttributeError):",
    "                message = raw.decode('utf-8', 'replace')[:300]",
    "            raise Failed(f'{method} {path}: HTTP {err.code} {message}')",
    "        except (urllib.error.URLError, OSError) as err:",
    "            if method != 'POST' and attempt < 5:",
    "                time.sleep(min(POLL, 10) * (attempt + 1))",
    "                continue",
    "            raise Failed(f'{method} {path}: {err}')",
    "",
    "def clusters_named(name):",
    "    \"\"\"The clusters whose name is exactly `name` (GET /v2/databases, every page).\"\"\"",
    "    found, path = [], '/v2/databases'",
    "    for _ in range(100):",
    "        _, body = api('GET', path)",
    "        found += [c for c in (body or {}).get('databases') or [] if c.get('name') == name]",
    "        following = (((body or {}).get('links') or {}).get('pages') or {}).get('next')",
    "        if not following:",
    "            break",
    "        parts = urllib.parse.urlsplit(following)",
    "        path = parts.path + ('?' + parts.query if parts.query else '')",
    "    return found",
    "",
    "def cluster(cluster_id):",
    "    status, body = api('GET', '/v2/databases/' + urllib.parse.quote(cluster_id, safe=''))",
    "    return None if status == 404 else (body or {}).get('database')",
    "",
    "def at(text):",
    "    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))",
    "",
    "SOURCE_ID = None",
    "",
    "def delete_fork(cluster_id):",
    "    \"\"\"Deletes the cluster `cluster_id` when it is the fork (named DRILL, not the source): 'deleting' or 'absent'.\"\"\"",
    "    if not cluster_id or not SOURCE_ID or cluster_id == SOURCE_ID:",
    "        raise Failed(f'refusing to delete {cluster_id!r}: not a fork of {SOURCE}')",
    "    current = cluster(cluster_id)",
    "    if current is None:",
    "        return 'absent'",
    "    if current.get('name') != DRILL or current.get('id') != cluster_id:",
    "        raise Failed(f'refusing to delete {cluster_id}: it is {current.get(\"name\")!r}, not {DRILL}')",
    "    api('DELETE', '/v2/databases/' + urllib.parse.quote(cluster_id, safe=''))",
    "    return 'deleting'",
    "",
    "def wait_gone(cluster_id):",
    "    deadline = time.time() + GONE_SECONDS",
    "    while cluster(cluster_id) is not None:",
    "        if time.time() > deadline:",
    "            raise Failed(f'{DRILL} ({cluster_id}) from an earlier run is still there after {GONE_SECONDS} s; delete it by hand')",
    "        time.sleep(POLL)",
    "",
    "def wait_online(cluster_id):",
    "    deadline = time.time() + WAIT_SECONDS",
    "    while True:",
    "        fork = cluster(cluster_id)",
    "        status = fork.get('status') if fork else 'missing'",
    "        if status == 'online':",
    "            return fork",
    "        if status == 'missing':",
    "            raise Failed(f'the fork {DRILL} ({cluster_id}) disappeared')",
    "        if time.time() > deadline:",
    "            raise Failed(f'the fork {DRILL} is still {status} after {WAIT_SECONDS} s')",
    "        time.sleep(POLL)",
    "",
    "def this_droplet():",
    "    try:",
    "        with urllib.request.urlopen(METADATA + '/id', timeout=10) as response:",
    "            droplet = response.read().decode().strip()",
    "    except (urllib.error.URLError, OSError) as err:",
    "        raise Failed(f'the metadata service did not say which droplet this is: {err}')",
    "    if not droplet.isdigit():",
    "        raise Failed(f'the metadata service gave no droplet id: {droplet!r}')",
    "    return droplet",
    "",
    "def main():",
    "    global SOURCE_ID",
    "    signal.signal(signal.SIGTERM, stop)",
    "    env = app_env()",
    "    # The app's own credentials (the fork has the source's roles and passwords), its database, TLS required.",
    "    url = urllib.parse.urlsplit(env.get('DATABASE_DIRECT_URL') or env['DATABASE_URL'])",
    "    sources = clusters_named(SOURCE)",
    "    if len(sources) != 1:",
    "        raise Failed(f'{len(sources)} database clusters are named {SOURCE}, not one')",
    "    source = sources[0]",
    "    SOURCE_ID = source['id']",
    "    # A fork left by a run that crashed or was stopped: gone before this run forks into its name.",
    "    for leftover in clusters_named(DRILL):",
    "        print(f'restore drill: deleting {DRILL} ({leftover[\"id\"]}) left by an earlier run')",
    "        delete_fork(leftover['id'])",
    "        wait_gone(leftover['id'])",
    "    _, body = api('GET', '/v2/databases/' + urllib.parse.quote(SOURCE_ID, safe='') + '/backups')",
    "    backups = sorted((b for b in (body or {}).get('backups') or [] if b.get('created_at')), key=lambda b: at(b['created_at']))",
    "    if not backups:",
    "        raise Failed(f'{SOURCE} has no backup yet (DigitalOcean takes the first within a day of the cluster)')",
    "    newest = backups[-1]['created_at']",
    "    window = max(0, int(datetime.datetime.now(datetime.timezone.utc).timestamp() - at(newest).timestamp()))",
    "    droplet = this_droplet()",
    "    # The source's engine, version, region and private network; its size (every size DigitalOcean sells with",
    "    # standby nodes also comes with one node, and a smaller one might not hold the backup) and storage; one node.",
    "    request = {",
    "        'name': DRILL, 'engine': source['engine'], 'version': source['version'], 'region': source['region'],",
    "        'size': source['size'], 'num_nodes': 1,",
    "        'backup_restore': {'database_name': SOURCE, 'backup_created_at': newest},",
    "        # Trusted sources from the start: this droplet only (without any, a cluster takes every address).",
    "        'rules': [{'type': 'droplet', 'value': droplet}],",
    "    }",
    "    if source.get('private_network_uuid'):",
    "        request['private_network_uuid'] = source['private_network_uuid']",
    "    if source.get('storage_size_mib'):",
    "        request['storage_size_mib'] = source['storage_size_mib']",
    "    fork_id = None",
    "    started = time.time()",
    "    try:",
    "        _, body = api('POST', '/v2/databases', request)",
    "        fork_id = ((body or {}).get('database') or {}).get('id')",
    "        if not fork_id or body['database'].get('name') != DRILL or fork_id == SOURCE_ID:",
    "            fork_id = None",
    "            raise Failed(f'the API did not answer with the fork {DRILL}: {json.dumps(body)[:300]}')",
    "        fork = wait_online(fork_id)",
    "        restored = int(time.time() - started)",
    "        # Again once online, before any connection: this droplet only, whatever the fork came with.",
    "        api('PUT', '/v2/databases/' + urllib.parse.quote(fork_id, safe='') + '/firewall', {'rules': [{'type': 'droplet', 'value': droplet}]})",
    "        private = fork.get('private_connection') or {}",
    "        host = private.get('host') or (fork.get('connection') or {}).get('host')",
    "        if not host:",
    "            raise Failed(f'the fork {DRILL} has no host')",
    "        port = int(private.get('port') or PG_PORT)",
    "        database = url.path.lstrip('/')",
    "        netloc = url.netloc.rsplit('@', 1)[0] + '@' + host + ':' + str(port)",
    "        checks_env = dict(os.environ,",
    "            PGHOST=host, PGPORT=str(port), PGUSER=urllib.parse.unquote(url.username or ''),",
    "            PGPASSWORD=urllib.parse.unquote(url.password or ''), PGSSLMODE=dict(urllib.parse.parse_qsl(url.query)).get('sslmode', 'require'),",
    "            PGCONNECT_TIMEOUT='30', PG_DATABASE=database, PG_DRILL_PROBE=PROBE, PG_DRILL_APP=DJANGO_APP,",
    "            DRILL_DATABASE_URL=urllib.parse.urlunsplit((url.scheme, netloc, url.path, url.query, '')))",
    "        done = subprocess.run([CHECKS], env=checks_env, stdout=subprocess.PIPE, text=True)",
    "        if done.returncode != 0:",
    "            raise Failed(f'a check on {DRILL} failed (above)')",
    "        summary = done.stdout.strip().splitlines()[-1]",
    "        taken = at(newest).astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')",
    "        print(f'restore drill: ok; {SOURCE} backup {taken} forked into {DRILL}; data-loss window {window} s; restore {restored} s; {summary}')",
    "    finally:",
    "        # Always, whatever happened above (a failed check, a refused fork, a stop): the fork goes.",
    "        signal.signal(signal.SIGTERM, signal.SIG_IGN)",
    "        if fork_id is None:",
    "            print(f'restore drill: no fork was made; if one appears as {DRILL}, the next run deletes it first', file=sys.stderr)",
    "        else:",
    "            try:",
    "                if delete_fork(fork_id) == 'deleting':",
    "                    print(f'restore drill: deleting {DRILL} ({fork_id})')",
    "            except Failed as err:",
    "                print(f'restore drill: could not delete {DRILL} ({fork_id}): {err}; the next run deletes it first, or delete it by hand', file=sys.stderr)",
    "                sys.exit(1)",
    "",
    "try:",
    "    main()",
    "except Failed as err:",
    "    print(f'restore drill: {err}', file=sys.stderr)",
    "    sys.exit(1)",
    "",
  ].join("\n");
}

/** The drill on its one server: the token, the scripts, the unit and timer of the single box's drill (same name, same calendar). */
export function doRestoreDrillPart(spec: ManagedDrillSpec): RolePart {
  if (!spec.apiToken) throw new Error(`${spec.database}: DigitalOcean's restore drill needs an API token (fullstack:restoreDrillToken)`);
  return {
    packages: ["postgresql-client"],
    writeFiles: [
      { path: DO_DRILL_TOKEN_FILE, permissions: "0600", owner: "root:root", content: `${spec.apiToken}\n`, secret: true },
      { path: POSTGRES_RESTORE_DRILL, permissions: "0755", content: renderRdsDrillEntry(DO_DRILL_SCRIPT, "DigitalOcean PostgreSQL cluster") },
      { path: DO_DRILL_SCRIPT, permissions: "0755", content: renderDoDrillScript(spec) },
      { path: RDS_DRILL_CHECKS, permissions: "0755", content: renderRdsDrillChecks() },
      ...scheduledJob(POSTGRES_DRILL_UNIT, {
        description: `Restore drill: ${spec.database}'s newest backup forked into ${doDrillName(spec.database)}, checked, deleted`,
        timerDescription: "Restore drill of the app's database",
        after: "network-online.target", exec: POSTGRES_RESTORE_DRILL, calendar: DRILL_CALENDAR[spec.schedule],
      }),
    ],
    runcmd: [["systemctl", "daemon-reload"], ["systemctl", "enable", "--quiet", "--now", `${POSTGRES_DRILL_UNIT}.timer`]],
  };
}
