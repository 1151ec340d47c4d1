/**
 * The first boot's package install does not start the services the roles configure
 * (provisioning/firstBoot.ts): the rendered policy-rc.d, run with sh as deb-systemd-invoke runs it
 * (`policy-rc.d <unit> <action>`; 101 = do not run), and its place in every DigitalOcean server's user
 * data: written before the packages, removed by runcmd after the commands that start those services.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { POLICY_RC_D, renderPolicyRcD } from "../provisioning/firstBoot";
import { cloudConfig, planStack } from "./helpers";

const dir = mkdtempSync(join(tmpdir(), "fullstack-policy-rc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The script with cloud-init's boot-finished marker moved to this test's directory. */
function policy(services: string[]): { run: (unit: string, action: string) => number; finish: () => void } {
  const marker = join(dir, "boot-finished");
  const script = join(dir, "policy-rc.d");
  const text = renderPolicyRcD(services);
  expect(text).toContain("/var/lib/cloud/instance/boot-finished");
  writeFileSync(script, text.replace("/var/lib/cloud/instance/boot-finished", marker), { mode: 0o755 });
  rmSync(marker, { force: true });
  return {
    run: (unit, action) => spawnSync("sh", [script, unit, action]).status ?? -1,
    finish: () => writeFileSync(marker, ""),
  };
}

describe("policy-rc.d during the first boot", () => {
  it("refuses start and restart of the roles' services (systemd unit or init script name), allows the rest", () => {
    const p = policy(["redis-server", "nginx"]);
    const answers = Object.fromEntries([
      ["redis-server.service", "start"], ["redis-server.service", "restart"], ["redis-server", "start"], ["nginx.service", "start"],
      ["nginx", "restart"], ["redis-server.service", "stop"], ["nginx.service", "reload"], ["ssh.service", "restart"],
      ["unattended-upgrades.service", "start"], ["redis-server-extra.service", "start"],
    ].map(([u, a]) => [`${u} ${a}`, p.run(u, a)]));
    expect(answers).toEqual({
      "redis-server.service start": 101, "redis-server.service restart": 101, "redis-server start": 101, "nginx.service start": 101,
      "nginx restart": 101, "redis-server.service stop": 0, "nginx.service reload": 0, "ssh.service restart": 0,
      "unattended-upgrades.service start": 0, "redis-server-extra.service start": 0,
    });
  });

  it("is inert once cloud-init has finished the first boot", () => {
    const p = policy(["redis-server"]);
    expect(p.run("redis-server.service", "start")).toBe(101);
    p.finish();
    expect(p.run("redis-server.service", "start")).toBe(0);
  });

  it("names units Debian's packages have", () => {
    // The packages' own units, as installed on this machine by the test tools (tools/debianTools.ts).
    for (const unit of ["nginx", "redis-server", "postgresql"]) expect(`${unit}: ${existsSync(`/lib/systemd/system/${unit}.service`)}`).toBe(`${unit}: true`);
  });

  it.each(["dev", "staging", "prod"])("%s: written before the packages, removed after the commands that start those services", async (stack) => {
    const result = await planStack(stack);
    const servers = result.resources.filter((r) => r.type === "digitalocean:index/droplet:Droplet");
    expect(servers.length).toBeGreaterThan(0);
    for (const server of servers) {
      const doc = cloudConfig(server) as unknown as { write_files: { path: string; content: string }[]; runcmd: (string | string[])[]; packages: string[] };
      // write_files is one of cloud-init's init modules, the packages one of its final modules: the file is
      // in place before apt runs (cloud-init's module order, /etc/cloud/cloud.cfg).
      const file = doc.write_files.find((f) => f.path === POLICY_RC_D);
      const services = ["nginx", "redis-server", "postgresql"].filter((s) => doc.packages.includes(s));
      if (services.length === 0) {
        expect(`${server.name}: ${file === undefined}`).toBe(`${server.name}: true`);
        continue;
      }
      expect(file?.content).toContain(`  ${services.sort().flatMap((s) => [s, `${s}.service`]).join("|")}) ;;`);
      const commands = doc.runcmd.map((c) => (Array.isArray(c) ? c.join(" ") : c));
      const removal = commands.indexOf(`rm -f ${POLICY_RC_D}`);
      expect(removal).toBeGreaterThan(0);
      // Each service is started by runcmd before the policy goes (PostgreSQL's cluster by the setup script).
      const starts: Record<string, RegExp> = {
        nginx: /systemctl reload-or-restart nginx/, "redis-server": /^systemctl restart redis-server$/, postgresql: /fullstack-postgres-setup/,
      };
      for (const s of services) {
        const at = commands.findIndex((c) => starts[s].test(c));
        expect(at).toBeGreaterThanOrEqual(0);
        expect(at).toBeLessThan(removal);
      }
    }
  });
});
