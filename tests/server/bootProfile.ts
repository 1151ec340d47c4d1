/**
 * Where a first boot's time goes, from the guest's own accounting: `cloud-init analyze blame` (seconds per
 * cloud-init module, cloud-init 22.4's format "     12.34500s (modules-config/config-apt-configure)"),
 * apt's /var/log/apt/history.log (one Start-Date/End-Date pair per apt run, second resolution) and the
 * release's own "deploy [Ns]: ..." lines (provisioning/deploy.ts). Pure parsers; the VM test collects the
 * texts over SSH and writes the rows to bench/RESULTS.md.
 */

export interface ProfileRow {
  what: string;
  seconds: number;
}

/** `cloud-init analyze blame` → the modules, longest first. */
export function parseBlame(text: string): ProfileRow[] {
  const rows: ProfileRow[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([\d.]+)s \(([^)]+)\)\s*$/.exec(line);
    if (m) rows.push({ what: m[2], seconds: Number(m[1]) });
  }
  return rows.sort((a, b) => b.seconds - a.seconds);
}

/**
 * apt's history.log → one row per apt run: its command line (shortened) and its length. `since` (the
 * guest's boot, `uptime -s`, the same clock and format): only runs of this boot (a baked image keeps its
 * builder's history).
 */
export function parseAptHistory(text: string, since?: string): ProfileRow[] {
  const rows: ProfileRow[] = [];
  const from = since === undefined ? -Infinity : aptDate(since);
  for (const block of text.split(/\n\s*\n/)) {
    const start = /^Start-Date: (.+)$/m.exec(block)?.[1];
    const end = /^End-Date: (.+)$/m.exec(block)?.[1];
    const cmd = /^Commandline: (.+)$/m.exec(block)?.[1];
    if (!start || !end || !cmd || aptDate(start) < from) continue;
    const seconds = (aptDate(end) - aptDate(start)) / 1000;
    const installs = (/^Install: (.+)$/m.exec(block)?.[1].match(/\),/g)?.length ?? -1) + 1;
    const upgrades = (/^Upgrade: (.+)$/m.exec(block)?.[1].match(/\),/g)?.length ?? -1) + 1;
    const counts = [installs && `${installs} installed`, upgrades && `${upgrades} upgraded`].filter(Boolean).join(", ");
    const short = cmd.replace(/\s+--option=\S+|\s+-o\s+\S+|\s+--assume-yes|\s+-y\b|\s+--quiet|\s+-q+\b/g, "");
    rows.push({ what: `apt: ${short.length > 90 ? `${short.slice(0, 87)}...` : short}${counts ? ` (${counts})` : ""}`, seconds });
  }
  return rows;
}

/** "2026-11-30  10:59:12" (apt's format, the guest's UTC clock) → epoch ms. */
function aptDate(s: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)\s+(\d\d):(\d\d):(\d\d)$/.exec(s.trim());
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/**
 * The release's "deploy [Ns]: <step>" lines → how long each step lasted (until the next stamped line).
 * The last stamped line ends the release and gets no row.
 */
export function parseReleaseSteps(text: string): ProfileRow[] {
  const stamps: { at: number; what: string }[] = [];
  for (const line of text.split("\n")) {
    const m = /^deploy \[(\d+)s\]: (.+)$/.exec(line.trim());
    if (m) stamps.push({ at: Number(m[1]), what: m[2] });
  }
  return stamps.slice(0, -1).map((s, i) => ({
    what: `release: ${s.what.replace(/\s+\(?[0-9a-f]{40}\)?|\s+from \S+|\s+venvs\/\S+/g, "")}`,
    seconds: stamps[i + 1].at - s.at,
  }));
}
