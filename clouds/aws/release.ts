/** Releases in place through Systems Manager (no SSH): a Command document and an association per server or group. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { appPaths, SECRET_FETCH_SCRIPT } from "../../provisioning";
import type { ReleaseRequest } from "../types";

/**
 * A release in place through Systems Manager, without SSH: a Command document that waits for the first
 * boot, fetches the secret files (the release bundle among them) and runs the release entry point, and an
 * association that runs it on the server, or on the group's servers one at a time (maxConcurrency 1,
 * maxErrors 0: the first failure stops the rest). The provider waits for an association's success only
 * when it creates one (terraform-provider-aws internal/service/ssm/association.go: `waitAssociationSuccess`
 * in Create, not in Update), so a new release replaces the association (replaceOnChanges on its
 * `parameters`, which carry the bundle's digest): the update waits, and fails when the release fails.
 */
export function ssmRelease(name: string, physicalName: string, release: ReleaseRequest, dependsOn: pulumi.Resource[], opts: pulumi.CustomResourceOptions): aws.ssm.Association {
  const document = new aws.ssm.Document(name, {
    name: `${physicalName}-release`,
    documentType: "Command",
    documentFormat: "JSON",
    content: release.appName.apply((appName) => JSON.stringify({
      schemaVersion: "2.2",
      description: `Release ${appName} in place (fullstack-pulumi)`,
      parameters: { bundleDigest: { type: "String", description: "SHA-256 of the release bundle (a new one runs a new release)" } },
      mainSteps: [{
        action: "aws:runShellScript",
        name: "release",
        inputs: {
          timeoutSeconds: String(release.timeoutSeconds),
          runCommand: [
            "set -eu",
            "cloud-init status --wait >/dev/null || true",
            SECRET_FETCH_SCRIPT,
            `echo "release {{ bundleDigest }}"`,
            `${appPaths(appName).releaseScript} --file ${appPaths(appName).releaseBundle}`,
          ],
        },
      }],
    })),
    tags: { Name: `${physicalName}-release` },
  }, opts);
  return new aws.ssm.Association(name, {
    name: document.name,
    associationName: `${physicalName}-release`,
    targets: [{ key: "tag:Name", values: [physicalName] }],
    // A digest of the whole bundle (its secrets included, so nothing to guess from): not secret, so a
    // preview shows that a release will run.
    parameters: { bundleDigest: pulumi.unsecret(release.bundle.apply((b) => createHash("sha256").update(b).digest("hex"))) },
    maxConcurrency: "1",
    maxErrors: "0",
    waitForSuccessTimeoutSeconds: release.timeoutSeconds,
  }, { ...opts, dependsOn: [...dependsOn, ...(release.after ?? [])] as pulumi.Input<pulumi.Resource>[], replaceOnChanges: ["parameters"] });
}
