import { parseAptHistory, parseBlame, parseReleaseSteps } from "./server/bootProfile";

// Formats as cloud-init 22.4.2 (Debian 12), apt 2.6 and provisioning/deploy.ts print them.
describe("the VM test's boot profile parsers", () => {
  it("reads cloud-init analyze blame, longest first", () => {
    const text = [
      "-- Boot Record 01 --",
      "     03.21000s (init-network/config-users-groups)",
      "     312.45600s (modules-config/config-package_update_upgrade_install)",
      "     41.00100s (modules-final/config-scripts-user)",
      "",
      "1 boot records analyzed",
    ].join("\n");
    expect(parseBlame(text)).toEqual([
      { what: "modules-config/config-package_update_upgrade_install", seconds: 312.456 },
      { what: "modules-final/config-scripts-user", seconds: 41.001 },
      { what: "init-network/config-users-groups", seconds: 3.21 },
    ]);
  });

  it("reads apt's history: one row per run with its length and package counts", () => {
    const text = [
      "",
      "Start-Date: 2026-11-30  10:59:12",
      "Commandline: apt-get --option=Dpkg::Options::=--force-confold --option=Dpkg::options::=--force-unsafe-io --assume-yes --quiet dist-upgrade",
      "Upgrade: libc6:amd64 (2.36-9+deb12u9, 2.36-9+deb12u10), libc-bin:amd64 (2.36-9+deb12u9, 2.36-9+deb12u10)",
      "End-Date: 2026-11-30  10:59:50",
      "",
      "Start-Date: 2026-11-30  10:59:51",
      "Commandline: apt-get --option=Dpkg::Options::=--force-confold --assume-yes --quiet install ufw nginx",
      "Install: ufw:amd64 (0.36.2-1), nginx:amd64 (1.22.1-9+deb12u2), nginx-common:amd64 (1.22.1-9+deb12u2, automatic)",
      "End-Date: 2026-11-30  11:04:01",
      "",
    ].join("\n");
    // Since the guest's boot (uptime -s): a baked image's builder runs are not this boot's.
    expect(parseAptHistory(text, "2026-11-30 10:59:51").map((r) => r.seconds)).toEqual([250]);
    expect(parseAptHistory(text)).toEqual([
      { what: "apt: apt-get dist-upgrade (2 upgraded)", seconds: 38 },
      { what: "apt: apt-get install ufw nginx (3 installed)", seconds: 250 },
    ]);
  });

  it("reads the release's own stamps into step lengths", () => {
    const text = [
      "deploy [1s]: fetching main (fb3eaf31319763abe04cd72241f1e7ccf0e96004) from git://10.0.2.2:35407/app.git",
      "deploy [6s]: building the virtualenv venvs/5d92b5ffc33e13db",
      "deploy [76s]: checking the new release on a side socket",
      "deploy: the new release answers /healthz with 200",
      "deploy [95s]: fb3eaf31319763abe04cd72241f1e7ccf0e96004 (main) is live",
    ].join("\n");
    expect(parseReleaseSteps(text)).toEqual([
      { what: "release: fetching main", seconds: 5 },
      { what: "release: building the virtualenv", seconds: 70 },
      { what: "release: checking the new release on a side socket", seconds: 19 },
    ]);
  });
});
