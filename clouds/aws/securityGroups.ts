/** Security groups: rules from the neutral, checked ingress list (every rule described), all egress, a data store's group. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { CheckedIngressRule, RoleHandle } from "../types";
import type { AwsNetwork } from "./types";

/** A name as AWS accepts it for a security group (and an origin access control). */
export function sgName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 255);
}

export function ingressRules(name: string, securityGroupId: pulumi.Input<string>, rules: readonly CheckedIngressRule[], opts: pulumi.ComponentResourceOptions): void {
  rules.forEach((rule, i) => {
    const base = { securityGroupId, ipProtocol: rule.protocol, fromPort: rule.port, toPort: rule.port, description: rule.description };
    const src = rule.source;
    const sources: Partial<aws.vpc.SecurityGroupIngressRuleArgs>[] =
      src.kind === "anywhere" ? [{ cidrIpv4: "0.0.0.0/0" }, { cidrIpv6: "::/0" }]
        : src.kind === "cidrs" ? src.cidrs.map((c) => (c.includes(":") ? { cidrIpv6: c } : { cidrIpv4: c }))
          : src.kind === "role" ? [{ referencedSecurityGroupId: src.role.ref }]
            : [{ referencedSecurityGroupId: src.loadBalancer.securityRef }];
    sources.forEach((source, j) => {
      new aws.vpc.SecurityGroupIngressRule(`${name}-${rule.port}-${i}-${j}`, { ...base, ...source }, opts);
    });
  });
}

export function allEgress(name: string, securityGroupId: pulumi.Input<string>, opts: pulumi.ComponentResourceOptions): void {
  new aws.vpc.SecurityGroupEgressRule(`${name}-egress`, {
    securityGroupId, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "All outbound (packages, git, APIs)",
  }, opts);
  new aws.vpc.SecurityGroupEgressRule(`${name}-egress6`, {
    securityGroupId, ipProtocol: "-1", cidrIpv6: "::/0", description: "All outbound over IPv6",
  }, opts);
}

/** A data store's security group: its port, from the given roles only, every rule described. */
export function dataStoreGroup(name: string, net: AwsNetwork, cluster: string, engine: string, port: number, roles: readonly RoleHandle[],
  opts: pulumi.ComponentResourceOptions): aws.ec2.SecurityGroup {
  const sg = new aws.ec2.SecurityGroup(`${name}-sg`, {
    name: sgName(`${cluster}-${engine.toLowerCase()}`), vpcId: net.vpcId, description: `${engine} ${cluster}: only from the app servers`,
  }, opts);
  ingressRules(`${name}-sg`, sg.id, roles.map((role) => ({
    port, protocol: "tcp", source: { kind: "role", role }, description: `${engine} from the ${role.role} role`,
  })), opts);
  return sg;
}
