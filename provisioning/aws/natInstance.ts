/**
 * The cloud-config of the NAT instance (AWS `natMode: instance`): forward IPv4 and masquerade the VPC's
 * traffic out of the instance's default interface, kept across reboots by iptables-persistent.
 */
export function renderNatInstanceConfig(vpcCidr: string): string {
  return [
    "#cloud-config",
    "packages: [iptables, iptables-persistent]",
    "write_files:",
    "  - path: /etc/sysctl.d/90-nat.conf",
    "    content: \"net.ipv4.ip_forward = 1\\n\"",
    "runcmd:",
    "  - [sysctl, --system]",
    `  - [sh, -c, "iptables -t nat -A POSTROUTING -s ${vpcCidr} -o $(ip route show default | awk '{print $5}') -j MASQUERADE && netfilter-persistent save"]`,
    "",
  ].join("\n");
}
