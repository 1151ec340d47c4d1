/**
 * Account and group names a server already has, or will have once our packages are installed. Neither
 * the admin user nor the app's user may take one: the app would run as a daemon's uid (or root), the
 * admin would inherit a system account's nologin shell, and cloud-init's `useradd` fails on a name that
 * is already a group.
 *
 * Sources: Debian's base-passwd (`/usr/share/base-passwd/passwd.master`, `group.master`); the users and
 * groups systemd, openssh, dbus, polkit, chrony and unattended-upgrades create on Debian 12 and Ubuntu
 * 24.04 (`getent passwd`, `getent group` on both images); the packages our roles install (nginx:
 * www-data, postgresql: postgres, ssl-cert, redis-server: redis); the images' default cloud users (debian,
 * ubuntu, admin, ec2-user); and the clouds' agents (AWS SSM: ssm-user; CloudWatch agent: cwagent;
 * DigitalOcean: do-agent, droplet-agent).
 */
export const RESERVED_ACCOUNT_NAMES: ReadonlySet<string> = new Set([
  // base-passwd users and groups
  "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data", "backup", "list",
  "irc", "gnats", "_apt", "nobody", "adm", "tty", "disk", "kmem", "dialout", "fax", "voice", "cdrom", "floppy", "tape", "sudo",
  "audio", "dip", "operator", "src", "shadow", "utmp", "video", "sasl", "plugdev", "staff", "users", "nogroup",
  // systemd, dbus, polkit, openssh, time sync, logging
  "systemd-network", "systemd-resolve", "systemd-timesync", "systemd-journal", "systemd-coredump", "systemd-oom", "input", "kvm",
  "render", "sgx", "netdev", "messagebus", "polkitd", "sshd", "_ssh", "syslog", "uuidd", "tcpdump", "tss", "_chrony", "chrony",
  "ntp", "crontab", "dnsmasq", "usbmux", "fwupd-refresh", "landscape", "pollinate", "lxd", "_laurel", "dhcpcd", "statd", "_rpc",
  // our packages
  "postgres", "ssl-cert", "redis", "nginx", "pgbouncer",
  // the images' default users and the clouds' agents
  "debian", "ubuntu", "admin", "ec2-user", "ssm-user", "cwagent", "do-agent", "droplet-agent",
]);
