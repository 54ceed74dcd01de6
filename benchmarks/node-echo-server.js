'use strict';
// Node's ws as one of the servers the load tool compares (run-load.sh): echoes every message with its type at /echo,
// permessage-deflate off, 16 MiB maximum message. Usage: node node-echo-server.js [--port N] (0, the default, picks a
// free port); listens on 127.0.0.1 only and prints `Listening on http://127.0.0.1:PORT`. ws is the copy the interop tests
// install (eng/test.sh runs npm install in tests/WebSocketProtocol.Tests/Interop/node).

const path = require('path');
const { WebSocketServer } = require(path.join(__dirname, '..', 'tests', 'WebSocketProtocol.Tests', 'Interop', 'node', 'node_modules', 'ws'));

const args = process.argv.slice(2);
let port = 0;
if (args.length === 2 && args[0] === '--port' && /^[0-9]+$/.test(args[1])) {
  port = Number(args[1]);
} else if (args.length !== 0) {
  process.stderr.write('usage: node node-echo-server.js [--port N]\n');
  process.exit(2);
}

const server = new WebSocketServer({ host: '127.0.0.1', port, path: '/echo', perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
server.on('listening', () => {
  process.stdout.write(`Listening on http://127.0.0.1:${server.address().port}\n`);
});
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('error', () => {});
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
