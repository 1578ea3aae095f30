// Many Socket.IO clients in one Node.js process, recording state events the way
// bench/clients.py's python-socketio clients do ("state" mode), at a fraction of their
// CPU per event: the dashboard's own socket.io-client, from web/node_modules.
//
//   node bench/node/socketio_clients.cjs <url> <count> <board>
//
// It talks to bench/clients.py over stdio, one JSON object a line. Out: {"ready":
// [connected, failed]} once every client tried to connect; {"report": [key, time]}
// when every client of this process has the marker ``key`` (the first carousel
// entry's duration); {"report": [-1, time]} when a client was disconnected; at the
// end {"result": {...}}. In: {"since": time} (count changes arriving from then on),
// {"stop": true} (disconnect and hand back the result).
//
// Times are process.hrtime, CLOCK_MONOTONIC on Linux: Python's time.monotonic().
// canonical() writes JSON as bench/clients.py's canonical() does, so the hash chains
// and digests of both compare with what the renderer published.
"use strict";

const crypto = require("node:crypto");
const path = require("node:path");
const readline = require("node:readline");
const { createRequire } = require("node:module");

const webRequire = createRequire(path.join(__dirname, "..", "..", "web", "package.json"));
const { io } = webRequire("socket.io-client");

const STATE_EVENTS = ["apps_list", "current_app", "settings", "carousel_config"];
const CONNECT_BATCH = 50;
const DIGEST_BYTES = 8;
const DISCONNECTED = -1;

const [url, countText, board] = process.argv.slice(2);
const count = Number(countText);

function now() {
  return Number(process.hrtime.bigint()) / 1e9;
}

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

function canonical(value) {
  // Keys sorted at every level, no spaces; JSON.stringify's numbers and escapes.
  if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }
  return JSON.stringify(value);
}

function sha1(...parts) {
  const hash = crypto.createHash("sha1");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

class StateLog {
  constructor() {
    this.count = 0;
    this.chain = "";
    this.last = null;
    this.lastText = null;
    this.seen = false;
    this.digests = [];
  }

  add(payload, counted) {
    const text = canonical(payload);
    if (this.seen && text === this.lastText) return; // not a change
    this.seen = true;
    this.last = payload;
    this.lastText = text;
    if (counted) {
      this.count += 1;
      this.chain = sha1(this.chain, text).toString("hex");
      this.digests.push(sha1(text).subarray(0, DIGEST_BYTES).toString("hex"));
    }
  }

  toJSON() {
    return {
      count: this.count,
      chain: this.chain,
      last: this.last,
      seen: this.seen,
      digests: this.digests.join(""),
    };
  }
}

let since = Infinity;
let running = false;
let stopping = false;
let disconnects = 0;
let connected = 0;
const pending = new Map(); // marker → clients of this process that have it
const sockets = [];
const logs = [];

// Once every client tried to connect, the ones that failed will never have a key.
function reached(key, at) {
  const have = (pending.get(key) || 0) + 1;
  if (have >= (running ? connected : count)) {
    pending.delete(key);
    send({ report: [key, at] });
  } else {
    pending.set(key, have);
  }
}

function addClient() {
  const socket = io(`${url}?board=${encodeURIComponent(board)}`, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true, // one connection each, not one shared by all
    timeout: 60000,
  });
  const clientLogs = Object.fromEntries(STATE_EVENTS.map((name) => [name, new StateLog()]));
  for (const name of STATE_EVENTS) {
    socket.on(name, (data) => {
      const at = now();
      clientLogs[name].add(data, at >= since);
      if (name === "carousel_config" && data && Array.isArray(data.apps) && data.apps.length) {
        reached(Number(data.apps[0].duration), at);
      }
    });
  }
  socket.on("disconnect", () => {
    disconnects += 1;
    if (running && !stopping) send({ report: [DISCONNECTED, now()] });
  });
  sockets.push(socket);
  logs.push(clientLogs);
  return new Promise((resolve) => {
    socket.once("connect", () => resolve(true));
    socket.once("connect_error", () => resolve(false));
  });
}

async function main() {
  for (let start = 0; start < count; start += CONNECT_BATCH) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + CONNECT_BATCH); i += 1) batch.push(addClient());
    for (const ok of await Promise.all(batch)) connected += ok ? 1 : 0;
  }
  disconnects = 0; // failed connects may have counted one
  running = true;
  send({ ready: [connected, count - connected] });
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const message = JSON.parse(line);
  if (message.since !== undefined) since = message.since;
  if (message.stop) {
    const unexpected = disconnects; // before we hang up ourselves
    stopping = true;
    for (const socket of sockets) socket.disconnect();
    const result = JSON.stringify({ result: { disconnects: unexpected, state: logs } });
    process.stdout.write(result + "\n", () => process.exit(0));
  }
});

main();
