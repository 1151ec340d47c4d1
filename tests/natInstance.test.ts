/**
 * The NAT instance's cloud-config (AWS `natMode: instance`, provisioning/aws/natInstance.ts): no checked-in
 * stack uses it, so provisioning.test.ts does not reach it. cloud-init's own schema check, and what it does.
 */
import { parse } from "yaml";
import { checkCloudConfig } from "../harness/serverTools";
import { renderNatInstanceConfig } from "../provisioning";

const CIDR = "10.0.0.0/16";
const config = renderNatInstanceConfig(CIDR);

test("cloud-init accepts it", () => {
  const schema = checkCloudConfig(config);
  expect(schema.ok ? "" : schema.output).toBe("");
});

test("it forwards IPv4 and masquerades the VPC's traffic out of the default interface, across reboots", () => {
  const doc = parse(config) as { packages: string[]; write_files: { path: string; content: string }[]; runcmd: string[][] };
  expect(doc.packages).toEqual(["iptables", "iptables-persistent"]);
  expect(doc.write_files).toEqual([{ path: "/etc/sysctl.d/90-nat.conf", content: "net.ipv4.ip_forward = 1\n" }]);
  expect(doc.runcmd[0]).toEqual(["sysctl", "--system"]);
  expect(doc.runcmd[1].slice(0, 2)).toEqual(["sh", "-c"]);
  expect(doc.runcmd[1][2]).toBe(`iptables -t nat -A POSTROUTING -s ${CIDR} -o $(ip route show default | awk '{print $5}') -j MASQUERADE && netfilter-persistent save`);
});
