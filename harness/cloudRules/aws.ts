/** What AWS refuses that Pulumi's mocks accept. See ./index.ts. */
import type { CloudRule } from ".";

export const awsRules: readonly CloudRule[] = [];
