/**
 * The README's table of what each profile costs on each cloud, generated from the checked-in stacks and
 * the price catalog (tools/cost.ts, tools/prices.ts), so it cannot drift from either. `npm run docs`
 * writes it; `npm run docs -- --check` fails when it is stale.
 */
import { costOf, type CostReport } from "./cost";
import { planAt } from "./planDiff";

/** The checked-in stack of each profile on each cloud. */
const PROFILE_STACKS: { profile: string; digitalocean: string; aws: string }[] = [
  { profile: "single", digitalocean: "dev", aws: "aws-dev" },
  { profile: "standard", digitalocean: "staging", aws: "aws-staging" },
  { profile: "scaled", digitalocean: "prod", aws: "aws-prod" },
];

const cell = (stack: string, r: CostReport) =>
  `$${r.monthly.toFixed(2)} (\`${stack}\`${r.unpriced.length > 0 ? `; not priced: ${[...new Set(r.unpriced.map((u) => u.type.split(":").pop()))].join(", ")}` : ""})`;

export async function profileCostTable(root: string): Promise<string> {
  const rows = ["| Profile | DigitalOcean, a month | AWS, a month |", "|---|---|---|"];
  let asOf = "";
  let region = "";
  for (const p of PROFILE_STACKS) {
    const d = costOf(await planAt(root, p.digitalocean));
    const awsRun = await planAt(root, p.aws);
    const a = costOf(awsRun);
    region = awsRun.config?.["aws:region"] ?? region;
    for (const r of [d, a]) if (r.pricesAsOf && (!asOf || r.pricesAsOf < asOf)) asOf = r.pricesAsOf;
    rows.push(`| \`${p.profile}\` | ${cell(p.digitalocean, d)} | ${cell(p.aws, a)} |`);
  }
  return [
    ...rows,
    "",
    `List prices from the catalog in \`tools/prices.ts\` (each with its source page and the date of its price list, the oldest ${asOf}), for the checked-in stacks as they are configured (AWS in ${region}, On-Demand). `
      + "Traffic, requests, log ingestion, backups beyond the free allowance and the CloudWatch agent's other metrics are billed by use and not included; `npm run plan -- --stack S --cost` lists them for a stack.",
  ].join("\n");
}
