/**
 * Auto scaling groups: N interchangeable servers from one launch template, replaced when unhealthy and
 * rolled (new servers in service first) when the template changes; a leaving worker drains first.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DRAIN_HEARTBEAT_SECONDS, DRAIN_HOOK, groupDrainPart } from "../../provisioning";
import type { CloudAdapter, ServerGroupHandle } from "../types";
import { drainPolicy } from "./iam";
import { targetGroupOf } from "./loadBalancer";
import { details } from "./network";
import { ssmRelease } from "./release";
import { ingressRules } from "./securityGroups";
import { IMDS_V2, ROOT_GB, serverBase, withDataVolume } from "./servers";

/** Seconds a new server takes to boot, install and deploy before health checks count. */
const BOOT_SECONDS = 600;
/** The longest an auto scaling lifecycle hook waits for a heartbeat (AWS's limit). */
const MAX_HOOK_SECONDS = 7200;

export const groupMemberPart: NonNullable<CloudAdapter["groupMemberPart"]> = (group, drain) => {
  return groupDrainPart(group.name, group.region, drain.units);
};

export const serverGroup: NonNullable<CloudAdapter["serverGroup"]> = (name, args, opts): ServerGroupHandle => {
  const net = details(args.network);
  // Group servers are interchangeable and keep no data: no volume to fill in.
  const userData = pulumi.output(args.userData).apply((u) => withDataVolume(u, args.name));
  const base = serverBase(name, args.name, { ...args, userData }, opts, true);
  ingressRules(`${name}-fw`, base.securityGroup.id, args.ingress, opts);
  const targetGroup = args.loadBalancer ? targetGroupOf(args.loadBalancer) : undefined;

  // Servers in public subnets (no NAT) need a public address to reach package mirrors; that takes a
  // network interface block, which then carries the security groups too.
  const template = new aws.ec2.LaunchTemplate(name, {
    description: `Servers of ${args.name}`,
    imageId: base.ami.id,
    instanceType: args.size,
    iamInstanceProfile: { name: base.profile.name },
    ...(net.serversPublic
      ? { networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "true", deleteOnTermination: "true", securityGroups: base.securityGroupIds }] }
      : { vpcSecurityGroupIds: base.securityGroupIds }),
    metadataOptions: IMDS_V2,
    blockDeviceMappings: [{
      deviceName: base.ami.rootDeviceName,
      ebs: { volumeType: "gp3", volumeSize: ROOT_GB, encrypted: "true", deleteOnTermination: "true" },
    }],
    monitoring: { enabled: true },
    userData: base.userDataBase64,
    updateDefaultVersion: true,
    tagSpecifications: ["instance", "volume"].map((resourceType) => ({ resourceType, tags: { Name: args.name, Roles: base.rolesTag } })),
    tags: { Name: args.name },
  }, {
    ...opts,
    // As for single servers: newer AMIs arrive through unattended upgrades, not by a rolling replacement.
    ignoreChanges: ["imageId"],
  });

  const group = new aws.autoscaling.Group(name, {
    minSize: args.count,
    desiredCapacity: args.count,
    // Room for a full second set while a refresh launches new servers before it stops old ones.
    maxSize: args.count * 2,
    vpcZoneIdentifiers: net.serversPublic ? net.publicSubnetIds : net.privateSubnetIds,
    launchTemplate: { id: template.id, version: template.latestVersion.apply((v) => String(v)) },
    targetGroupArns: targetGroup ? [targetGroup] : [],
    // Behind a load balancer a server that fails /healthz is replaced, not only one whose VM fails.
    healthCheckType: targetGroup ? "ELB" : "EC2",
    // cloud-init installs packages and deploys the release before /healthz can answer.
    healthCheckGracePeriod: BOOT_SECONDS,
    defaultInstanceWarmup: BOOT_SECONDS,
    // A new template version (a new release, size or setting) rolls through the group: new servers
    // in service first (up to twice the count), then old ones go, never below the count.
    instanceRefresh: {
      strategy: "Rolling",
      preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: String(BOOT_SECONDS) },
    },
    terminationPolicies: ["OldestLaunchTemplate", "OldestInstance"],
    tags: [
      { key: "Name", value: args.name, propagateAtLaunch: true },
      { key: "Roles", value: base.rolesTag, propagateAtLaunch: true },
    ],
  }, opts);
  if (args.drainSeconds !== undefined) {
    // A leaving server stops its services first (see renderDrainScript). The hook holds its
    // termination until the server completes it, or for heartbeatTimeout after its last heartbeat,
    // then lets it go on even if the server never answered.
    new aws.autoscaling.LifecycleHook(`${name}-drain`, {
      name: DRAIN_HOOK,
      autoscalingGroupName: group.name,
      lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
      // Longer stops send heartbeats every DRAIN_HEARTBEAT_SECONDS (up to AWS's 48 h in all).
      heartbeatTimeout: pulumi.output(args.drainSeconds).apply((s) => Math.min(MAX_HOOK_SECONDS, Math.max(2 * DRAIN_HEARTBEAT_SECONDS, s + 60))),
      defaultResult: "CONTINUE",
    }, opts);
    drainPolicy(name, base.role, group.arn, opts);
  }
  const release = args.release && ssmRelease(`${name}-release`, args.name, args.release, [base.parameter, group], opts);
  return { id: group.id, name: group.name, release };
};
