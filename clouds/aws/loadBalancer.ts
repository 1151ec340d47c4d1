/** The application load balancer: HTTP, or HTTPS with an ACM certificate and HTTP redirected to it. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { targetGroupName } from "../../settings/limits/aws";
import type { CloudAdapter, LoadBalancerHandle } from "../types";
import { details, VPC_CIDR } from "./network";
import { ingressRules, sgName } from "./securityGroups";

/** TLS 1.3 and 1.2 only. */
const ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** The CloudWatch dimensions (AWS/ApplicationELB) of a load balancer this adapter made. */
export function loadBalancerMetrics(loadBalancer: LoadBalancerHandle): { loadBalancer: pulumi.Output<string>; targetGroup: pulumi.Output<string> } {
  if (!loadBalancer.metricDimensions) throw new Error("this load balancer was not made by the AWS adapter (it has no metricDimensions)");
  return loadBalancer.metricDimensions;
}

/** The ARN of the target group of a load balancer this adapter made. */
export function targetGroupOf(loadBalancer: LoadBalancerHandle): pulumi.Output<string> {
  if (!loadBalancer.targetGroup) throw new Error("this load balancer was not made by the AWS adapter (it has no targetGroup)");
  return loadBalancer.targetGroup;
}

export const loadBalancer: CloudAdapter["loadBalancer"] = (name, args, opts): LoadBalancerHandle => {
  const net = details(args.network);
  const sg = new aws.ec2.SecurityGroup(`${name}-sg`, {
    name: sgName(args.name), vpcId: net.vpcId, description: `Load balancer ${args.name}: HTTP(S) from the internet`,
  }, opts);
  const ports = args.certificate ? [80, 443] : [80];
  ingressRules(`${name}-sg`, sg.id, ports.map((port) => ({
    port, protocol: "tcp", source: { kind: "anywhere" }, description: port === 443 ? "HTTPS from the internet" : "HTTP from the internet",
  })), opts);
  new aws.vpc.SecurityGroupEgressRule(`${name}-sg-to-servers`, {
    securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: VPC_CIDR, description: "HTTP to the web servers",
  }, opts);
  // ELB names: 1 to 32 letters, digits and hyphens, no hyphen first or last, not "internal-"
  // (terraform-provider-aws elbv2/validate.go). The settings refuse app and stack names that do not fit.
  const lb = new aws.lb.LoadBalancer(name, {
    name: args.name,
    loadBalancerType: "application",
    internal: false,
    subnets: net.publicSubnetIds,
    securityGroups: [sg.id],
    dropInvalidHeaderFields: true,
    idleTimeout: 60,
  }, opts);
  // A target group is replaced when its VPC, port, protocol or target type changes, and the new one must
  // exist before the listener lets go of the old: its name ends in a hash of those inputs, so it changes
  // with them. Pulumi's own auto-name (logical name + 8) would pass ELB's 32 characters once app and
  // stack names reach 17.
  const tgShape = { port: 80, protocol: "HTTP", targetType: "instance" };
  const tg = new aws.lb.TargetGroup(`${name}-web`, {
    name: pulumi.output(net.vpcId).apply((vpcId) => targetGroupName(args.name, { vpcId, ...tgShape })),
    ...tgShape, vpcId: net.vpcId,
    deregistrationDelay: 30,
    healthCheck: { path: args.healthCheckPath, port: "80", protocol: "HTTP", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 3 },
  }, opts);
  if (args.certificate) {
    new aws.lb.Listener(`${name}-http`, {
      loadBalancerArn: lb.arn, port: 80, protocol: "HTTP",
      defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    }, opts);
    new aws.lb.Listener(`${name}-https`, {
      loadBalancerArn: lb.arn, port: 443, protocol: "HTTPS", sslPolicy: ALB_TLS_POLICY, certificateArn: args.certificate.id,
      defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
    }, opts);
  } else {
    new aws.lb.Listener(`${name}-http`, {
      loadBalancerArn: lb.arn, port: 80, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
    }, opts);
  }
  return {
    id: lb.arn, address: lb.dnsName, securityRef: sg.id, zoneId: lb.zoneId, targetGroup: tg.arn,
    metricDimensions: { loadBalancer: lb.arnSuffix, targetGroup: tg.arnSuffix },
  };
};

export const attachToLoadBalancer: CloudAdapter["attachToLoadBalancer"] = (name, args, opts) => {
  const tg = targetGroupOf(args.loadBalancer);
  new aws.lb.TargetGroupAttachment(name, { targetGroupArn: tg, targetId: args.server.id, port: 80 }, opts);
};
