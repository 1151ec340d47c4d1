/**
 * Role groups: a role's network identity is a security group. The component `Network` asks for it the
 * first time something admits the role (a data store's group, a role-to-role rule), and a server wears
 * only the role groups that exist when it is made: a role nothing admits (the single box's postgres and
 * redis, which listen on localhost; the scheduler) has no group, which also keeps a server under the 5
 * security groups per network interface EC2 allows by default (Amazon VPC quotas), which the single box's
 * own group and five role groups would pass.
 */
import * as aws from "@pulumi/aws";
import type { CloudAdapter, RoleHandle } from "../types";
import { details } from "./network";
import { sgName } from "./securityGroups";

export const role: CloudAdapter["role"] = (name, args, opts): RoleHandle => {
  const sg = new aws.ec2.SecurityGroup(name, {
    name: sgName(args.tagName),
    vpcId: details(args.network).vpcId,
    description: `Servers with the ${args.role} role`,
    tags: { Name: args.tagName, Role: args.role },
  }, opts);
  return { role: args.role, ref: sg.id };
};
