/** Role groups: a role's network identity is a security group, made the first time something admits the role. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { CloudAdapter, RoleHandle } from "../types";
import { details } from "./network";
import { sgName } from "./securityGroups";

/**
 * A role's security group is made on first use of its `ref`: by a rule that admits the role (a data
 * store's, a role-to-role rule) or by a server that has the role once such a rule exists. A server wears
 * only the role groups that exist when it is made: a role nothing admits (the single box's postgres and
 * redis, which listen on localhost; the scheduler) needs no group, and EC2 allows only 5 security groups
 * per network interface by default (Amazon VPC quotas), which the single box's own group and five role
 * groups would pass. A rule that admits a role after servers with that role were made is an error, not a
 * silently unreachable server.
 */
interface LazyRole {
  made(): boolean;
  /** Servers made with the role before its group existed. */
  readonly unworn: string[];
}
const lazyRoles = new WeakMap<RoleHandle, LazyRole>();

/** The role groups a server made now wears; records the roles it does not. */
export function wornRoleGroups(server: string, roles: readonly RoleHandle[]): pulumi.Output<string>[] {
  return roles.filter((r) => {
    const lazy = lazyRoles.get(r);
    if (!lazy || lazy.made()) return true;
    lazy.unworn.push(server);
    return false;
  }).map((r) => r.ref);
}

export const role: CloudAdapter["role"] = (name, args, opts): RoleHandle => {
  let sg: aws.ec2.SecurityGroup | undefined;
  const lazy: LazyRole = { made: () => sg !== undefined, unworn: [] };
  const handle: RoleHandle = {
    role: args.role,
    get ref(): pulumi.Output<string> {
      if (!sg) {
        if (lazy.unworn.length > 0) {
          throw new Error(`AWS: a rule admits the ${args.role} role after its servers (${lazy.unworn.join(", ")}) were made without its ` +
            "security group; make data stores and role rules before the servers they admit");
        }
        sg = new aws.ec2.SecurityGroup(name, {
          name: sgName(args.tagName),
          vpcId: details(args.network).vpcId,
          description: `Servers with the ${args.role} role`,
          tags: { Name: args.tagName, Role: args.role },
        }, opts);
      }
      return sg.id;
    },
  };
  lazyRoles.set(handle, lazy);
  return handle;
};
