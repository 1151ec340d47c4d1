/**
 * The hardened Linux server every role builds on: a non-root sudo user with SSH keys only, no root or
 * password login, root's password locked, unattended security upgrades, a default-deny host firewall, swap, time zone, a
 * journald size cap and logrotate (minimal images lack it; nginx's logs rely on it).
 */
import { lines, shQuote } from "../text";
import type { BaseSpec, RolePart } from "../types";

export const FIREWALL_SCRIPT = "/usr/local/sbin/fullstack-firewall";
export const VOLUME_SCRIPT = "/usr/local/sbin/fullstack-data-volume";

/**
 * Waits for the data volume (clouds may attach it after boot), formats it only when it holds no
 * filesystem at all, and mounts it by UUID. Runs before any role that keeps data there.
 */
export function renderVolumeScript(device: string, mountPoint: string): string {
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: mount the data volume; never formats a volume that has a filesystem.",
    "set -eu",
    `device=${shQuote(device)}`,
    `target=${shQuote(mountPoint)}`,
    "waited=0",
    'while [ ! -b "$device" ]; do',
    '  if [ "$waited" -ge 300 ]; then echo "data volume $device did not appear within 300 s" >&2; exit 1; fi',
    "  sleep 2",
    "  waited=$((waited + 2))",
    "done",
    'if ! blkid "$device" >/dev/null 2>&1; then',
    '  echo "data volume $device is blank: creating ext4"',
    '  mkfs.ext4 -q -L data "$device"',
    "fi",
    'uuid=$(blkid -s UUID -o value "$device")',
    'install -d -m 0755 "$target"',
    'if ! grep -q "^UUID=$uuid " /etc/fstab; then',
    '  echo "UUID=$uuid $target ext4 defaults,nofail,noatime 0 2" >> /etc/fstab',
    "fi",
    'mountpoint -q "$target" || mount "$target"',
  );
}

/**
 * sshd's AllowUsers: the admin from its addresses only (sshd_config(5): a USER@HOST pattern's host may be
 * an address/masklen), and the other users, whom their own authorized_keys restrict. With no admin
 * address and no other user, the admin alone, as the firewalls keep port 22 closed anyway.
 */
function allowUsers(base: BaseSpec): string[] {
  const others = base.sshUsers ?? [];
  const admin = base.adminFrom === undefined ? [base.adminUser] : base.adminFrom.map((cidr) => `${base.adminUser}@${cidr}`);
  const users = [...admin, ...others];
  return users.length > 0 ? users : [base.adminUser];
}

export function baseRole(base: BaseSpec): RolePart {
  return {
    // No apt-listchanges: it only shows or mails changelogs (no terminal here, and no mail server), and
    // under qemu's emulation its setup (Python, debconf) cost about 18 s of every first boot.
    packages: ["ufw", "unattended-upgrades", "ca-certificates", "curl", "logrotate"],
    users: [
      {
        name: base.adminUser,
        groups: ["sudo"],
        shell: "/bin/bash",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        lock_passwd: true,
        // cloud-init's schema wants at least one key here; with none (e.g. AWS stacks, which log in
        // through SSM), the key is left out and nobody can log in over SSH.
        ...(base.adminSshKeys.length > 0 ? { ssh_authorized_keys: base.adminSshKeys } : {}),
      },
    ],
    writeFiles: [
      {
        path: "/etc/ssh/sshd_config.d/10-fullstack.conf",
        permissions: "0644",
        content: lines(
          "# Rendered by fullstack-pulumi: keys only, never root.",
          "PermitRootLogin no",
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          `AllowUsers ${allowUsers(base).join(" ")}`,
          "X11Forwarding no",
          "MaxAuthTries 3",
        ),
      },
      {
        path: "/etc/apt/apt.conf.d/20auto-upgrades",
        permissions: "0644",
        content: lines('APT::Periodic::Update-Package-Lists "1";', 'APT::Periodic::Unattended-Upgrade "1";', 'APT::Periodic::AutocleanInterval "7";'),
      },
      {
        path: "/etc/systemd/journald.conf.d/10-fullstack.conf",
        permissions: "0644",
        content: lines("[Journal]", "SystemMaxUse=500M", "MaxRetentionSec=1month"),
      },
      { path: FIREWALL_SCRIPT, permissions: "0755", content: renderFirewallScript(base) },
      ...(base.dataVolume ? [{ path: VOLUME_SCRIPT, permissions: "0755", content: renderVolumeScript(base.dataVolume.device, base.dataVolume.mountPoint) }] : []),
    ],
    runcmd: [
      ...(base.dataVolume ? [[VOLUME_SCRIPT]] : []),
      // No root password: a droplet created without account SSH keys gets one set and mailed by
      // DigitalOcean before user scripts run; locked, it opens neither SSH (off anyway) nor the console.
      ["passwd", "--lock", "root"],
      ["systemctl", "restart", "systemd-journald"],
      [FIREWALL_SCRIPT],
      // The package enables it already; `enable` would also run Debian's SysV compatibility (update-rc.d,
      // about 12 s of a first boot under emulation). SYSTEMCTL_SKIP_SYSV (systemd's docs/ENVIRONMENT.md,
      // read by systemctl 252 in Debian 12) skips that; the systemd unit is what runs.
      ["env", "SYSTEMCTL_SKIP_SYSV=1", "systemctl", "enable", "--now", "unattended-upgrades"],
    ],
  };
}

/** ufw rules as a script, so an operator can re-run it and shellcheck can check it. */
export function renderFirewallScript(base: BaseSpec): string {
  const rules = base.firewall.flatMap((rule) => {
    const sources = rule.from.length > 0 ? rule.from : ["any"];
    return sources.map((src) =>
      `ufw allow proto tcp from ${src === "any" ? "any" : shQuote(src)} to any port ${rule.port} comment ${shQuote(rule.comment)}`);
  });
  return lines(
    "#!/bin/sh",
    "# Rendered by fullstack-pulumi: host firewall, default deny inbound.",
    "set -eu",
    "ufw --force reset >/dev/null",
    "ufw default deny incoming",
    "ufw default allow outgoing",
    ...rules,
    "ufw --force enable",
  );
}

/** The cloud-config keys the base role sets directly (not merged lists). */
export function baseTopLevel(base: BaseSpec): Record<string, unknown> {
  return {
    timezone: base.timezone,
    package_update: true,
    package_upgrade: true,
    disable_root: true,
    ssh_pwauth: false,
    ssh_genkeytypes: ["ed25519", "ecdsa"],
    // A host key made with the stack: whoever pushes releases knows it and checks it (no trust on first use).
    ...(base.hostKey ? { ssh_keys: { ed25519_private: base.hostKey.privateKey, ed25519_public: base.hostKey.publicKey } } : {}),
    manage_etc_hosts: true,
    ...(base.swapMb > 0 ? { swap: { filename: "/swapfile", size: base.swapMb * 1024 * 1024, maxsize: base.swapMb * 1024 * 1024 } } : {}),
  };
}
