/** What DigitalOcean refuses that Pulumi's mocks accept. See ./index.ts. */
import type { CloudRule } from ".";

export const digitaloceanRules: readonly CloudRule[] = [];
