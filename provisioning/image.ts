/**
 * Baked server images. Most of a server's first boot is apt installing its roles' packages (about 280 of
 * the 450 s cloud-init took in the VM test, where Debian's maintainer scripts run under emulation). A baked
 * image holds those packages already: a throwaway builder boots the cloud's stock image with
 * {@link imageBake}'s user data (the server's own package list and apt settings, a full upgrade), which
 * powers it off when it succeeded; the cloud snapshots it; servers boot from the snapshot with
 * {@link bootOnBakedImage}'s user data (the same document without the package steps).
 *
 * One image per distinct bake: servers whose roles install the same packages share it, and a server is
 * replaced by a new image only when its package set changes (as for any base configuration change).
 */
import { createHash } from "node:crypto";
import { MARK_PACKAGES_INSTALLED, POLICY_RC_D } from "./firstBoot";
import { lines, shQuote } from "./text";
import { safeYaml } from "./yaml";

/** The parts of a `#cloud-config` document a bake reads and a baked boot changes. */
export interface CloudConfigDoc {
  packages?: string[];
  package_update?: boolean;
  package_upgrade?: boolean;
  write_files?: { path: string; content?: string; encoding?: string; permissions?: string; owner?: string; defer?: boolean }[];
  runcmd?: (string | string[])[];
  [key: string]: unknown;
}

export interface ImageBake {
  /** What names the image: the first 12 hex digits of the SHA-256 of the builder's user data. */
  readonly key: string;
  /** The builder's user data (`#cloud-config`). */
  readonly userData: string;
  /** The packages the image holds (the server's list, in its order). */
  readonly packages: readonly string[];
}

/** Where the builder's script goes. */
export const IMAGE_BAKE_SCRIPT = "/usr/local/sbin/fullstack-image-bake";

/**
 * Files that shape what apt installs and what the packages do at install time: apt's own settings and
 * postgresql-common's createcluster drop-in (no cluster in the image: the server's setup script makes the
 * only one, on its data volume). The image gets them as the server's document has them.
 */
function shapesInstall(path: string): boolean {
  return path.startsWith("/etc/apt/") || path.startsWith("/etc/postgresql-common/createcluster.d/");
}

/**
 * The builder's user data for a server's document. `services`: the units the server's roles configure
 * and start themselves once configured (the document's policy-rc.d list); the image has them disabled,
 * so they do not start at a server's boot before its runcmd has configured them ({@link bootOnBakedImage}
 * enables them).
 */
export function imageBake(doc: CloudConfigDoc, services: readonly string[]): ImageBake {
  const packages = [...(doc.packages ?? [])];
  if (packages.length === 0) throw new Error("nothing to bake: the document installs no packages");
  const files = (doc.write_files ?? []).filter((f) => shapesInstall(f.path));
  const userData = `#cloud-config\n${safeYaml({
    // Nobody logs in to the builder: no keys, no passwords, no root.
    disable_root: true,
    ssh_pwauth: false,
    write_files: [
      ...files.map((f) => ({ ...f })),
      { path: POLICY_RC_D, permissions: "0755", owner: "root:root", content: lines("#!/bin/sh", "# Rendered by fullstack-pulumi: nothing starts while an image is baked.", "exit 101") },
      { path: IMAGE_BAKE_SCRIPT, permissions: "0755", owner: "root:root", content: renderImageBakeScript(packages, services) },
    ],
    runcmd: [[IMAGE_BAKE_SCRIPT]],
  })}`;
  return { key: createHash("sha256").update(userData).digest("hex").slice(0, 12), userData, packages };
}

/**
 * The builder's script: apt as cloud-init's package module runs it (cc_package_update_upgrade_install:
 * update, dist-upgrade, install with --force-confold and --force-unsafe-io, noninteractive), then what
 * makes a snapshot fit to boot new servers: the roles' services disabled, apt's caches and lists gone,
 * cloud-init's state and logs cleaned (a new server is a new instance), an empty machine-id (systemd
 * makes a new one at boot). It powers off only when everything succeeded: the cloud's snapshot waits for
 * that, and a builder still running is a failed bake.
 */
export function renderImageBakeScript(packages: readonly string[], services: readonly string[]): string {
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: bakes a server image (the packages of the server's roles), then powers",
    "# off; the cloud snapshots the disk. A failure leaves the builder running, which the bake reports.",
    "set -eu",
    "export DEBIAN_FRONTEND=noninteractive",
    "apt_get() {",
    "  apt-get -o DPkg::Lock::Timeout=600 --option=Dpkg::Options::=--force-confold \\",
    '    --option=Dpkg::options::=--force-unsafe-io --assume-yes --quiet "$@"',
    "}",
    "apt_get update",
    "apt_get dist-upgrade",
    `apt_get install ${packages.map(shQuote).join(" ")}`,
    ...(services.length > 0
      ? [
        "# Configured and started by each server's first boot, which enables them (not before: their packages'",
        "# defaults would start with the server's half-written configuration).",
        `SYSTEMCTL_SKIP_SYSV=1 systemctl disable --quiet ${[...services].map(shQuote).join(" ")}`,
      ]
      : []),
    `rm -f ${POLICY_RC_D}`,
    "apt-get clean",
    "rm -rf /var/lib/apt/lists/*",
    "cloud-init clean --logs --seed",
    "truncate -s 0 /etc/machine-id",
    "sync",
    "systemctl poweroff",
  );
}

/**
 * A server's document for a baked image: no package steps (the image has the packages, upgraded when it
 * was baked), the packages-installed marker in bootcmd (a pushed release need not wait for runcmd), the
 * roles' services enabled before the first boot ends, and the day's security updates
 * started once everything else is up (an image may be older than today's updates: apt-daily and
 * apt-daily-upgrade are Debian's own units for unattended-upgrades, which the base role configures).
 */
export function bootOnBakedImage(doc: CloudConfigDoc, services: readonly string[]): CloudConfigDoc {
  const { packages: _packages, ...rest } = doc;
  void _packages;
  const marks = (c: string | string[]) => Array.isArray(c) && c.join(" ") === MARK_PACKAGES_INSTALLED.join(" ");
  // The packages are in before cloud-init starts: a release pushed during the first boot may build as soon
  // as it can log in (the users and files it needs come from cloud-init's init stage, before sshd admits
  // anyone), not only once runcmd starts. bootcmd runs first thing in that stage (every boot; the marker is
  // under /run, and after the first boot cloud-init's boot-finished says the same).
  const early = (doc.runcmd ?? []).some(marks);
  const runcmd = (doc.runcmd ?? []).filter((c) => !marks(c));
  const policyGone = runcmd.findIndex((c) => Array.isArray(c) && c.join(" ") === `rm -f ${POLICY_RC_D}`);
  const enable = ["env", "SYSTEMCTL_SKIP_SYSV=1", "systemctl", "enable", "--quiet", ...services];
  if (services.length > 0) runcmd.splice(policyGone < 0 ? runcmd.length : policyGone, 0, enable);
  runcmd.push(["systemctl", "start", "--no-block", "apt-daily.service", "apt-daily-upgrade.service"]);
  return {
    ...rest, package_update: false, package_upgrade: false,
    ...(early ? { bootcmd: [...((doc.bootcmd as (string | string[])[] | undefined) ?? []), [...MARK_PACKAGES_INSTALLED]] } : {}),
    runcmd,
  };
}
