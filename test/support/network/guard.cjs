// Network guard for every Node process of the test suites (loaded with --require through
// NODE_OPTIONS, so child processes such as the engine get it too). Any outbound TCP or UDP
// connection, DNS lookup, fetch or WebSocket to anything but loopback is recorded in
// HEARTH_NETWORK_GUARD_LOG and refused with an error. With HEARTH_NETWORK_GUARD_SCOPE
// (a regular expression), only attempts whose stack matches it are refused and count as
// violations; others (a host program's own traffic) are only recorded as "observed". A process
// whose main script matches the scope (the engine) is in scope as a whole. With
// HEARTH_NETWORK_GUARD_RECORD_LOADS=1 each process records that the guard is loaded in it, so a
// runner can prove the guard ran in the extension host and the engine.
"use strict";
const net = require("node:net");
const dns = require("node:dns");
const dgram = require("node:dgram");
const fs = require("node:fs");

if (!globalThis.__hearthNetworkGuard) {
  globalThis.__hearthNetworkGuard = true;
  const logFile = process.env.HEARTH_NETWORK_GUARD_LOG;
  const scope = process.env.HEARTH_NETWORK_GUARD_SCOPE ? new RegExp(process.env.HEARTH_NETWORK_GUARD_SCOPE) : undefined;
  const mainScript = process.argv[1] ?? "";
  const processInScope = scope ? scope.test(mainScript) : true;
  if (logFile && process.env.HEARTH_NETWORK_GUARD_RECORD_LOADS === "1") {
    try {
      fs.appendFileSync(logFile, JSON.stringify({ pid: process.pid, kind: "loaded", target: mainScript, verdict: "loaded", argv: process.argv.slice(1, 6).join(" ") }) + "\n");
    } catch {
      // Best effort, as for attempts.
    }
  }

  const isLoopbackHost = (host) => {
    if (host === undefined || host === null || host === "") return true; // Node's default is localhost
    const name = String(host).replace(/^\[|\]$/g, "").toLowerCase();
    return name === "localhost" || name.endsWith(".localhost") || name === "::1" || /^127\./.test(name) || name === "::ffff:127.0.0.1" || name === "0.0.0.0";
  };

  /** Records an attempt; returns an Error to refuse it, or undefined to let it through. */
  const check = (kind, target) => {
    const stack = new Error().stack ?? "";
    const inScope = processInScope || (scope ? scope.test(stack) : true);
    const entry = { pid: process.pid, kind, target: String(target), verdict: inScope ? "refused" : "observed", stack: stack.split("\n").slice(2, 12).join("\n") };
    if (logFile) {
      try {
        fs.appendFileSync(logFile, JSON.stringify(entry) + "\n");
      } catch {
        // The log is best effort; refusing still happens.
      }
    }
    if (!inScope) return undefined;
    const error = new Error(`Hearth network guard: refused ${kind} to ${target} (Hearth must not use the network)`);
    error.code = "EHEARTHNETWORK";
    return error;
  };

  const originalConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function connect(...args) {
    // net.connect() passes its normalized arguments as one array: [options, callback].
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = typeof first === "object" && first !== null ? first : undefined;
    const path = options ? options.path : typeof first === "string" && !/^\d+$/.test(first) ? first : undefined;
    if (path === undefined) {
      const host = options ? options.host : typeof args[1] === "string" ? args[1] : undefined;
      const port = options ? options.port : first;
      if (!isLoopbackHost(host)) {
        const refused = check("tcp", `${host}:${port}`);
        if (refused) {
          process.nextTick(() => this.destroy(refused));
          return this;
        }
      }
    }
    return originalConnect.apply(this, args);
  };

  const guardLookup = (original, kind) => function guarded(hostname, ...rest) {
    if (!isLoopbackHost(hostname)) {
      const refused = check(kind, hostname);
      if (refused) {
        const callback = rest.find((value) => typeof value === "function");
        if (callback) {
          process.nextTick(() => callback(refused));
          return {};
        }
        return Promise.reject(refused);
      }
    }
    return original.call(this, hostname, ...rest);
  };
  for (const name of ["lookup", "resolve", "resolve4", "resolve6", "resolveAny", "resolveCname", "resolveMx", "resolveTxt", "resolveSrv", "resolveNs"]) {
    if (typeof dns[name] === "function") dns[name] = guardLookup(dns[name], `dns ${name}`);
    if (dns.promises && typeof dns.promises[name] === "function") dns.promises[name] = guardLookup(dns.promises[name], `dns ${name}`);
  }

  const originalSend = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function send(...args) {
    const address = args.find((value, index) => index > 0 && typeof value === "string");
    if (address !== undefined && !isLoopbackHost(address)) {
      const refused = check("udp", address);
      if (refused) throw refused;
    }
    return originalSend.apply(this, args);
  };

  if (typeof globalThis.fetch === "function") {
    const originalFetch = globalThis.fetch;
    globalThis.fetch = function fetch(input, init) {
      const url = new URL(typeof input === "string" || input instanceof URL ? String(input) : input.url);
      if (!isLoopbackHost(url.hostname)) {
        const refused = check("fetch", url.origin);
        if (refused) return Promise.reject(refused);
      }
      return originalFetch.call(this, input, init);
    };
  }

  if (typeof globalThis.WebSocket === "function") {
    const OriginalWebSocket = globalThis.WebSocket;
    globalThis.WebSocket = class GuardedWebSocket extends OriginalWebSocket {
      constructor(url, protocols) {
        const parsed = new URL(String(url));
        if (!isLoopbackHost(parsed.hostname)) {
          const refused = check("websocket", parsed.origin);
          if (refused) throw refused;
        }
        super(url, protocols);
      }
    };
  }
}
