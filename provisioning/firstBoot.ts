/**
 * The first boot's package install must not start the services the roles configure. Their packages
 * would start them (Debian maintainer scripts, through deb-systemd-invoke or invoke-rc.d) while the
 * role's files are only half in place: redis-server with our drop-in requires the data volume, which
 * runcmd mounts later, so it failed three times and systemd's restarts cost about 50 s of every boot
 * under emulation; nginx served Debian's default site until runcmd replaced it. Debian's own switch for
 * this is /usr/sbin/policy-rc.d (invoke-rc.d(8); deb-systemd-invoke asks it per unit, exit 101 means
 * "do not run"): written before the packages are installed, asked only about those services' start and
 * restart, inert once cloud-init has finished the first boot, and removed at the end of runcmd, whose
 * commands start each service once it is configured.
 */
import { lines } from "./text";

export const POLICY_RC_D = "/usr/sbin/policy-rc.d";
/** cloud-init writes it when the instance's first boot is done (all of runcmd included). */
export const BOOT_FINISHED = "/var/lib/cloud/instance/boot-finished";
/**
 * Written by the first command of runcmd that follows the package install and the secrets' fetch
 * (cloud-init runs runcmd in scripts-user, after package-update-upgrade-install in the final stage), so
 * its presence says the packages are installed while the rest of runcmd (firewall, database, services)
 * still runs. A release pushed during the first boot builds once it appears (provisioning/release.ts) and
 * waits for the whole first boot only before it migrates and switches. Under /run: gone at the next boot,
 * when BOOT_FINISHED says the same.
 */
export const PACKAGES_INSTALLED = "/run/fullstack-packages-installed";

/** The runcmd command that marks {@link PACKAGES_INSTALLED}. */
export const MARK_PACKAGES_INSTALLED = ["touch", PACKAGES_INSTALLED];

/** systemd reads unit files again; see {@link oneDaemonReload}. */
const DAEMON_RELOAD = ["systemctl", "daemon-reload"];

/**
 * Each role asks for `systemctl daemon-reload` before it enables its units, so a part stands alone. In one
 * document every unit file is on disk before runcmd starts (write_files runs in the init stage; the
 * fetched files arrive with runcmd's first command; no runcmd command writes a unit), so the first
 * reload, placed after the base role's commands (the data volume's fstab line among them), covers them
 * all. The others are dropped: each is a few seconds of a small server's first boot (about 2.5 s under
 * the VM test's emulation).
 */
export function oneDaemonReload<C extends string | readonly string[]>(runcmd: readonly C[]): C[] {
  let seen = false;
  return runcmd.filter((c) => {
    const reload = typeof c === "string" ? c.trim() === DAEMON_RELOAD.join(" ")
      : c.length === DAEMON_RELOAD.length && c.every((w, i) => w === DAEMON_RELOAD[i]);
    if (reload && seen) return false;
    seen ||= reload;
    return true;
  });
}

export function renderPolicyRcD(services: readonly string[]): string {
  const names = [...new Set(services)].sort().flatMap((s) => [s, `${s}.service`]);
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: during the first boot's package install, the packages of services this",
    "# server's roles configure do not start them; the first boot's runcmd does, once they are configured,",
    "# and then removes this file. invoke-rc.d(8): policy-rc.d <service> <action>; 101 = do not run.",
    `[ -e ${BOOT_FINISHED} ] && exit 0`,
    'case "$1" in',
    `  ${names.join("|")}) ;;`,
    "  *) exit 0 ;;",
    "esac",
    'case " $2 " in',
    '  *" start "* | *" restart "*) exit 101 ;;',
    "esac",
    "exit 0",
  );
}
