// Bun's built-in WebSocket server (uWebSockets underneath) as one of the servers the load tool compares (run-load.sh):
// /echo sends every message back with its own opcode; /chat?room=NAME speaks the sample's chat protocol as far as the
// broadcast scenario needs it: a `join` gets `joined`, and each `message` is published, as one JSON text built once, to
// every member of the room through Bun's pub/sub (the sender included, like the sample: publishToSelf), in one order.
// permessage-deflate off, 16 MiB maximum message, idle timeout off (the other servers close no idle connection).
// Usage: bun bun-server.js [--port N] (0, the default, picks a free port); listens on 127.0.0.1 only and prints
// `Listening on http://127.0.0.1:PORT`.

const args = process.argv.slice(2);
let port = 0;
if (args.length === 2 && args[0] === '--port' && /^[0-9]+$/.test(args[1])) {
  port = Number(args[1]);
} else if (args.length !== 0) {
  process.stderr.write('usage: bun bun-server.js [--port N]\n');
  process.exit(2);
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port,
  fetch(request, bunServer) {
    const url = new URL(request.url);
    if (url.pathname === '/echo') {
      return bunServer.upgrade(request, { data: { chat: false } }) ? undefined : new Response('Upgrade Required', { status: 426 });
    }
    if (url.pathname === '/chat') {
      const room = url.searchParams.get('room') || 'lobby';
      return bunServer.upgrade(request, { data: { chat: true, room, name: null } }) ? undefined : new Response('Upgrade Required', { status: 426 });
    }
    return new Response('Not found', { status: 404 });
  },
  websocket: {
    maxPayloadLength: 16 * 1024 * 1024,
    idleTimeout: 0,
    perMessageDeflate: false,
    publishToSelf: true,
    message(socket, message) {
      if (!socket.data.chat) {
        socket.send(message);
        return;
      }
      let request;
      try {
        request = JSON.parse(typeof message === 'string' ? message : new TextDecoder().decode(message));
      } catch {
        socket.send('{"type":"error","code":"bad-request"}');
        return;
      }
      if (request.type === 'join' && socket.data.name === null && typeof request.name === 'string') {
        socket.data.name = request.name;
        socket.subscribe(socket.data.room);
        socket.send(JSON.stringify({ type: 'joined', name: request.name, room: socket.data.room, members: [] }));
      } else if (request.type === 'message' && socket.data.name !== null && typeof request.text === 'string') {
        socket.publish(socket.data.room, JSON.stringify({ type: 'message', from: socket.data.name, text: request.text, time: new Date().toISOString() }));
      } else {
        socket.send('{"type":"error","code":"bad-request"}');
      }
    },
  },
});

process.stdout.write(`Listening on http://127.0.0.1:${server.port}\n`);
process.on('SIGTERM', () => { server.stop(true); process.exit(0); });
process.on('SIGINT', () => { server.stop(true); process.exit(0); });
