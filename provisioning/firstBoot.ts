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
const BOOT_FINISHED = "/var/lib/cloud/instance/boot-finished";

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
