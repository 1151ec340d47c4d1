/**
 * The AWS resources the components make that a user can adjust with a typed transform
 * (`transform: { aws: { instance: (args) => { ... } } }`), by the name the
 * transform uses; each component's `nodes` lists its children by the same names (`web.nodes.aws.instance`).
 */
import * as aws from "@pulumi/aws";

export const AWS_CHILDREN = {
  instance: aws.ec2.Instance,
  launchTemplate: aws.ec2.LaunchTemplate,
  autoscalingGroup: aws.autoscaling.Group,
  securityGroup: aws.ec2.SecurityGroup,
  securityGroupIngressRule: aws.vpc.SecurityGroupIngressRule,
  securityGroupEgressRule: aws.vpc.SecurityGroupEgressRule,
  vpc: aws.ec2.Vpc,
  subnet: aws.ec2.Subnet,
  natGateway: aws.ec2.NatGateway,
  eip: aws.ec2.Eip,
  ebsVolume: aws.ebs.Volume,
  loadBalancer: aws.lb.LoadBalancer,
  targetGroup: aws.lb.TargetGroup,
  listener: aws.lb.Listener,
  dbInstance: aws.rds.Instance,
  dbParameterGroup: aws.rds.ParameterGroup,
  replicationGroup: aws.elasticache.ReplicationGroup,
  cacheParameterGroup: aws.elasticache.ParameterGroup,
  bucket: aws.s3.Bucket,
  distribution: aws.cloudfront.Distribution,
  queue: aws.sqs.Queue,
  role: aws.iam.Role,
  ssmParameter: aws.ssm.Parameter,
  ssmAssociation: aws.ssm.Association,
  certificate: aws.acm.Certificate,
  record: aws.route53.Record,
  metricAlarm: aws.cloudwatch.MetricAlarm,
  logGroup: aws.cloudwatch.LogGroup,
  snsTopic: aws.sns.Topic,
  snsSubscription: aws.sns.TopicSubscription,
  healthCheck: aws.route53.HealthCheck,
} as const;
