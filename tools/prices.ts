/**
 * The price catalog behind `npm run plan -- --cost` (tools/cost.ts): list prices, in USD, for the sizes and
 * services the library creates. Data only: each price names its source (the provider's pricing page) and
 * the date of the price list it comes from. Prices change; when one does, change its number and its date
 * here, and nothing else. What is billed by use (traffic, requests, log ingestion) is listed in USAGE and
 * never guessed. A size missing here is reported as "not in the price catalog", never estimated.
 *
 * How the numbers were taken: this machine cannot reach the pricing pages, so each source says what was
 * read. DigitalOcean's droplet prices are those of its July 2022 price list (the last general change,
 * tabled side by side with the old ones in a public summary, noted below); the others are the providers'
 * published list prices as of the date given. Check the source before you budget on a number.
 */

export interface PriceSource {
  /** The provider's page for these prices. */
  url: string;
  /** The date of the price list the numbers come from (YYYY-MM). */
  asOf: string;
  /** How the numbers were read, and anything a reader must know. */
  note: string;
}

export const SOURCES = {
  doDroplets: {
    url: "https://www.digitalocean.com/pricing/droplets",
    asOf: "2022-07",
    note: "Basic and Premium (AMD/Intel) plans after DigitalOcean's July 2022 price change, as tabled in gist colinwilson/cd31bde012f6727b24b2fc4ebee749c0 (old and new prices side by side); the monthly price is the most a droplet is billed in a month",
  },
  doVolumes: { url: "https://docs.digitalocean.com/products/volumes/details/pricing/", asOf: "2022-07", note: "$0.10 per GiB per month, by provisioned size" },
  doLoadBalancers: { url: "https://docs.digitalocean.com/products/networking/load-balancers/details/pricing/", asOf: "2022-07", note: "regional load balancer, per node (size_unit) per month; Let's Encrypt certificates included" },
  doDatabases: {
    url: "https://www.digitalocean.com/pricing/managed-databases",
    asOf: "2022-07",
    note: "PostgreSQL and Valkey (Managed Caching) node plans; a cluster is billed per node (primary and each standby at the plan's price); storage included in the plan",
  },
  doSpaces: { url: "https://docs.digitalocean.com/products/spaces/details/pricing/", asOf: "2022-07", note: "one $5 subscription per team covers every bucket, 250 GiB stored and 1 TiB out; the built-in CDN is included" },
  doReservedIps: { url: "https://docs.digitalocean.com/products/networking/reserved-ips/details/pricing/", asOf: "2024-01", note: "free while assigned to a droplet; billed hourly only while unassigned" },
  awsEc2: { url: "https://aws.amazon.com/ec2/pricing/on-demand/", asOf: "2025-01", note: "On-Demand, Linux, shared tenancy, per hour; a month is 730 hours" },
  awsEbs: { url: "https://aws.amazon.com/ebs/pricing/", asOf: "2025-01", note: "gp3 per GB-month with the 3,000 IOPS and 125 MB/s it includes" },
  awsPublicIpv4: { url: "https://aws.amazon.com/vpc/pricing/", asOf: "2024-02", note: "every public IPv4 address (Elastic IP, an instance's public address, each AZ of an internet-facing load balancer), $0.005 per hour" },
  awsRds: { url: "https://aws.amazon.com/rds/postgresql/pricing/", asOf: "2025-01", note: "RDS for PostgreSQL On-Demand per hour, Single-AZ; Multi-AZ (one standby) is twice the instance and the storage" },
  awsElastiCache: { url: "https://aws.amazon.com/elasticache/pricing/", asOf: "2025-01", note: "node-based clusters, On-Demand per node-hour for Valkey (20% below the Redis OSS price)" },
  awsElb: { url: "https://aws.amazon.com/elasticloadbalancing/pricing/", asOf: "2025-01", note: "Application Load Balancer per hour, plus LCU-hours by use" },
  awsVpc: { url: "https://aws.amazon.com/vpc/pricing/", asOf: "2025-01", note: "NAT gateway per hour, plus data processed by use" },
  awsRoute53: { url: "https://aws.amazon.com/route53/pricing/", asOf: "2025-01", note: "hosted zone per month; health check on an AWS endpoint per month, each optional feature (HTTPS, string matching, fast interval, latency) extra" },
  awsCloudWatch: { url: "https://aws.amazon.com/cloudwatch/pricing/", asOf: "2025-01", note: "standard-resolution alarm, per metric it reads, per month; custom metric per month (the free tier's 10 alarms and 10 metrics not deducted)" },
} as const satisfies Record<string, PriceSource>;

export type SourceId = keyof typeof SOURCES;

/** DigitalOcean droplet sizes, USD per month (prices are the same in every region). */
export const DO_DROPLET_MONTHLY: Readonly<Record<string, number>> = {
  "s-1vcpu-512mb-10gb": 4,
  "s-1vcpu-1gb": 6, "s-1vcpu-2gb": 12, "s-2vcpu-2gb": 18, "s-2vcpu-4gb": 24, "s-4vcpu-8gb": 48, "s-8vcpu-16gb": 96,
  "s-1vcpu-1gb-amd": 7, "s-1vcpu-2gb-amd": 14, "s-2vcpu-2gb-amd": 21, "s-2vcpu-4gb-amd": 28, "s-4vcpu-8gb-amd": 56, "s-8vcpu-16gb-amd": 112,
  "s-1vcpu-1gb-intel": 7, "s-1vcpu-2gb-intel": 14, "s-2vcpu-2gb-intel": 21, "s-2vcpu-4gb-intel": 28, "s-4vcpu-8gb-intel": 56, "s-8vcpu-16gb-intel": 112,
  "c-2": 42, "c-4": 84, "c-8": 168,
  "g-2vcpu-8gb": 63, "g-4vcpu-16gb": 126, "g-8vcpu-32gb": 252,
};

/** DigitalOcean managed database node plans (PostgreSQL and Valkey), USD per node per month. */
export const DO_DATABASE_NODE_MONTHLY: Readonly<Record<string, number>> = {
  "db-s-1vcpu-1gb": 15, "db-s-1vcpu-2gb": 30, "db-s-2vcpu-4gb": 60, "db-s-4vcpu-8gb": 120,
  "db-s-6vcpu-16gb": 240, "db-s-8vcpu-32gb": 480, "db-s-16vcpu-64gb": 960,
};

export const DO_VOLUME_GIB_MONTHLY = 0.10;
export const DO_LOAD_BALANCER_NODE_MONTHLY = 12;
export const DO_SPACES_SUBSCRIPTION_MONTHLY = 5;

/** Hours in the month AWS prices assume. */
export const HOURS_PER_MONTH = 730;

/**
 * AWS hourly prices per region. A region missing here prices nothing (reported, not guessed).
 * Cross-checked here against dated third-party tables: us-east-1's RDS db.t4g prices (a 2026 table at
 * infratally.com, "AWS RDS pricing explained 2026": $0.016/$0.032/$0.065, Multi-AZ twice) and the t3 Linux
 * prices of eu-central-1 (a 2021-08-30 table at matthiaskraaz.blogspot.com: t3.small $0.024). The other
 * numbers are AWS's list prices as published for the date in SOURCES and were not re-read on this
 * machine (no network): check them on the source page before budgeting.
 */
export interface AwsRegionPrices {
  ec2Hourly: Readonly<Record<string, number>>;
  rdsPostgresHourly: Readonly<Record<string, number>>;
  elastiCacheValkeyHourly: Readonly<Record<string, number>>;
  /** gp3, USD per GB-month. */
  ebsGp3GbMonthly: number;
  /** RDS gp3 storage, Single-AZ, USD per GB-month. */
  rdsGp3GbMonthly: number;
  albHourly: number;
  natGatewayHourly: number;
}

export const AWS_REGIONS: Readonly<Record<string, AwsRegionPrices>> = {
  "us-east-1": {
    ec2Hourly: {
      "t3.micro": 0.0104, "t3.small": 0.0208, "t3.medium": 0.0416, "t3.large": 0.0832, "t3.xlarge": 0.1664,
      "m7i.large": 0.1008, "m7i.xlarge": 0.2016, "c7i.large": 0.0893, "c7i.xlarge": 0.1785, "r7i.large": 0.1323,
    },
    rdsPostgresHourly: {
      "db.t4g.micro": 0.016, "db.t4g.small": 0.032, "db.t4g.medium": 0.065, "db.t4g.large": 0.129,
      "db.m7g.large": 0.168, "db.m7g.xlarge": 0.337, "db.r7g.large": 0.239,
    },
    elastiCacheValkeyHourly: {
      "cache.t4g.micro": 0.0128, "cache.t4g.small": 0.0256, "cache.t4g.medium": 0.052,
      "cache.m7g.large": 0.1264, "cache.r7g.large": 0.1752,
    },
    ebsGp3GbMonthly: 0.08, rdsGp3GbMonthly: 0.115, albHourly: 0.0225, natGatewayHourly: 0.045,
  },
  "eu-central-1": {
    ec2Hourly: {
      "t3.micro": 0.012, "t3.small": 0.024, "t3.medium": 0.048, "t3.large": 0.096, "t3.xlarge": 0.192,
      "m7i.large": 0.1210, "m7i.xlarge": 0.2419, "c7i.large": 0.1019, "c7i.xlarge": 0.2037, "r7i.large": 0.1596,
    },
    rdsPostgresHourly: {
      "db.t4g.micro": 0.019, "db.t4g.small": 0.038, "db.t4g.medium": 0.076, "db.t4g.large": 0.152,
      "db.m7g.large": 0.197, "db.m7g.xlarge": 0.394, "db.r7g.large": 0.282,
    },
    elastiCacheValkeyHourly: {
      "cache.t4g.micro": 0.0144, "cache.t4g.small": 0.0288, "cache.t4g.medium": 0.0584,
      "cache.m7g.large": 0.1456, "cache.r7g.large": 0.2016,
    },
    ebsGp3GbMonthly: 0.0952, rdsGp3GbMonthly: 0.137, albHourly: 0.027, natGatewayHourly: 0.052,
  },
};

export const AWS_PUBLIC_IPV4_HOURLY = 0.005;
export const AWS_ROUTE53_ZONE_MONTHLY = 0.5;
export const AWS_ROUTE53_HEALTH_CHECK_MONTHLY = 0.5;
export const AWS_ROUTE53_HEALTH_CHECK_FEATURE_MONTHLY = 1;
export const AWS_ALARM_METRIC_MONTHLY = 0.1;
/** A custom metric (the CloudWatch agent's, the heartbeats'), per metric per month, first 10,000 tier. */
export const AWS_CUSTOM_METRIC_MONTHLY = 0.3;

/** What a resource type costs by use alone: listed with what it is billed by, never estimated. */
export const USAGE: Readonly<Record<string, { billedBy: string; source: string }>> = {
  "aws:s3/bucket:Bucket": { billedBy: "GB stored per month and requests", source: "https://aws.amazon.com/s3/pricing/" },
  "aws:cloudfront/distribution:Distribution": { billedBy: "GB out to the internet and HTTPS requests (price class 100: North America and Europe)", source: "https://aws.amazon.com/cloudfront/pricing/" },
  "aws:sqs/queue:Queue": { billedBy: "requests (first 1 million a month free)", source: "https://aws.amazon.com/sqs/pricing/" },
  "aws:sns/topic:Topic": { billedBy: "publishes and deliveries (email: 1,000 free a month)", source: "https://aws.amazon.com/sns/pricing/" },
  "aws:cloudwatch/logGroup:LogGroup": { billedBy: "GB ingested and GB-month stored (kept logRetentionDays)", source: "https://aws.amazon.com/cloudwatch/pricing/" },
  "aws:lambda/function:Function": { billedBy: "requests and GB-seconds (the alert webhook relay runs once per alarm change)", source: "https://aws.amazon.com/lambda/pricing/" },
  "aws:ssm/parameter:Parameter": { billedBy: "free in the standard tier; Intelligent-Tiering moves a value over 4 KB to the advanced tier, $0.05 a month", source: "https://aws.amazon.com/systems-manager/pricing/" },
  "aws:lb/loadBalancer:LoadBalancer": { billedBy: "LCU-hours (new connections, active connections, processed bytes, rule evaluations) on top of its hourly price", source: "https://aws.amazon.com/elasticloadbalancing/pricing/" },
  "aws:ec2/natGateway:NatGateway": { billedBy: "GB processed on top of its hourly price", source: "https://aws.amazon.com/vpc/pricing/" },
  "aws:rds/instance:Instance": { billedBy: "backup storage beyond the database's size, and storage autoscaling up to maxAllocatedStorage", source: "https://aws.amazon.com/rds/postgresql/pricing/" },
  "digitalocean:index/droplet:Droplet": { billedBy: "outbound transfer beyond the team's pooled allowance, $0.01 per GiB", source: "https://docs.digitalocean.com/products/droplets/details/pricing/" },
  "digitalocean:index/spacesBucket:SpacesBucket": { billedBy: "storage beyond 250 GiB ($0.02 per GiB) and transfer beyond 1 TiB ($0.01 per GiB), for the whole team", source: "https://docs.digitalocean.com/products/spaces/details/pricing/" },
};

/** A baked server image on DigitalOcean (the bake Command's snapshot): billed by its size, and the builder's minutes. */
export const DO_BAKED_IMAGE_USAGE = {
  billedBy: "the snapshot's GiB per month (the roles' packages on the base image: a few GiB), and the builder droplet's minutes at each bake",
  source: "https://docs.digitalocean.com/products/snapshots/details/pricing/",
};

/** Types that cost nothing themselves (configuration, identities, rules), and why. */
export const FREE: Readonly<Record<string, string>> = {
  "digitalocean:index/vpc:Vpc": "VPC networks are free",
  "digitalocean:index/tag:Tag": "tags are free",
  "digitalocean:index/firewall:Firewall": "cloud firewalls are free",
  "digitalocean:index/certificate:Certificate": "Let's Encrypt certificates are free",
  "digitalocean:index/dnsRecord:DnsRecord": "DigitalOcean DNS is free",
  "digitalocean:index/domain:Domain": "DigitalOcean DNS is free",
  "digitalocean:index/monitorAlert:MonitorAlert": "monitoring and its alerts are free",
  "digitalocean:index/uptimeAlert:UptimeAlert": "an alert of an uptime check (the check is priced on its own)",
  "digitalocean:index/reservedIpAssignment:ReservedIpAssignment": "an assignment (the address is priced on its own)",
  "digitalocean:index/volumeAttachment:VolumeAttachment": "an attachment (the volume is priced on its own)",
  "digitalocean:index/databaseDb:DatabaseDb": "part of its cluster",
  "digitalocean:index/databaseUser:DatabaseUser": "part of its cluster",
  "digitalocean:index/databaseFirewall:DatabaseFirewall": "part of its cluster",
  "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool": "part of its cluster",
  "digitalocean:index/spacesKey:SpacesKey": "access keys are free",
  "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration": "part of its bucket",
  "digitalocean:index/cdn:Cdn": "the Spaces CDN is included in the Spaces subscription",
  "random:index/randomPassword:RandomPassword": "made by Pulumi, not the cloud",
  "random:index/randomString:RandomString": "made by Pulumi, not the cloud",
  "random:index/randomId:RandomId": "made by Pulumi, not the cloud",
  "tls:index/privateKey:PrivateKey": "made by Pulumi, not the cloud",
  "command:remote:Command": "a command Pulumi runs",
  "command:local:Command": "a command Pulumi runs",
  "aws:ec2/vpc:Vpc": "VPCs are free",
  "aws:ec2/subnet:Subnet": "subnets are free",
  "aws:ec2/internetGateway:InternetGateway": "internet gateways are free",
  "aws:ec2/routeTable:RouteTable": "route tables are free",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "route tables are free",
  "aws:ec2/route:Route": "route tables are free",
  "aws:ec2/securityGroup:SecurityGroup": "security groups are free",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security groups are free",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "security groups are free",
  "aws:ec2/eipAssociation:EipAssociation": "an association (the address is priced on its own)",
  "aws:ec2/volumeAttachment:VolumeAttachment": "an attachment (the volume is priced on its own)",
  "aws:ec2/launchTemplate:LaunchTemplate": "a template (its instances are priced through their auto scaling group)",
  "aws:autoscaling/lifecycleHook:LifecycleHook": "auto scaling is free (its instances are priced)",
  "aws:iam/role:Role": "IAM is free",
  "aws:iam/rolePolicy:RolePolicy": "IAM is free",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
  "aws:iam/instanceProfile:InstanceProfile": "IAM is free",
  "aws:acm/certificate:Certificate": "public ACM certificates are free",
  "aws:acm/certificateValidation:CertificateValidation": "public ACM certificates are free",
  "aws:lb/targetGroup:TargetGroup": "part of its load balancer",
  "aws:lb/listener:Listener": "part of its load balancer",
  "aws:rds/subnetGroup:SubnetGroup": "part of its database",
  "aws:rds/parameterGroup:ParameterGroup": "part of its database",
  "aws:elasticache/subnetGroup:SubnetGroup": "part of its cache",
  "aws:elasticache/parameterGroup:ParameterGroup": "part of its cache",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "part of its bucket",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "part of its bucket",
  "aws:s3/bucketVersioning:BucketVersioning": "part of its bucket (old versions are stored, and billed, as objects)",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "part of its bucket (SSE-S3 is free)",
  "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": "part of its bucket",
  "aws:s3/bucketPolicy:BucketPolicy": "part of its bucket",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "part of its bucket",
  "aws:cloudfront/originAccessControl:OriginAccessControl": "part of its distribution",
  "aws:route53/record:Record": "records are free (queries to alias records of AWS resources too)",
  "aws:sns/topicSubscription:TopicSubscription": "part of its topic",
  "aws:ssm/document:Document": "Systems Manager documents are free",
  "aws:ssm/association:Association": "State Manager associations are free",
  "aws:iam/policy:Policy": "IAM is free",
  "aws:lambda/permission:Permission": "part of its function",
  "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": "part of its log group",
};

/** Types we create whose fixed price the catalog does not hold yet, and where to find it. */
export const UNPRICED: Readonly<Record<string, string>> = {
  "digitalocean:index/uptimeCheck:UptimeCheck": "the uptime check's price is not in the catalog (see https://www.digitalocean.com/pricing/uptime-monitoring)",
};
