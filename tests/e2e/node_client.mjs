// A Socket.IO client as a JavaScript page would use it: npm's socket.io-client@4 (the
// dashboard's own copy in web/node_modules). Prints one JSON line per event received.
// Usage: node node_client.mjs <api url> <board>
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { io } = require('socket.io-client');

const [url, board] = process.argv.slice(2);
const socket = io(url, { transports: ['websocket'], auth: { board }, reconnection: false });
socket.onAny((event, data) => process.stdout.write(`${JSON.stringify({ event, data })}\n`));
socket.on('connect_error', (error) => {
  process.stderr.write(`connect_error: ${error.message}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => {
  socket.close();
  process.exit(0);
});
