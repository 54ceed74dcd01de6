'use strict';
// A one-shot ws client for the interop tests: connects to the URL in argv[2] offering the subprotocol "chat", sends the
// text "hello", waits for the echo, closes with 1000 "bye", and once the connection is closed prints
//   RESULT <echoed text> <subprotocol> <close code> <close reason>
// exiting 0 only when the echo was the text "hello". Errors go to stderr with a non-zero exit; a 20 s timer bounds the run.
// The client keeps ws's default permessage-deflate offer, so the server under test must decline it.

const WebSocket = require('ws');

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node client.js ws://host:port/path\n');
  process.exit(64);
}

const timer = setTimeout(() => {
  process.stderr.write('TIMEOUT\n');
  process.exit(3);
}, 20000);

let echoed = null;
let echoedAsText = false;
const socket = new WebSocket(url, ['chat']);

socket.on('open', () => {
  socket.send('hello');
});

socket.on('message', (data, isBinary) => {
  echoed = data.toString('utf8');
  echoedAsText = !isBinary;
  socket.close(1000, 'bye');
});

socket.on('close', (code, reason) => {
  clearTimeout(timer);
  process.stdout.write(`RESULT ${echoed} ${socket.protocol || '-'} ${code} ${reason.toString('utf8')}\n`);
  process.exitCode = echoed === 'hello' && echoedAsText ? 0 : 1;
});

socket.on('error', (error) => {
  clearTimeout(timer);
  process.stderr.write(`ERROR ${error.message}\n`);
  process.exit(2);
});
