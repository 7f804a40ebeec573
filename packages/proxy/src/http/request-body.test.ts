import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { PassThrough, type Readable } from "node:stream";
import { describe, it } from "node:test";
import { RequestBody } from "./request-body.ts";

function request(headers: Record<string, string>, chunks: string[]): IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, { headers });
  setImmediate(() => {
    for (const c of chunks) stream.write(c);
    stream.end();
  });
  return stream as unknown as IncomingMessage;
}

async function drain(stream: Readable | undefined): Promise<string> {
  assert.ok(stream);
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts).toString();
}

describe("RequestBody", () => {
  it("buffers a body within the limit once, and forwards those bytes", async () => {
    const body = new RequestBody(request({}, ["ab", "cd"]));
    assert.equal((await body.read(10))!.toString(), "abcd");
    assert.equal((await body.read(10))!.toString(), "abcd", "read once, same bytes");
    assert.equal(await drain(body.upstreamStream()), "abcd");
  });
  it("past the limit: undefined, and upstream gets what was read followed by the rest", async () => {
    const body = new RequestBody(request({}, ["abc", "def", "ghi", "jkl"]));
    assert.equal(await body.read(4), undefined);
    assert.equal(await drain(body.upstreamStream()), "abcdefghijkl");
  });
  it("a declared Content-Length past the limit leaves the stream untouched", async () => {
    const body = new RequestBody(request({ "content-length": "100" }, ["x"]));
    assert.equal(await body.read(10), undefined);
    assert.equal(body.upstreamStream(), undefined);
  });
  it("a replacement is sent instead", async () => {
    const body = new RequestBody(request({}, ["a=1&t=2"]));
    await body.read(100);
    body.replace(Buffer.from("a=1"));
    assert.equal(await drain(body.upstreamStream()), "a=1");
  });
});
