/**
 * The one list of the real programs the tests run (binary or file to look for -> Debian/Ubuntu package).
 * `tools/ensureTools.ts` finds or installs them (`npm test` runs it first; `.ci/run` runs it for the VM
 * test's tools too), `harness/serverTools/` names the package in its "not installed" messages and
 * `tests/server/run.ts` checks the VM test's tools with it. Add a tool here, nowhere else.
 */

/** How to tell that a tool is there. Every probe of a tool must hold. */
export type Probe =
  /** One of these commands is on PATH (or in the sbin directories, which root's PATH has). */
  | { command: string[] }
  /** This path exists; a `*` stands for one path segment (e.g. the PostgreSQL major version). */
  | { path: string }
  /** Debian's /usr/bin/python3 imports this module. */
  | { python: string };

/** `test`: what `npm test` runs rendered files through. `server`: what `npm run test:server` (the qemu VM) needs. */
export type ToolGroup = "test" | "server";

export interface Tool {
  /** What the one-line messages call it. */
  name: string;
  /** The group, or groups, that need it. */
  group: ToolGroup | ToolGroup[];
  probes: Probe[];
  /** Packages that provide it, best first: the first one this release has is installed. */
  packages: string[];
  /** Why the tests need it. */
  why: string;
}

/** Whether one of `groups` needs the tool. */
export function neededBy(tool: Tool, groups: readonly ToolGroup[]): boolean {
  return (Array.isArray(tool.group) ? tool.group : [tool.group]).some((g) => groups.includes(g));
}

export const TOOLS: Tool[] = [
  // npm test (tests/provisioning.test.ts, nginxProxy, migrateLock, groupDrain and the harness checks)
  { name: "cloud-init", group: "test", probes: [{ path: "/usr/bin/cloud-init" }], packages: ["cloud-init"],
    why: "cloud-init schema on every rendered user data" },
  // nginx-light is Debian 12's small build (there `nginx` is a metapackage that pulls nginx-core and its
  // module packages). Since nginx 1.24 (Ubuntu 24.04, Debian 13) `nginx` itself is the server binary;
  // a release that has no nginx-light gets it. The checks empty modules-enabled, so either build does.
  { name: "nginx", group: "test", probes: [{ command: ["nginx"] }, { path: "/etc/nginx/nginx.conf" }], packages: ["nginx-light", "nginx"],
    why: "nginx -t on every site, and real nginx in front of a stand-in app" },
  { name: "shellcheck", group: "test", probes: [{ command: ["shellcheck"] }], packages: ["shellcheck"],
    why: "every rendered shell script" },
  { name: "s3cmd", group: "test", probes: [{ command: ["s3cmd"] }], packages: ["s3cmd"],
    why: "the rendered backup store settings, against the test S3 server (harness/fakeS3.ts)" },
  { name: "visudo", group: "test", probes: [{ command: ["visudo"] }], packages: ["sudo"],
    why: "visudo -c on the release user's sudoers drop-in" },
  { name: "systemd", group: "test", probes: [
    { command: ["systemd-analyze"] }, { command: ["journalctl"] }, { path: "/usr/lib/systemd/system/sysinit.target" },
    { path: "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator" },
  ], packages: ["systemd"], why: "systemd-analyze verify on every unit, EnvironmentFile and journald.conf parsing" },
  { name: "python3", group: "test", probes: [{ path: "/usr/bin/python3" }], packages: ["python3"],
    why: "the rendered Python scripts, with Debian's interpreter as on the servers" },
  { name: "gunicorn", group: "test", probes: [{ path: "/usr/bin/gunicorn" }], packages: ["gunicorn"],
    why: "gunicorn's own loader on the rendered gunicorn config" },
  { name: "sshd", group: "test", probes: [{ path: "/usr/sbin/sshd" }, { path: "/etc/ssh/sshd_config" }], packages: ["openssh-server"],
    why: "sshd -t on the sshd_config drop-ins" },
  { name: "ssh-keygen", group: "test", probes: [{ command: ["ssh-keygen"] }], packages: ["openssh-client"],
    why: "a host key for sshd -t" },
  { name: "apt-config", group: "test", probes: [{ command: ["apt-config"] }], packages: ["apt"],
    why: "apt-config dump on the apt.conf.d files" },
  { name: "redis-server", group: "test", probes: [{ path: "/usr/bin/redis-server" }, { path: "/etc/redis/redis.conf" },
    { path: "/usr/lib/systemd/system/redis-server.service" }], packages: ["redis-server"],
    why: "redis-server loads the rendered config (which includes Debian's); its unit, which our drop-in changes" },
  { name: "postgresql", group: "test", probes: [{ path: "/usr/lib/postgresql/*/bin/postgres" }, { path: "/usr/lib/postgresql/*/bin/initdb" },
    { path: "/usr/lib/postgresql/*/bin/psql" }, { command: ["pg_conftool"] }], packages: ["postgresql"],
    why: "a throwaway cluster for the migrate script's advisory lock; pg_conftool on the createcluster drop-in" },
  { name: "pgbouncer", group: "test", probes: [{ path: "/usr/sbin/pgbouncer" }], packages: ["pgbouncer"],
    why: "a transaction-mode pool in front of that cluster" },
  { name: "psycopg2", group: "test", probes: [{ python: "psycopg2" }], packages: ["python3-psycopg2"],
    why: "the migrate script's PostgreSQL driver" },
  { name: "Django", group: "test", probes: [{ python: "django" }], packages: ["python3-django"],
    why: "the deploy's check for migrations a rolled-back release does not know, run against Django's own loader" },
  { name: "boto3", group: "test", probes: [{ python: "boto3" }], packages: ["python3-boto3"],
    why: "the AWS servers' heartbeat reporter and secret fetch run with Debian's boto3; the tests run them with the same one" },
  { name: "PyYAML", group: "test", probes: [{ python: "yaml" }], packages: ["python3-yaml"],
    why: "cloud-init's own YAML reader, on every rendered user data (tests/yamlSafety.test.ts)" },
  { name: "setpriv", group: "test", probes: [{ path: "/usr/bin/setpriv" }], packages: ["util-linux", "setpriv"],
    why: "runs PostgreSQL and PgBouncer as the postgres user" },
  { name: "certbot", group: "test", probes: [{ command: ["certbot"] }], packages: ["certbot"],
    why: "the rendered certificate issuance and renewal, for real against Pebble (tests/httpsOneBox.test.ts)" },
  { name: "rsyslogd", group: "test", probes: [{ path: "/usr/sbin/rsyslogd" }], packages: ["rsyslog"],
    why: "the rendered log shipper, for real: services' lines and nginx's log to a TLS syslog receiver (tests/logShipper.test.ts)" },
  { name: "rsyslog's TLS driver", group: "test", probes: [{ path: "/usr/lib/*/rsyslog/lmnsd_gtls.so" }], packages: ["rsyslog-gnutls"],
    why: "the log shipper's TLS (gtls)" },
  { name: "logger", group: "test", probes: [{ command: ["logger"] }], packages: ["bsdutils"], why: "writes test lines to the shipper's syslog socket" },
  { name: "pebble", group: ["test", "server"], probes: [{ command: ["pebble"] }], packages: ["pebble"],
    why: "a local ACME server (RFC 8555) that validates HTTP-01 challenges against the test nginx, and the VM's" },
  { name: "openssl", group: ["test", "server"], probes: [{ command: ["openssl"] }], packages: ["openssl"],
    why: "a throwaway CA and certificate for Pebble's own HTTPS API (Debian's pebble ships none)" },

  // npm run test:server (tests/server/run.ts): a Debian VM built with debootstrap, booted in qemu
  { name: "qemu-system-x86_64", group: "server", probes: [{ command: ["qemu-system-x86_64"] }], packages: ["qemu-system-x86"], why: "runs the VM" },
  { name: "qemu-img", group: "server", probes: [{ command: ["qemu-img"] }], packages: ["qemu-utils"], why: "the VM's disk overlay" },
  { name: "debootstrap", group: "server", probes: [{ command: ["debootstrap"] }], packages: ["debootstrap"], why: "builds the VM's base image" },
  { name: "genisoimage", group: "server", probes: [{ command: ["genisoimage", "mkisofs", "cloud-localds"] }], packages: ["genisoimage"],
    why: "the NoCloud seed ISO" },
  { name: "mkfs.ext4", group: "server", probes: [{ command: ["mkfs.ext4"] }], packages: ["e2fsprogs"], why: "the base image's file system" },
  { name: "git", group: "server", probes: [{ command: ["git"] }], packages: ["git"], why: "the sample app's repository the VM clones" },
  { name: "ssh", group: "server", probes: [{ command: ["ssh"] }, { command: ["ssh-keygen"] }], packages: ["openssh-client"],
    why: "checks inside the VM" },
  { name: "dpkg-deb", group: "server", probes: [{ command: ["dpkg-deb"] }], packages: ["dpkg"], why: "the sample app's wheels from Debian's packages" },
  { name: "chroot", group: "server", probes: [{ command: ["chroot"] }], packages: ["coreutils"], why: "builds the base image" },
  { name: "ca-certificates", group: "server", probes: [{ path: "/etc/ssl/certs/ca-certificates.crt" }], packages: ["ca-certificates"],
    why: "debootstrap and git over HTTPS" },
];

/** The package named in "not installed" messages for a command or tool name (first of its packages). */
export function packageFor(nameOrCommand: string): string | undefined {
  const tool = TOOLS.find((t) => t.name === nameOrCommand)
    ?? TOOLS.find((t) => t.probes.some((p) => "command" in p && p.command.includes(nameOrCommand)));
  return tool?.packages[0];
}

/** The hint a harness check appends when its tool is missing: how `npm test` gets it. */
export function installHint(nameOrCommand: string): string {
  const pkg = packageFor(nameOrCommand);
  return `${pkg ? `apt-get install ${pkg}; ` : ""}npm test installs what tools/debianTools.ts lists (tools/ensureTools.ts)`;
}
