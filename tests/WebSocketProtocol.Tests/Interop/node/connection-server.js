'use strict';
// A ws server for the connection-level interop tests (ConnectionInteropTests.cs, DeflateInteropTests.cs), the peer of our
// client. Usage: node connection-server.js [--permessage-deflate=<json>], where the JSON is ws's perMessageDeflate server
// options (for instance {"threshold":0,"serverMaxWindowBits":10}); without it permessage-deflate is off. It listens on
// 127.0.0.1 on a port the OS picks and prints `PORT <n>` once listening. Every data message is echoed with its type, except
// text commands starting with '!':
//   !fragment:<a>:<b>:<text>   send text's UTF-8 bytes as one text message in three frames, split at byte offsets a and b
//   !ping:<payload>            ping with that payload; when the pong arrives, send the text `pong:<payload>`
//   !close:<code>:<reason>     close with that code and reason
// What it sees is printed as lines the tests read:
//   OFFER <header or ->                           the client's Sec-WebSocket-Extensions, for each handshake
//   EXTENSIONS <header or ->                      the Sec-WebSocket-Extensions it answered with
//   MESSAGE <text|binary> <length> <sha256 hex>   for each message received
//   PING <payload>                                for each ping received (ws answers it with a pong by itself)
//   PONG <payload>                                for each pong received
//   CLOSE <code> <reason>                         once the connection is closed
// It exits when its standard input closes, so a test that dies cannot leave it running.

const crypto = require('crypto');
const { WebSocketServer } = require('ws');
const { parseFlags } = require('./interop-options');

const { perMessageDeflate } = parseFlags(process.argv.slice(2));
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate });

function print(line) {
  process.stdout.write(`${line}\n`);
}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function runCommand(socket, text) {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text.slice(1) : text.slice(1, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (name === 'fragment') {
    const [a, b, ...body] = rest.split(':');
    const bytes = Buffer.from(body.join(':'), 'utf8');
    const first = Number(a);
    const second = Number(b);
    socket.send(bytes.subarray(0, first), { binary: false, fin: false });
    socket.send(bytes.subarray(first, second), { binary: false, fin: false });
    socket.send(bytes.subarray(second), { binary: false, fin: true });
  } else if (name === 'ping') {
    socket.ping(rest);
  } else if (name === 'close') {
    const separator = rest.indexOf(':');
    socket.close(Number(rest.slice(0, separator)), rest.slice(separator + 1));
  } else {
    process.stderr.write(`ERROR unknown command ${text}\n`);
  }
}

server.on('headers', (headers, request) => {
  const answer = headers.find((line) => line.toLowerCase().startsWith('sec-websocket-extensions:'));
  print(`OFFER ${request.headers['sec-websocket-extensions'] || '-'}`);
  print(`EXTENSIONS ${answer ? answer.slice(answer.indexOf(':') + 1).trim() : '-'}`);
});

server.on('listening', () => {
  print(`PORT ${server.address().port}`);
});

server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    print(`MESSAGE ${isBinary ? 'binary' : 'text'} ${data.length} ${sha256(data)}`);
    if (!isBinary && data.length > 0 && data[0] === 0x21) {
      runCommand(socket, data.toString('utf8'));
      return;
    }

    socket.send(data, { binary: isBinary });
  });
  socket.on('ping', (data) => print(`PING ${data.toString('utf8')}`));
  socket.on('pong', (data) => {
    const payload = data.toString('utf8');
    print(`PONG ${payload}`);
    socket.send(`pong:${payload}`);
  });
  socket.on('close', (code, reason) => print(`CLOSE ${code} ${reason.toString('utf8')}`));
  socket.on('error', (error) => process.stderr.write(`ERROR ${error.message}\n`));
});

require('./stop-with-stdin')(server);
