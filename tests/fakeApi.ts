/**
 * What the fakes of DigitalOcean's API share (tests/doImageBake.test.ts, tests/doRestoreDrill.test.ts): a
 * loopback HTTP server that reads each request whole, parses its JSON body, and answers in JSON.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request, read whole. */
export interface ApiRequest {
  readonly method: string;
  readonly url: URL;
  /** Path and query, as the request named them. */
  readonly path: string;
  readonly authorization: string;
  readonly contentType: string;
  /** The JSON body, when the request had one. */
  readonly body?: Record<string, unknown>;
}

/** Answers in JSON, or with no body when `body` is undefined. */
export type JsonReply = (status: number, body?: unknown, headers?: Record<string, string>) => void;

/** Serves `handle` on 127.0.0.1 (a free port) until `close`. `res` is there for answers that are not JSON. */
export async function fakeJsonApi(handle: (request: ApiRequest, json: JsonReply, res: ServerResponse) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const text = Buffer.concat(chunks).toString("utf8");
      const json: JsonReply = (status, body, headers = {}) => (body === undefined
        ? res.writeHead(status, headers).end()
        : res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body)));
      handle({
        method: req.method ?? "", url, path: url.pathname + url.search, authorization: String(req.headers.authorization ?? ""),
        contentType: String(req.headers["content-type"] ?? ""), ...(text ? { body: JSON.parse(text) as Record<string, unknown> } : {}),
      }, json, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
