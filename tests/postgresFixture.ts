/**
 * A throwaway PostgreSQL cluster (and optionally a PgBouncer in front of it) for tests that need a real
 * server: Debian's binaries, a temp dir, free ports on 127.0.0.1, trust auth, run as the unprivileged
 * `postgres` user (PostgreSQL and PgBouncer both refuse root). {@link PostgresFixture.stop} ends every
 * process it started, even after a failed start.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../harness/local";

const execFileAsync = promisify(execFile);

const SETPRIV = "/usr/bin/setpriv";
export const PGBOUNCER = "/usr/sbin/pgbouncer";
/** What the spawned servers and clients see: nothing of the caller's environment (no stray PG* variables). */
const BASE_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" };

/** The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const major = majors.find((v) => existsSync(join(root, v, "bin", "postgres")) && existsSync(join(root, v, "bin", "initdb")));
  if (!major) throw new Error(`no PostgreSQL server under ${root}: apt-get install postgresql (npm test installs it: tools/debianTools.ts)`);
  return join(root, major, "bin");
}


export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it is true; throws after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** `p`, or a rejection naming `what` after `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

interface Daemon {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  log: string;
}

export interface FixtureOptions {
  /** Also start a PgBouncer in front of the cluster with this pool mode. */
  pgbouncer?: { poolMode: "session" | "transaction" | "statement"; poolSize: number };
  /** The login role and database created for the app (trust auth, no password). */
  user?: string;
  database?: string;
  /** More roles PgBouncer lets in (its auth file lists them), for roles a test creates itself. */
  bouncerUsers?: string[];
}

export class PostgresFixture {
  readonly bin = postgresBinDir();
  readonly user: string;
  readonly database: string;
  pgPort = 0;
  bouncerPort = 0;
  private readonly daemons: Daemon[] = [];
  private readonly uid: number;
  private readonly gid: number;

  /** `dir` must exist; the fixture works in `<dir>/pg` and `<dir>/pgbouncer`. */
  constructor(readonly dir: string, private readonly options: FixtureOptions = {}) {
    this.user = options.user ?? "app";
    this.database = options.database ?? "app";
    this.uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    this.gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  }

  /** The app's URL straight to PostgreSQL. */
  get directUrl(): string {
    return `postgresql://${this.user}@127.0.0.1:${this.pgPort}/${this.database}`;
  }

  /** The app's URL through PgBouncer (the `postgres://` spelling, which the app may use too). */
  get pooledUrl(): string {
    if (!this.bouncerPort) throw new Error("no PgBouncer in this fixture");
    return `postgres://${this.user}@127.0.0.1:${this.bouncerPort}/${this.database}`;
  }

  async start(): Promise<void> {
    chmodSync(this.dir, 0o755); // mkdtemp's 0700 would keep the postgres user out
    const pgDir = this.ownedDir(join(this.dir, "pg"), 0o700);
    const sockets = this.ownedDir(join(pgDir, "sockets"), 0o700);
    const data = join(pgDir, "data");
    await this.asPostgres([join(this.bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
      "--locale=C", "--no-sync", "--no-instructions"]);

    this.pgPort = await freePort();
    this.spawnDaemon("postgres", [join(this.bin, "postgres"), "-D", data, "-p", String(this.pgPort),
      "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${sockets}`,
      "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=40",
      "-c", "shared_buffers=16MB", "-c", "log_min_messages=warning"]);
    await this.waitUntilReady("postgres", () => this.sql("SELECT 1", { database: "postgres" }));
    await this.sql(`CREATE ROLE ${this.user} LOGIN`, { database: "postgres" });
    await this.sql(`CREATE DATABASE ${this.database} OWNER ${this.user}`, { database: "postgres" });

    if (this.options.pgbouncer) {
      const { poolMode, poolSize } = this.options.pgbouncer;
      const bouncerDir = this.ownedDir(join(this.dir, "pgbouncer"), 0o755);
      this.bouncerPort = await freePort();
      const userlist = join(bouncerDir, "userlist.txt");
      writeFileSync(userlist, [this.user, "postgres", ...(this.options.bouncerUsers ?? [])].map((u) => `"${u}" ""\n`).join(""));
      const ini = join(bouncerDir, "pgbouncer.ini");
      writeFileSync(ini, [
        "[databases]",
        `${this.database} = host=127.0.0.1 port=${this.pgPort} dbname=${this.database}`,
        "",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        `listen_port = ${this.bouncerPort}`,
        "unix_socket_dir =",
        "auth_type = trust",
        `auth_file = ${userlist}`,
        `pool_mode = ${poolMode}`,
        `default_pool_size = ${poolSize}`,
        "max_client_conn = 100",
        "server_round_robin = 0",
        "admin_users = postgres",
        "logfile =",
        "pidfile =",
        "",
      ].join("\n"));
      this.spawnDaemon("pgbouncer", [PGBOUNCER, ini]);
      await this.waitUntilReady("pgbouncer", () => this.sql("SELECT 1", { port: this.bouncerPort, user: this.user }));
    }
  }

  /** Runs SQL with psql (as the superuser, straight to PostgreSQL unless told otherwise); returns its unaligned output. */
  async sql(query: string, opts: { port?: number; user?: string; database?: string } = {}): Promise<string> {
    const { stdout } = await execFileAsync(join(this.bin, "psql"), ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
      "-h", "127.0.0.1", "-p", String(opts.port ?? this.pgPort), "-U", opts.user ?? "postgres",
      "-d", opts.database ?? this.database, "-c", query], { env: { ...BASE_ENV, PGCONNECT_TIMEOUT: "10" }, timeout: 30_000 });
    return stdout.trim();
  }

  /** A command on PgBouncer's admin console (SHOW ..., SET ...). */
  bouncerAdmin(command: string): Promise<string> {
    return this.sql(command, { port: this.bouncerPort, user: "postgres", database: "pgbouncer" });
  }

  /** Ends PgBouncer, then PostgreSQL (fast shutdown, then SIGKILL). The caller owns and removes `dir`. */
  async stop(): Promise<void> {
    for (const daemon of [...this.daemons].reverse()) {
      const { child } = daemon;
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill(daemon.name === "postgres" ? "SIGINT" : "SIGTERM");
      try {
        await within(daemon.exited, 15_000, `${daemon.name} to stop`);
      } catch {
        child.kill("SIGKILL");
        await within(daemon.exited, 5_000, `${daemon.name} to die`).catch(() => undefined);
      }
    }
  }

  /** The end of a daemon's log, for error messages. */
  logTail(name: "postgres" | "pgbouncer"): string {
    return tail(join(this.dir, `${name}.log`));
  }

  private ownedDir(path: string, mode: number): string {
    mkdirSync(path, { recursive: true });
    chownSync(path, this.uid, this.gid);
    chmodSync(path, mode);
    return path;
  }

  private privileged(argv: string[]): string[] {
    return [`--reuid=${this.uid}`, `--regid=${this.gid}`, "--init-groups", "--", ...argv];
  }

  private async asPostgres(argv: string[]): Promise<void> {
    try {
      await execFileAsync(SETPRIV, this.privileged(argv), { cwd: this.dir, env: BASE_ENV, timeout: 120_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${argv[0]} failed: ${e.stderr || e.message}`);
    }
  }

  /** setpriv execs the daemon, so the child's pid is the daemon's own. */
  private spawnDaemon(name: string, argv: string[]): void {
    const log = join(this.dir, `${name}.log`);
    const fd = openSync(log, "a");
    try {
      const child = spawn(SETPRIV, this.privileged(argv), { cwd: this.dir, env: BASE_ENV, stdio: ["ignore", fd, fd] });
      const exited = new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.once("error", () => resolve());
      });
      this.daemons.push({ name, child, exited, log });
    } finally {
      closeSync(fd);
    }
  }

  private async waitUntilReady(name: "postgres" | "pgbouncer", probe: () => Promise<unknown>): Promise<void> {
    const daemon = this.daemons.find((d) => d.name === name)!;
    let last: unknown;
    try {
      await waitFor(async () => {
        if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) throw new Error(`${name} exited`);
        try {
          await probe();
          return true;
        } catch (err) {
          last = err;
          return false;
        }
      }, 60_000, `${name} to accept connections`);
    } catch (err) {
      throw new Error(`${(err as Error).message}; last error: ${String(last)}\n${name} log:\n${this.logTail(name)}`);
    }
  }
}
