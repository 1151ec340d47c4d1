/** An explicit provider for another region that keeps the stack's own `aws:` settings. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** How each provider argument is read from the stack's `aws:` config. */
type ConfigKind = "string" | "secret" | "object" | "boolean" | "number";

/**
 * Every argument of an explicit `aws.Provider` but its region (the keys of `ProviderArgs` in
 * @pulumi/aws provider.d.ts; the type makes the list complete). An explicit provider does not read the
 * stack's `aws:` config the way the default provider does, so each one set there is handed on.
 */
const INHERITED_PROVIDER_ARGS: { readonly [K in Exclude<keyof aws.ProviderArgs, "region">]-?: ConfigKind } = {
  accessKey: "secret", secretKey: "secret", token: "secret",
  allowedAccountIds: "object", forbiddenAccountIds: "object",
  assumeRoles: "object", assumeRoleWithWebIdentity: "object",
  customCaBundle: "string", defaultTags: "object", ec2MetadataServiceEndpoint: "string", ec2MetadataServiceEndpointMode: "string",
  s3UsEast1RegionalEndpoint: "string", s3UsePathStyle: "boolean", endpoints: "object", ignoreTags: "object",
  httpProxy: "string", httpsProxy: "string", noProxy: "string", insecure: "boolean",
  maxRetries: "number", retryMode: "string", profile: "string",
  sharedConfigFiles: "object", sharedCredentialsFiles: "object",
  skipCredentialsValidation: "boolean", skipMetadataApiCheck: "boolean", skipRegionValidation: "boolean",
  skipRequestingAccountId: "boolean", stsRegion: "string", tagPolicyCompliance: "string",
  tokenBucketRateLimiterCapacity: "number", useDualstackEndpoint: "boolean", useFipsEndpoint: "boolean", userAgents: "object",
};

/** The stack's `aws:` config as arguments for an explicit provider in another region. */
export function inheritedProviderArgs(): aws.ProviderArgs {
  const config = new pulumi.Config("aws");
  const args: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(INHERITED_PROVIDER_ARGS)) {
    const value = kind === "secret" ? config.getSecret(key)
      : kind === "object" ? config.getObject(key)
        : kind === "boolean" ? config.getBoolean(key)
          : kind === "number" ? config.getNumber(key)
            : config.get(key);
    if (value !== undefined) args[key] = value;
  }
  return args as aws.ProviderArgs;
}
