/** What a cloud rule is, and the name a resource is sent to the cloud with: shared by every cloud's rules. */
import type { RecordedResource } from "../mockRuntime";

export interface CloudRule {
  /** Short stable id, e.g. `aws-sg-description-charset`. */
  readonly id: string;
  /** Where the rule is documented or enforced: API reference, provider source file. */
  readonly source: string;
  /** Resource types (`aws:ec2/securityGroup:SecurityGroup`) the rule looks at; empty: the whole stack once. */
  readonly types: readonly string[];
  /**
   * Returns what the cloud would refuse (one message per problem), or nothing. `all` is every resource
   * of the stack, for rules that count or compare across resources.
   */
  check(resource: RecordedResource | undefined, all: readonly RecordedResource[]): string | string[] | undefined;
}

/** Stands in for the `-` and 7 random characters Pulumi's auto-naming appends to the logical name (pulumi-terraform-bridge `AutoName`). */
const AUTONAME_PLACEHOLDER = "-a1b2c3d";

/**
 * The name the provider will send to the cloud for `prop`: the input when the program set one, else the
 * auto-name (logical name + `-` + 7 random characters; a fixed stand-in here).
 */
export function nameSentToCloud(resource: RecordedResource, prop = "name"): string {
  const value = resource.plainInputs[prop];
  return typeof value === "string" && value !== "" ? value : `${resource.name}${AUTONAME_PLACEHOLDER}`;
}

