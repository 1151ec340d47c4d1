/**
 * The restore drill of a managed database on AWS (README, "Backups and the restore drill"): one server (the
 * scheduler's, else the one web server) restores the RDS instance to its latest restorable time into
 * `<source>-drill`, checks the copy with the single box's checks (provisioning/roles/postgres.ts,
 * renderDrillChecks: every table's rows, the probe, Django's migrate --check), reports one line in the
 * single box's format (so DRILL_REPORT_NUMBERS and the heartbeat metrics read it unchanged), and always
 * deletes the copy. It runs under the same job wrapper and heartbeat as the single box's drill, as the same
 * systemd unit, with python3 and Debian's python3-boto3 (already there for the secret fetch) and the
 * server's instance role, which may restore into, describe and delete `<source>-drill` only
 * (clouds/aws/iam.ts, drillPolicy).
 *
 * Sources: RDS API Reference, RestoreDBInstanceToPointInTime (UseLatestRestorableTime, DBSubnetGroupName,
 * VpcSecurityGroupIds, DBParameterGroupName, MultiAZ, PubliclyAccessible, DeletionProtection, Tags),
 * DescribeDBInstances (DBInstance: LatestRestorableTime, DBInstanceStatus, Endpoint, DBSubnetGroup,
 * VpcSecurityGroups, DBParameterGroups, DBInstanceClass; error DBInstanceNotFound), DeleteDBInstance
 * (SkipFinalSnapshot, DeleteAutomatedBackups; error InvalidDBInstanceState); botocore's service model
 * rds/2014-10-31 as Debian's python3-boto3 1.26 ships it.
 */
import { lines } from "../text";
import { appPaths, type ManagedDrillSpec, type RolePart } from "../types";
import { HEARTBEAT_CHECKS } from "../roles/heartbeat";
import {
  DRILL_CALENDAR, POSTGRES_DRILL_UNIT, POSTGRES_RESTORE_DRILL, jobWrapper, managedDrillCommonPython, managedDrillTimingPython, renderDrillChecks, scheduledJob,
} from "../roles/postgres";

/** The drill itself (python3 + boto3); the unit runs it through {@link POSTGRES_RESTORE_DRILL}, the job wrapper. */
export const RDS_DRILL_SCRIPT = "/usr/local/lib/fullstack/rds-restore-drill";
/** The checks on the restored copy (the single box's, with psql over TLS to the copy). */
export const RDS_DRILL_CHECKS = "/usr/local/lib/fullstack/restore-drill-checks";
/** The suffix of the copy's identifier: the only instance the drill (and its role) may delete. */
export const RDS_DRILL_SUFFIX = "-drill";
/** The tag the copy carries (its value: the source's identifier). */
export const RDS_DRILL_TAG = "fullstack:restore-drill";

/** The copy's identifier (RDS identifiers are at most 63 characters: settings/limits/aws.ts checks the source's). */
export function rdsDrillIdentifier(source: string): string {
  return `${source}${RDS_DRILL_SUFFIX}`;
}

/** The checks script: psql on the copy from the PG* environment the drill sets, the shared checks, the summary on stdout. */
export function renderRdsDrillChecks(): string {
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: the restore drill's checks on the restored copy (run by the drill, which sets",
    "# PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE, PG_DATABASE, PG_DRILL_PROBE, PG_DRILL_APP, DRILL_DATABASE_URL).",
    "# Prints the summary; a failed check exits 1 with its reason on stderr.",
    "set -eu",
    "work=$(mktemp -d)",
    "trap 'rm -rf \"$work\"' EXIT",
    'drill_psql() { psql --no-psqlrc --quiet -At -v ON_ERROR_STOP=1 "$@"; }',
    ...renderDrillChecks({ scratchUrl: "$DRILL_DATABASE_URL" }),
    'echo "$checks"',
  );
}

/**
 * The drill (python3). `paths` moves the files it reads (tests only). The copy's status is looked at every
 * MANAGED_DRILL_SECONDS.poll (the environment's FULLSTACK_DRILL_POLL_SECONDS instead, for tests).
 */
export function renderRdsDrillScript(spec: ManagedDrillSpec, paths: { appEnv?: string; checks?: string } = {}): string {
  const q = JSON.stringify;
  return [
    "#!/usr/bin/python3",
    "# Rendered by fullstack-pulumi: the restore drill of the app's RDS database. Restores it to its latest",
    "# restorable time into a throwaway instance, checks it, reports, and always deletes the throwaway instance.",
    "import datetime, os, re, signal, subprocess, sys, time, urllib.parse",
    "import boto3, botocore.exceptions",
    "from botocore.config import Config",
    "",
    `SOURCE = ${q(spec.database)}`,
    `DRILL = ${q(rdsDrillIdentifier(spec.database))}`,
    `REGION = ${q(spec.region)}`,
    `APP_ENV = ${q(paths.appEnv ?? appPaths(spec.appName).envFile)}`,
    `CHECKS = ${q(paths.checks ?? RDS_DRILL_CHECKS)}`,
    `PROBE = ${q(spec.probeSql ?? "")}`,
    `DJANGO_APP = ${q(spec.django ? spec.appName : "")}`,
    `TAG = ${q(RDS_DRILL_TAG)}`,
    ...managedDrillTimingPython(),
    "# The only instance this script ever deletes.",
    "if DRILL == SOURCE or not DRILL.endswith('-drill'):",
    "    raise SystemExit(f'restore drill: refusing to work on {DRILL}, not a drill copy of {SOURCE}')",
    "",
    "class Failed(Exception):",
    "    pass",
    "",
    ...managedDrillCommonPython("copy"),
    "",
    "def describe(rds, identifier):",
    "    try:",
    "        return rds.describe_db_instances(DBInstanceIdentifier=identifier)['DBInstances'][0]",
    "    except rds.exceptions.DBInstanceNotFoundFault:",
    "        return None",
    "",
    "def delete_drill(rds):",
    "    \"\"\"Deletes the copy (DRILL, never anything else): 'deleting', 'absent', or None when RDS would not.\"\"\"",
    "    deadline = time.time() + GONE_SECONDS",
    "    while True:",
    "        try:",
    "            rds.delete_db_instance(DBInstanceIdentifier=DRILL, SkipFinalSnapshot=True, DeleteAutomatedBackups=True)",
    "            return 'deleting'",
    "        except rds.exceptions.DBInstanceNotFoundFault:",
    "            return 'absent'",
    "        except rds.exceptions.InvalidDBInstanceStateFault as err:",
    "            if 'already being deleted' in str(err):",
    "                return 'deleting'",
    "            if time.time() > deadline:",
    "                print(f'restore drill: {err}', file=sys.stderr)",
    "                return None",
    "            time.sleep(POLL)",
    "",
    "def wait_gone(rds):",
    "    deadline = time.time() + GONE_SECONDS",
    "    while describe(rds, DRILL) is not None:",
    "        if time.time() > deadline:",
    "            raise Failed(f'{DRILL} from an earlier run is still there after {GONE_SECONDS} s; delete it by hand')",
    "        time.sleep(POLL)",
    "",
    "def wait_available(rds):",
    "    deadline = time.time() + WAIT_SECONDS",
    "    while True:",
    "        db = describe(rds, DRILL)",
    "        status = db['DBInstanceStatus'] if db else 'missing'",
    "        if status == 'available':",
    "            return db",
    "        if status in ('failed', 'incompatible-restore', 'incompatible-parameters', 'incompatible-network', 'storage-full', 'missing'):",
    "            raise Failed(f'the restored instance {DRILL} is {status}')",
    "        if time.time() > deadline:",
    "            raise Failed(f'the restored instance {DRILL} is still {status} after {WAIT_SECONDS} s')",
    "        time.sleep(POLL)",
    "",
    "def main():",
    "    signal.signal(signal.SIGTERM, stop)",
    "    env = app_env()",
    "    url = urllib.parse.urlsplit(env.get('DATABASE_DIRECT_URL') or env['DATABASE_URL'])",
    "    query = dict(urllib.parse.parse_qsl(url.query))",
    "    config = Config(connect_timeout=10, read_timeout=60, retries={'max_attempts': 5})",
    "    rds = boto3.client('rds', region_name=REGION, config=config)",
    "    # A copy left by a run that crashed or was stopped: gone before this run restores into its name.",
    "    if describe(rds, DRILL) is not None:",
    "        print(f'restore drill: deleting {DRILL} left by an earlier run')",
    "        if delete_drill(rds) is None:",
    "            raise Failed(f'{DRILL} from an earlier run cannot be deleted; delete it by hand')",
    "        wait_gone(rds)",
    "    source = describe(rds, SOURCE)",
    "    if source is None:",
    "        raise Failed(f'no RDS instance {SOURCE}')",
    "    latest = source.get('LatestRestorableTime')",
    "    if latest is None:",
    "        raise Failed(f'{SOURCE} has no restorable time (automated backups off, or not backed up yet)')",
    "    window = max(0, int(datetime.datetime.now(datetime.timezone.utc).timestamp() - latest.timestamp()))",
    "    started = time.time()",
    "    try:",
    "        rds.restore_db_instance_to_point_in_time(",
    "            SourceDBInstanceIdentifier=SOURCE, TargetDBInstanceIdentifier=DRILL, UseLatestRestorableTime=True,",
    "            DBInstanceClass=source['DBInstanceClass'],",
    "            DBSubnetGroupName=source['DBSubnetGroup']['DBSubnetGroupName'],",
    "            VpcSecurityGroupIds=[g['VpcSecurityGroupId'] for g in source.get('VpcSecurityGroups', [])],",
    "            DBParameterGroupName=source['DBParameterGroups'][0]['DBParameterGroupName'],",
    "            MultiAZ=False, PubliclyAccessible=False, DeletionProtection=False, AutoMinorVersionUpgrade=False,",
    "            CopyTagsToSnapshot=False, Tags=[{'Key': TAG, 'Value': SOURCE}])",
    "        drill = wait_available(rds)",
    "        restored = int(time.time() - started)",
    "        host, port = drill['Endpoint']['Address'], int(drill['Endpoint'].get('Port') or url.port or 5432)",
    "        # The copy has the source's roles and passwords: the app's own credentials, over TLS as the app connects.",
    "        netloc = url.netloc.rsplit('@', 1)[0] + '@' + host + ':' + str(port)",
    "        checks_env = dict(os.environ,",
    "            PGHOST=host, PGPORT=str(port), PGUSER=urllib.parse.unquote(url.username or ''),",
    "            PGPASSWORD=urllib.parse.unquote(url.password or ''), PGSSLMODE=query.get('sslmode', 'require'),",
    "            PGCONNECT_TIMEOUT='30', PG_DATABASE=url.path.lstrip('/'), PG_DRILL_PROBE=PROBE, PG_DRILL_APP=DJANGO_APP,",
    "            DRILL_DATABASE_URL=urllib.parse.urlunsplit((url.scheme, netloc, url.path, url.query, '')))",
    "        done = subprocess.run([CHECKS], env=checks_env, stdout=subprocess.PIPE, text=True)",
    "        if done.returncode != 0:",
    "            raise Failed(f'a check on {DRILL} failed (above)')",
    "        summary = done.stdout.strip().splitlines()[-1]",
    "        taken = latest.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')",
    "        print(f'restore drill: ok; {SOURCE} restored to {taken} into {DRILL}; data-loss window {window} s; restore {restored} s; {summary}')",
    "    finally:",
    "        # Always, whatever happened above (a failed check, a refused restore, a stop): the copy goes.",
    "        signal.signal(signal.SIGTERM, signal.SIG_IGN)",
    "        gone = delete_drill(rds)",
    "        if gone == 'deleting':",
    "            print(f'restore drill: deleting {DRILL}')",
    "        elif gone is None:",
    "            print(f'restore drill: could not delete {DRILL}; the next run deletes it first, or delete it by hand', file=sys.stderr)",
    "            sys.exit(1)",
    "",
    "try:",
    "    main()",
    "except (Failed, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:",
    "    print(f'restore drill: {err}', file=sys.stderr)",
    "    sys.exit(1)",
    "",
  ].join("\n");
}

/**
 * The entry the unit runs: the single box's job wrapper (heartbeat start, the run's status and output), then
 * the drill: `script`, the cloud's (RDS's here; DigitalOcean's: provisioning/digitalocean/doRestoreDrill.ts),
 * `what` it drills.
 */
export function renderRdsDrillEntry(script = RDS_DRILL_SCRIPT, what = "RDS database"): string {
  return lines(
    "#!/bin/sh",
    `# Rendered by fullstack-pulumi: the restore drill of the app's ${what}, reported like every job.`,
    "set -eu",
    ...jobWrapper(HEARTBEAT_CHECKS.drill),
    `exec ${script}`,
  );
}

/** The drill on its one server: the scripts, the unit and timer of the single box's drill (same name, same calendar). */
export function rdsRestoreDrillPart(spec: ManagedDrillSpec): RolePart {
  return {
    packages: ["python3-boto3", "postgresql-client"],
    writeFiles: [
      { path: POSTGRES_RESTORE_DRILL, permissions: "0755", content: renderRdsDrillEntry() },
      { path: RDS_DRILL_SCRIPT, permissions: "0755", content: renderRdsDrillScript(spec) },
      { path: RDS_DRILL_CHECKS, permissions: "0755", content: renderRdsDrillChecks() },
      ...scheduledJob(POSTGRES_DRILL_UNIT, {
        description: `Restore drill: ${spec.database} restored to its latest restorable time into ${rdsDrillIdentifier(spec.database)}, checked, deleted`,
        timerDescription: "Restore drill of the app's database",
        after: "network-online.target", exec: POSTGRES_RESTORE_DRILL, calendar: DRILL_CALENDAR[spec.schedule],
      }),
    ],
    runcmd: [["systemctl", "daemon-reload"], ["systemctl", "enable", "--quiet", "--now", `${POSTGRES_DRILL_UNIT}.timer`]],
  };
}
