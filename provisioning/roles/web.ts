/**
 * The web role: nginx in front of gunicorn, the app from git in a virtualenv, its environment in a
 * 0600 file, and the first release run at boot.
 */
import { renderDeployConf, renderDeployScript, renderMigrateScript, renderSdistCheck } from "../deploy";
import { RELEASE_USER, releaseAuthorizedKey, renderReleaseBundle, renderReleaseCheck, renderReleaseScript, renderReleaseSudoers } from "../release";
import { renderAdminEnv, renderAppGrantSql, renderGrantScript } from "../postgresGrants";
import { renderGunicornConfig, renderGunicornService, renderGunicornSocket } from "../gunicorn";
import { renderNginxSite } from "../nginx";
import { renderEnvFile } from "../text";
import { appPaths, type AppSpec, type ReleaseAccess, type RolePart, type WebSpec, type WriteFile } from "../types";

/**
 * The app's Unix user, files, deploy script and release entry point: shared by every role that runs the
 * app's code. The user data carries no ref and no environment when releases are pushed (`push`): they
 * arrive with each release. Otherwise the first release travels as a file (`file`: fetched from the
 * secret store, or inline where the user data is private) and runs last at boot.
 */
export function appRole(app: AppSpec, units: { sockets: string[]; services: string[]; web: boolean }, release: ReleaseAccess): RolePart {
  const p = appPaths(app.name);
  const grant = app.dbGrant && app.runMigrations !== false ? app.dbGrant : undefined;
  const pushed = release.kind === "push" ? release : undefined;
  return {
    // No compiler here: the deploy installs the build tools only if a requirement has no wheel
    // (BUILD_PACKAGES in deploy.ts). postgresql-client: psql for the grant script, a managed database's
    // restore drill and `manage.py dbshell`; on every app server, not only the one that migrates, so the
    // servers of one kind install the same packages and share one baked image (components/network.ts).
    packages: ["git", "python3", "python3-venv", "postgresql-client"],
    users: [
      { name: app.name, system: true, homedir: p.root, shell: "/usr/sbin/nologin", lock_passwd: true },
      // Releases arrive over SSH as this user, whose one key may run the release entry point and nothing else.
      ...(pushed ? [{
        name: RELEASE_USER, homedir: `/var/lib/${RELEASE_USER}`, shell: "/bin/sh", lock_passwd: true,
        ssh_authorized_keys: [releaseAuthorizedKey(app, pushed.publicKey, pushed.fromCidrs)],
      }] : []),
    ],
    writeFiles: [
      ...deployToolFiles(app),
      { path: p.deployConf, permissions: "0644", content: renderDeployConf(app, units) },
      { path: p.deployScript, permissions: "0755", content: renderDeployScript(app) },
      { path: p.releaseScript, permissions: "0755", content: renderReleaseScript(app) },
      { path: p.releaseCheck, permissions: "0644", content: renderReleaseCheck(app) },
      { path: p.sdistCheck, permissions: "0644", content: renderSdistCheck() },
      ...(pushed ? [{ path: p.releaseSudoers, permissions: "0440", content: renderReleaseSudoers(app) }] : []),
      ...(release.kind === "file" ? [{ path: p.releaseBundle, permissions: "0600", owner: "root:root", content: renderReleaseBundle(app), secret: true }] : []),
      ...(app.framework === "django" ? [{ path: p.migrateScript, permissions: "0644", content: renderMigrateScript(app) }] : []),
      // Only the server that migrates holds the admin's connection, root-only; the app never reads it.
      ...(grant ? [
        { path: p.dbAdminEnv, permissions: "0600", owner: "root:root", content: renderAdminEnv(grant.admin), secret: true },
        { path: p.dbGrantSql, permissions: "0644", content: renderAppGrantSql(grant) },
        { path: p.dbGrantScript, permissions: "0755", content: renderGrantScript({ adminEnvFile: p.dbAdminEnv, sqlFile: p.dbGrantSql }) },
      ] : []),
    ],
    // The first release (from the file) runs last, once every role has written its units: cloudConfig.ts.
    runcmd: [],
  };
}

/**
 * The deploy tools' own settings: a private package index for pip, and the repository's deploy key for
 * git over SSH (the host key is trusted on first use and kept in shared/known_hosts).
 */
function deployToolFiles(app: AppSpec): WriteFile[] {
  const p = appPaths(app.name);
  const env: Record<string, string> = {};
  const files: WriteFile[] = [];
  if (app.pipIndexUrl) env.PIP_INDEX_URL = app.pipIndexUrl;
  if (app.repoDeployKey) {
    // ssh only checks a key's mode when the key is the user's own; root:<app> 0640 keeps it from anyone else.
    files.push({ path: p.deployKey, permissions: "0640", owner: `root:${app.name}`, content: app.repoDeployKey, secret: true, defer: true });
    env.GIT_SSH_COMMAND = `ssh -i ${p.deployKey} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${p.root}/shared/known_hosts`;
  }
  if (Object.keys(env).length > 0) {
    files.push({
      path: p.toolsEnvFile, permissions: "0600", owner: "root:root", secret: true,
      content: renderEnvFile(env, "Rendered by fullstack-pulumi: the deploy tools' settings (git, pip). Secret: keep 0600."),
    });
  }
  return files;
}

export function webRole(app: AppSpec, web: WebSpec): RolePart {
  const p = appPaths(app.name);
  return {
    packages: ["nginx"],
    writeFiles: [
      { path: p.gunicornConf, permissions: "0644", content: renderGunicornConfig(app, web) },
      { path: `/etc/systemd/system/${p.gunicornUnit}.socket`, permissions: "0644", content: renderGunicornSocket(app) },
      { path: `/etc/systemd/system/${p.gunicornUnit}.service`, permissions: "0644", content: renderGunicornService(app, web) },
      { path: `/etc/nginx/sites-available/${app.name}.conf`, permissions: "0644", content: renderNginxSite(app, web) },
    ],
    runcmd: [
      ["rm", "-f", "/etc/nginx/sites-enabled/default"],
      ["ln", "-sfn", `/etc/nginx/sites-available/${app.name}.conf`, `/etc/nginx/sites-enabled/${app.name}.conf`],
      ["systemctl", "daemon-reload"],
      // Started here, with the site in place (its package does not start it at first boot).
      ["sh", "-c", "nginx -t && systemctl reload-or-restart nginx"],
    ],
    startsItself: ["nginx"],
  };
}

export function webUnits(appName: string): { sockets: string[]; services: string[] } {
  const p = appPaths(appName);
  return { sockets: [`${p.gunicornUnit}.socket`], services: [`${p.gunicornUnit}.service`] };
}
