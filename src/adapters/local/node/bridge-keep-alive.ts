/**
 * Keeps the service-binding bridge's idle connections open until workerd
 * closes them.
 *
 * The worker reaches `LOCAL_SERVICES` over HTTP: workerd keeps a pool of
 * keep-alive connections to Miniflare's loopback server, a plain Node
 * `http.Server` in this process. Node closes a connection that stayed idle
 * for `keepAliveTimeout` (5 s, plus a 1 s grace) and nothing tells workerd in
 * time: while the worker thread is busy with requests that need no outside
 * I/O (the vitest runner calling the worker in-process, D1, Durable Objects)
 * workerd does not poll the pooled sockets, so it neither sees Node's FIN
 * nor runs its own 5 s idle expiry. The next `LOCAL_SERVICES.fetch` is then
 * written into a socket Node already closed: workerd logs "Broken pipe" and
 * "Network connection lost", and the embedding call becomes a 503. Seen with
 * strace on workerd during `test/security/bad-input.test.ts` on a loaded
 * machine: no read on the loopback sockets for 32 s, Node's keep-alive close
 * after 6 s, then the reuse and EPIPE. The same happens when this process's
 * event loop is blocked past the deadline while a request waits unread in
 * the socket (Node runs the expired timer before it reads), which a
 * synchronous model call used to cause. Load only made the windows longer.
 *
 * The cure is the usual rule for keep-alive: the server must not close idle
 * connections before the client does. Miniflare's server is private, so this
 * module watches Node's `http.server.request.start` diagnostics channel and
 * sets `keepAliveTimeout = 0` (no idle close) on any server that receives a
 * request carrying Miniflare's custom-service header, i.e. on the loopback
 * server of a service binding to a Node function. workerd still closes its
 * idle connections (after 5 s when it gets to run), and Miniflare's
 * `dispose()` destroys whatever is left. Other servers are left alone.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage, Server } from "node:http";

const requestStartChannel = "http.server.request.start";

/** Headers Miniflare adds to requests a worker sends to a service binding that is a Node function. */
const bridgeHeaders = ["mf-custom-fetch-service", "mf-custom-node-service"];

let holders = 0;

function onRequestStart(message: unknown): void {
  const { request, server } = message as { request?: IncomingMessage; server?: Server };
  if (!request || !server || server.keepAliveTimeout === 0) return;
  if (bridgeHeaders.some((name) => request.headers[name] !== undefined)) server.keepAliveTimeout = 0;
}

/**
 * Starts keeping bridge connections open (for every Miniflare loopback server
 * in this process, from its next request on). Returns a release function;
 * the watch ends when every holder has released it. Servers already changed
 * stay changed.
 */
export function holdBridgeConnectionsOpen(): () => void {
  if (holders++ === 0) subscribe(requestStartChannel, onRequestStart);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) unsubscribe(requestStartChannel, onRequestStart);
  };
}
