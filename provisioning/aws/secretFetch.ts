/**
 * How an AWS server gets its secret files: EC2 user data is readable by anyone who may describe the
 * instance, so secret files stay out of it and the server fetches them at boot from SSM Parameter Store
 * with its instance role (clouds/aws stores them there). Scripts that do not fit EC2's 16 KiB of user data
 * travel the same way (provisioning/cloudConfig.ts).
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { SecretDelivery, WriteFile } from "../types";

export const SECRET_FETCH_SCRIPT = "/usr/local/sbin/fullstack-fetch-secrets";

/** The secret delivery of a server whose secret files are the Parameter Store parameter `parameter` in `region`. */
export function fetchSecretDelivery(parameter: string, region: string): SecretDelivery {
  return {
    kind: "fetch",
    packages: ["python3-boto3"],
    files: [{ path: SECRET_FETCH_SCRIPT, permissions: "0755", content: renderSecretFetchScript(parameter, region) }],
    command: [SECRET_FETCH_SCRIPT],
  };
}

/** The boot script that writes a server's secret files from Parameter Store (python3-boto3, instance role). */
export function renderSecretFetchScript(parameter: string, region: string): string {
  return [
    "#!/usr/bin/python3",
    "# Rendered by fullstack-pulumi: writes this server's secret files from SSM Parameter Store.",
    "import base64, grp, gzip, json, os, pwd, time",
    "import boto3",
    "",
    `PARAMETER = ${JSON.stringify(parameter)}`,
    `REGION = ${JSON.stringify(region)}`,
    "",
    "def fetch():",
    "    ssm = boto3.client('ssm', region_name=REGION)",
    "    for attempt in range(30):",
    "        try:",
    "            return ssm.get_parameter(Name=PARAMETER, WithDecryption=True)['Parameter']['Value']",
    "        except Exception as err:  # the instance role can take a moment to become usable",
    "            print(f'fetch-secrets: {err}; retrying')",
    "            time.sleep(min(2 ** attempt, 20))",
    "    raise SystemExit('fetch-secrets: could not read ' + PARAMETER)",
    "",
    "# The value is base64 of the gzip'd JSON list of files (encodeFetchedFiles).",
    "for f in json.loads(gzip.decompress(base64.b64decode(fetch()))):",
    "    os.makedirs(os.path.dirname(f['path']), exist_ok=True)",
    "    user, _, group = f.get('owner', 'root:root').partition(':')",
    "    fd = os.open(f['path'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)",
    "    with os.fdopen(fd, 'w') as out:",
    "        out.write(f['content'])",
    "    os.chown(f['path'], pwd.getpwnam(user).pw_uid, grp.getgrnam(group or user).gr_gid)",
    "    os.chmod(f['path'], int(f['permissions'], 8))",
    "    print('fetch-secrets: wrote ' + f['path'])",
    "",
  ].join("\n");
}

/** One file in the parameter: where it goes, and whether it holds secrets or only did not fit the user data. */
export interface FetchedFile {
  path: string;
  content: string;
  permissions: string;
  owner: string;
  secret: boolean;
}

/**
 * The parameter value the fetch script reads: base64 of the gzip'd JSON list, so the files fit
 * SSM_PARAMETER_VALUE_MAX (settings/limits/aws.ts) about three times over what they would as plain JSON.
 */
export function encodeFetchedFiles(files: readonly WriteFile[]): string {
  const list: FetchedFile[] = files.map((f) => ({ path: f.path, content: f.content, permissions: f.permissions, owner: f.owner ?? "root:root", secret: f.secret === true }));
  return gzipSync(JSON.stringify(list), { level: 9 }).toString("base64");
}

/** The files of a parameter value made by {@link encodeFetchedFiles}. */
export function decodeFetchedFiles(value: string): FetchedFile[] {
  return JSON.parse(gunzipSync(Buffer.from(value, "base64")).toString("utf8")) as FetchedFile[];
}
