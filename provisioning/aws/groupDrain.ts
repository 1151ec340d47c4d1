/**
 * What a server of an AWS auto scaling group runs so that leaving the group is graceful: a watcher script
 * and its systemd unit. clouds/aws makes the lifecycle hook (DRAIN_HOOK) the script completes.
 */
import type { RolePart } from "../types";

export const DRAIN_SCRIPT = "/usr/local/sbin/fullstack-group-drain";
export const DRAIN_UNIT = "fullstack-group-drain.service";
/** The auto scaling lifecycle hook a leaving server completes once its services have stopped. */
export const DRAIN_HOOK = "fullstack-drain";
/** How often a draining server tells its group it is still stopping (well inside any hook timeout it gets). */
export const DRAIN_HEARTBEAT_SECONDS = 300;

/** The drain watcher of a server of the group `groupName` in `region`, stopping `units` before it leaves. */
export function groupDrainPart(groupName: string, region: string, units: readonly string[]): RolePart {
  return {
    packages: ["python3-boto3"],
    writeFiles: [
      { path: DRAIN_SCRIPT, permissions: "0755", content: renderDrainScript(region, units) },
      { path: `/etc/systemd/system/${DRAIN_UNIT}`, permissions: "0644", content: renderDrainUnit(groupName) },
    ],
    runcmd: [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", DRAIN_UNIT]],
  };
}

/** The unit that runs the drain watcher ({@link renderDrainScript}) from boot on. */
export function renderDrainUnit(groupName: string): string {
  return [
    "# Rendered by fullstack-pulumi.",
    "[Unit]",
    `Description=Leave the auto scaling group ${groupName} gracefully`,
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${DRAIN_SCRIPT}`,
    "Restart=on-failure",
    "RestartSec=10",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/**
 * The watcher a server of an auto scaling group runs: it polls the instance metadata for the group's
 * decision to terminate it (a rolling release, a smaller group), stops the given services (systemd gives
 * each its stop timeout, so running tasks finish), then completes the lifecycle hook so the termination
 * goes on. If anything fails, the hook's timeout lets the termination go on anyway. Honours
 * AWS_EC2_METADATA_SERVICE_ENDPOINT like the AWS SDKs do.
 */
export function renderDrainScript(region: string, units: readonly string[]): string {
  return [
    "#!/usr/bin/python3",
    "# Rendered by fullstack-pulumi: leaves the auto scaling group gracefully (stops services, then completes the lifecycle hook).",
    "import os, subprocess, sys, threading, time, urllib.error, urllib.request",
    "import boto3",
    "",
    `REGION = ${JSON.stringify(region)}`,
    `HOOK = ${JSON.stringify(DRAIN_HOOK)}`,
    `UNITS = ${JSON.stringify(units)}`,
    'IMDS = os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254").rstrip("/")',
    `HEARTBEAT_SECONDS = ${DRAIN_HEARTBEAT_SECONDS}`,
    "",
    "def metadata(path):",
    "    token_request = urllib.request.Request(IMDS + '/latest/api/token', method='PUT',",
    "                                           headers={'X-aws-ec2-metadata-token-ttl-seconds': '300'})",
    "    token = urllib.request.urlopen(token_request, timeout=5).read().decode()",
    "    request = urllib.request.Request(IMDS + '/latest/meta-data/' + path, headers={'X-aws-ec2-metadata-token': token})",
    "    try:",
    "        return urllib.request.urlopen(request, timeout=5).read().decode()",
    "    except urllib.error.HTTPError as err:",
    "        if err.code == 404:",
    "            return None",
    "        raise",
    "",
    "def wait_for_termination():",
    "    while True:",
    "        try:",
    "            if metadata('autoscaling/target-lifecycle-state') == 'Terminated':",
    "                return",
    "        except Exception as err:  # the metadata service can be briefly unavailable",
    "            print(f'group-drain: {err}', flush=True)",
    "        time.sleep(5)",
    "",
    "def own_group():",
    "    instance = metadata('instance-id')",
    "    autoscaling = boto3.client('autoscaling', region_name=REGION)",
    "    found = autoscaling.describe_auto_scaling_instances(InstanceIds=[instance])['AutoScalingInstances']",
    "    if not found:",
    "        sys.exit('group-drain: this instance is in no auto scaling group')",
    "    return autoscaling, found[0]['AutoScalingGroupName'], instance",
    "",
    "def keep_hook_alive(done):",
    "    # A warm shutdown may outlast the hook's timeout (tasks of up to a day): tell the group to wait longer.",
    "    while not done.wait(HEARTBEAT_SECONDS):",
    "        try:",
    "            autoscaling, group, instance = own_group()",
    "            autoscaling.record_lifecycle_action_heartbeat(LifecycleHookName=HOOK, AutoScalingGroupName=group, InstanceId=instance)",
    "        except (Exception, SystemExit) as err:",
    "            print(f'group-drain: heartbeat: {err}', flush=True)",
    "",
    "def main():",
    "    wait_for_termination()",
    "    print('group-drain: leaving the group: stopping ' + ' '.join(UNITS), flush=True)",
    "    done = threading.Event()",
    "    threading.Thread(target=keep_hook_alive, args=(done,), daemon=True).start()",
    "    stopped = subprocess.call(['systemctl', 'stop', *UNITS])",
    "    done.set()",
    "    autoscaling, group, instance = own_group()",
    "    autoscaling.complete_lifecycle_action(LifecycleHookName=HOOK, AutoScalingGroupName=group, InstanceId=instance,",
    "                                          LifecycleActionResult='CONTINUE')",
    "    print(f'group-drain: services stopped (systemctl exit {stopped}); termination goes on', flush=True)",
    "",
    "if __name__ == '__main__':",
    "    main()",
    "",
  ].join("\n");
}
