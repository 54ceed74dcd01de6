'use strict';
// A ws echo server for the interop tests. It listens on 127.0.0.1 on a port the OS picks and prints `PORT <n>` once
// listening. Every message is echoed with its own type; what the server saw is printed as lines the tests read:
//   PROTOCOL <chosen subprotocol or ->   when a client connects
//   CLOSE <code> <reason>                when a client's close handshake completes
// It exits when its standard input closes, so a test that dies cannot leave it running.

const { WebSocketServer } = require('ws');

const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
});

server.on('listening', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});

server.on('connection', (socket) => {
  process.stdout.write(`PROTOCOL ${socket.protocol || '-'}\n`);
  socket.on('message', (data, isBinary) => {
    socket.send(data, { binary: isBinary });
  });
  socket.on('close', (code, reason) => {
    process.stdout.write(`CLOSE ${code} ${reason.toString('utf8')}\n`);
  });
  socket.on('error', (error) => {
    process.stderr.write(`ERROR ${error.message}\n`);
  });
});

require('./stop-with-stdin')(server);
