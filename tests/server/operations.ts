/**
 * The VM test's operations checks: the nightly backup run on demand lands off the box (in an S3-compatible
 * server on the host that checks the server's signatures), the restore drill restores that copy into a
 * throwaway cluster and reports its window and duration, every job checks in with a heartbeat receiver on
 * the host in order, and a stopped scheduler's heartbeat turns into a failure.
 */
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { FakeS3 } from "../../harness/fakeS3";
import { HEARTBEAT_UNIT } from "../../provisioning/roles/heartbeat";
import type { Ssh } from "./vm";
import type { BackupStoreUnderTest, ServerUnderTest } from "./wiring";

/** A healthchecks.io stand-in: records each ping's path and body. */
export class PingReceiver {
  readonly pings: { path: string; body: string; at: number }[] = [];
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        this.pings.push({ path: req.url ?? "", body, at: Date.now() });
        res.end("OK");
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** The pings of one check since `since`, as `<what>` (start, 0, fail, ...). */
  of(check: string, since = 0): { what: string; body: string }[] {
    const re = new RegExp(`^/fullstack-test/${check}/([^/?]+)\\?create=1$`);
    return this.pings.filter((p) => p.at >= since).flatMap((p) => {
      const m = re.exec(p.path);
      return m ? [{ what: m[1], body: p.body }] : [];
    });
  }
}

/** A syslog receiver over TCP: every line (one RFC 5424 message each) and when it came. */
export class SyslogReceiver {
  readonly lines: { text: string; at: number }[] = [];
  private server?: NetServer;
  private sockets: Socket[] = [];
  port = 0;

  async start(): Promise<void> {
    this.server = createNetServer((socket) => {
      this.sockets.push(socket);
      let buffer = "";
      socket.on("data", (c: Buffer) => {
        buffer += c.toString("utf8");
        const parts = buffer.split("\n");
        buffer = parts.pop() ?? "";
        for (const text of parts) if (text !== "") this.lines.push({ text, at: Date.now() });
      });
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** The messages of one program (the APP-NAME field), as text. */
  of(program: string): string[] {
    return this.lines.flatMap((l) => {
      const m = /^<\d+>1 \S+ \S+ (\S+) \S+ \S+ \S+ (.*)$/.exec(l.text);
      return m && m[1] === program ? [m[2]] : [];
    });
  }
}

/** The receivers on the host, before the server is rendered (the wiring needs their ports). */
export async function startOperations(): Promise<{ pings: PingReceiver; s3: FakeS3; logs: SyslogReceiver }> {
  const pings = new PingReceiver();
  await pings.start();
  const logs = new SyslogReceiver();
  await logs.start();
  // The key and region are the rendered store's; set once the server is rendered (configure below).
  const s3 = new FakeS3({ accessKey: "unset", secretKey: "unset", region: "unset" });
  await s3.start();
  return { pings, s3, logs };
}

export function configureStore(s3: FakeS3, store: BackupStoreUnderTest): void {
  s3.options.accessKey = store.accessKey;
  s3.options.secretKey = store.secretKey;
  s3.options.region = store.region;
}

type Check = (name: string, fn: () => Promise<string | void>) => Promise<boolean>;

export interface OperationsTimings {
  backup?: number;
  drillRestore?: number;
  drillWindow?: number;
  drillTotal?: number;
}

export async function operationsChecks(check: Check, ssh: Ssh, server: ServerUnderTest, ops: { pings: PingReceiver; s3: FakeS3 },
  timings: OperationsTimings): Promise<void> {
  const store = server.backupStore!;
  // Checks are named after the stack's app (FullStackApp's name: the server's name without its role and number).
  const name = (job: string) => `${server.serverName.replace(/-web-\d+$/, "")}-${job}`;

  await check("the nightly backup, run on demand, lands off the box (S3 server on the host, signed with the server's key) and checks in", async () => {
    const since = Date.now();
    const r = await ssh.exec("sudo systemctl start fullstack-postgres-backup.service", 600);
    timings.backup = Math.round((Date.now() - since) / 100) / 10;
    const journal = await ssh.out("sudo journalctl -u fullstack-postgres-backup.service -o cat --no-pager -n 20");
    if (r.code !== 0) throw new Error(`the backup failed (exit ${r.code}):\n${journal.slice(-1500)}`);
    const objects = [...(ops.s3.buckets.get(store.bucket)?.keys() ?? [])].filter((k) => k.startsWith(store.prefix));
    const dump = objects.find((k) => new RegExp(`^${store.prefix}[a-z0-9_]+-\\d{8}T\\d{6}Z\\.dump$`).test(k));
    if (!dump) throw new Error(`no dump in s3://${store.bucket}/${store.prefix} (objects: ${objects.join(", ") || "none"}; requests: ${JSON.stringify(ops.s3.requests.slice(-5))})`);
    const size = ops.s3.buckets.get(store.bucket)!.get(dump)!.body.length;
    const pings = ops.pings.of(name("backup"), since).map((p) => p.what);
    if (pings.join(" ") !== "start 0") throw new Error(`heartbeat pings of ${name("backup")}: ${pings.join(" ") || "none"} (expected start, then 0)`);
    return `${timings.backup} s; s3://${store.bucket}/${dump} (${size} bytes, PGDMP: ${ops.s3.buckets.get(store.bucket)!.get(dump)!.body.subarray(0, 5).toString() === "PGDMP"}); pings: start, 0`;
  });

  await check("the restore drill restores the copy off the box into a throwaway cluster, checks it, reports its window and duration, and checks in", async () => {
    const since = Date.now();
    const r = await ssh.exec("sudo systemctl start fullstack-postgres-restore-drill.service", 900);
    timings.drillTotal = Math.round((Date.now() - since) / 100) / 10;
    const journal = await ssh.out("sudo journalctl -u fullstack-postgres-restore-drill.service -o cat --no-pager -n 30");
    if (r.code !== 0) throw new Error(`the drill failed (exit ${r.code}):\n${journal.slice(-1500)}`);
    const report = /restore drill: ok; backup (s3:\/\/\S+) taken \S+; data-loss window (\d+) s; restore (\d+) s; (\d+) tables, (\d+) rows/.exec(journal);
    if (!report) throw new Error(`no report in the journal:\n${journal.slice(-1500)}`);
    if (!report[1].startsWith(`s3://${store.bucket}/`)) throw new Error(`the drill restored ${report[1]}, not the copy off the box`);
    if (Number(report[4]) < 1 || Number(report[5]) < 1) throw new Error(`the restored database has ${report[4]} tables and ${report[5]} rows (the app's jobs are in it)`);
    timings.drillWindow = Number(report[2]);
    timings.drillRestore = Number(report[3]);
    const left = await ssh.out("pg_lsclusters --no-header | awk '{ print $2 }' | tr '\\n' ' '");
    if (/\bdrill\b/.test(left)) throw new Error(`the throwaway cluster is still there: ${left}`);
    const pings = ops.pings.of(name("restore-drill"), since);
    if (pings.map((p) => p.what).join(" ") !== "start 0" || !pings[1].body.includes("restore drill: ok")) {
      throw new Error(`heartbeat pings of ${name("restore-drill")}: ${JSON.stringify(pings).slice(0, 400)}`);
    }
    return `${timings.drillTotal} s in all; ${report[0].replace(/^restore drill: ok; /, "")}; clusters left: ${left.trim()}; pings: start, 0 (with the report)`;
  });

  const r = server.roles;
  if (r.worker && r.scheduler) {
    const scheduler = r.scheduler.unit;
    await check("heartbeats: the worker and the scheduler check in while active; a stopped scheduler's turns into a failure", async () => {
      const since = Date.now();
      const first = await ssh.exec(`sudo systemctl start ${HEARTBEAT_UNIT}.service`, 120);
      if (first.code !== 0) throw new Error(`${HEARTBEAT_UNIT}.service failed: ${first.stderr}`);
      const before = [name("worker"), name("scheduler")].map((c) => `${c}: ${ops.pings.of(c, since).map((p) => p.what).join(" ")}`);
      if (before.join("; ") !== `${name("worker")}: 0; ${name("scheduler")}: 0`) throw new Error(`pings while both run: ${before.join("; ")}`);
      await ssh.exec(`sudo systemctl stop ${scheduler}`, 120);
      const stopped = Date.now();
      try {
        await ssh.exec(`sudo systemctl start ${HEARTBEAT_UNIT}.service`, 120);
        const after = ops.pings.of(name("scheduler"), stopped);
        if (after.map((p) => p.what).join(" ") !== "fail") throw new Error(`the stopped scheduler pinged ${after.map((p) => p.what).join(" ") || "nothing"}, not fail`);
        const timer = await ssh.out(`systemctl is-enabled ${HEARTBEAT_UNIT}.timer; systemctl is-active ${HEARTBEAT_UNIT}.timer`);
        if (timer.split("\n").join(" ") !== "enabled active") throw new Error(`${HEARTBEAT_UNIT}.timer: ${timer}`);
        return `while running: ${before.join("; ")}; scheduler stopped: fail (with its status: ${after[0].body.split("\n")[0].slice(0, 80)}); ${HEARTBEAT_UNIT}.timer enabled and active`;
      } finally {
        await ssh.exec(`sudo systemctl start ${scheduler}`, 120);
      }
    });
  }
}
