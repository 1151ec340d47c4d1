/**
 * The hardened Linux server every role builds on: a non-root sudo user with SSH keys only, no root or
 * password login, unattended security upgrades, a default-deny host firewall, swap, time zone and a
 * journald size cap.
 */
import { lines, shQuote } from "../text";
import type { BaseSpec, RolePart } from "../types";

export const FIREWALL_SCRIPT = "/usr/local/sbin/fullstack-firewall";

export function baseRole(base: BaseSpec): RolePart {
  return {
    packages: ["ufw", "unattended-upgrades", "apt-listchanges", "ca-certificates", "curl"],
    users: [
      {
        name: base.adminUser,
        groups: ["sudo"],
        shell: "/bin/bash",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        lock_passwd: true,
        ssh_authorized_keys: base.adminSshKeys,
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
          `AllowUsers ${base.adminUser}`,
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
    ],
    runcmd: [
      ["systemctl", "restart", "systemd-journald"],
      [FIREWALL_SCRIPT],
      ["systemctl", "enable", "--now", "unattended-upgrades"],
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
    manage_etc_hosts: true,
    ...(base.dataVolume ? {
      // Format only when the volume is blank: overwrite false never touches an existing filesystem.
      fs_setup: [{ label: "data", filesystem: "ext4", device: base.dataVolume.device, partition: "none", overwrite: false }],
      mounts: [[base.dataVolume.device, base.dataVolume.mountPoint, "ext4", "defaults,nofail,noatime,discard", "0", "2"]],
    } : {}),
    ...(base.swapMb > 0 ? { swap: { filename: "/swapfile", size: base.swapMb * 1024 * 1024, maxsize: base.swapMb * 1024 * 1024 } } : {}),
  };
}
