/**
 * gunicorn under systemd: a socket unit owns the unix socket (so restarts drop no connection: requests
 * queue in the socket while the service restarts), the service runs as the app user with the 0600
 * environment file, reloads gracefully on HUP, and is restarted if it dies.
 */
import { renderAppService } from "./systemd";
import { lines, pyQuote } from "./text";
import { appPaths, type AppSpec, type WebSpec } from "./types";

export function renderGunicornConfig(app: AppSpec, web: WebSpec): string {
  const workers = web.gunicorn.workers > 0
    ? String(web.gunicorn.workers)
    : "multiprocessing.cpu_count() * 2 + 1";
  return lines(
    "# Rendered by fullstack-pulumi. gunicorn reads this on start and on HUP.",
    "import multiprocessing",
    "",
    `wsgi_app = ${pyQuote(app.wsgiApp)}`,
    "# chdir is on the command line (the service: the current release; a release's check: that release):",
    "# gunicorn checks a chdir set here exists before the command line can change it.",
    "# The listening socket comes from systemd (LISTEN_FDS); nothing to bind here.",
    `workers = ${workers}`,
    `timeout = ${web.gunicorn.timeout}`,
    `graceful_timeout = ${web.gunicorn.timeout}`,
    "keepalive = 5",
    "max_requests = 2000",
    "max_requests_jitter = 200",
    "worker_tmp_dir = \"/dev/shm\"",
    "# Only nginx can open the unix socket; proxy headers are trusted from local peers only.",
    "forwarded_allow_ips = \"127.0.0.1,::1\"",
    "accesslog = \"-\"",
    "errorlog = \"-\"",
    "capture_output = True",
    `proc_name = ${pyQuote(`${app.name}-gunicorn`)}`,
  );
}

export function renderGunicornSocket(app: AppSpec): string {
  const p = appPaths(app.name);
  return lines(
    "# Rendered by fullstack-pulumi.",
    "[Unit]",
    `Description=gunicorn socket for ${app.name}`,
    "",
    "[Socket]",
    `ListenStream=${p.socket}`,
    "SocketUser=www-data",
    "SocketGroup=www-data",
    "SocketMode=0600",
    "Backlog=2048",
    "",
    "[Install]",
    "WantedBy=sockets.target",
  );
}

export function renderGunicornService(app: AppSpec, web: WebSpec): string {
  const p = appPaths(app.name);
  return renderAppService(app, {
    name: p.gunicornUnit,
    description: `gunicorn serving ${app.name}`,
    unit: [`Requires=${p.gunicornUnit}.socket`, "After=network.target"],
    service: ["Type=notify", "NotifyAccess=main", "ExecReload=/bin/kill -s HUP $MAINPID"],
    execStart: `${p.current}/.venv/bin/gunicorn --config ${p.gunicornConf} --chdir ${p.current}`,
    // Longer than graceful_timeout, so in-flight requests finish before systemd kills.
    stopTimeout: web.gunicorn.timeout + 10,
    restart: "on-failure",
    restartSec: 2,
  });
}
