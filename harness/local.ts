/** Small helpers for tests and benchmarks that run real processes on this machine. */
import { accessSync, constants, readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Whether this process may execute `path` (a file that exists with an x bit it can use). */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/**
 * The JSON lines other processes append to `file` (none while it does not exist yet). A line being
 * appended right now may be incomplete: only whole lines count.
 */
export function readJsonLines<T>(file: string): T[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").slice(0, -1).map((line) => JSON.parse(line) as T);
}
