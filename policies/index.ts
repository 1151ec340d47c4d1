// The policy pack: `pulumi preview --policy-pack policies`. It only assembles the rules in rules.ts.
import { PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

new PolicyPack("fullstack-guardrails", { policies: rules });
