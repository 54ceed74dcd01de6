'use strict';
// A ws client for the connection-level interop tests (ConnectionInteropTests.cs, DeflateInteropTests.cs), the peer of our
// server, which echoes every message and runs the '!' text commands described in connection-server.js. Usage:
//   node connection-client.js [--permessage-deflate=<json>] <url> <scenario> [arguments...]
// permessage-deflate is off unless --permessage-deflate gives ws's perMessageDeflate options as JSON, for instance
// {"threshold":0,"serverNoContextTakeover":true,"clientMaxWindowBits":10}. Scenarios:
//   text <text>                       send the text, read the echo
//   binary <length>                   send <length> pattern bytes as binary, read the echo
//   large-text <length>               send a text of exactly <length> UTF-8 bytes, read the echo
//   fragments <text> <a> <b>          send the text in three frames split at byte offsets a and b (fin: false), read the
//                                     echo; then ask the server for the same text in fragments and read it
//   ping <ours> <theirs>              ping the server with <ours> and wait for its pong; ask the server to ping with
//                                     <theirs> (ws answers) and read its `pong:<theirs>`; then round trip `after ping`
//   close-by-server <code> <reason>   ask the server to close with that code and reason
//   close-by-client <code> <reason>   close with that code and reason
//   sequence <kind:length>...         send each message in turn and read its echo; kind is text (the large text),
//                                     binary (the pattern), json (JSON-like text), random (random bytes, binary) or far
//                                     (a block of length/2 random bytes twice, binary: a repeat only a large window finds)
// Each scenario but the close ones ends with a close 1000 "done". Lines printed:
//   EXTENSIONS <header or ->                      the server's Sec-WebSocket-Extensions, once the handshake is done
//   MESSAGE <text|binary> <length> <sha256 hex>   for each message received
//   TEXT <text>                                   for each text message received of at most 200 bytes
//   EQUAL <true|false>                            whether an echo equals what was sent (type and bytes)
//   PING <payload> / PONG <payload>               for each ping / pong received
//   CLOSE <code> <reason>                         once the connection is closed; then the exit code is 0
// Errors go to stderr with exit code 2; a 25 s timer bounds the run (exit code 3).

const crypto = require('crypto');
const WebSocket = require('ws');

const { parseFlags, jsonText } = require('./interop-options');

const { perMessageDeflate, positional } = parseFlags(process.argv.slice(2));
const [url, scenario, ...args] = positional;
if (!url || !scenario) {
  process.stderr.write('usage: node connection-client.js [--permessage-deflate=<json>] ws://host:port/path scenario [arguments...]\n');
  process.exit(64);
}

const LARGE_TEXT_UNIT = 'Grüße, 世界! € 𝄞 ';

const timer = setTimeout(() => {
  process.stderr.write('TIMEOUT\n');
  process.exit(3);
}, 25000);

function print(line) {
  process.stdout.write(`${line}\n`);
}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

// The same bytes as InteropFrames.Pattern on the .NET side.
function pattern(length) {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    bytes[i] = ((i * 31) ^ (i >> 8) ^ (i >> 16)) & 0xff;
  }

  return bytes;
}

// The same text as ConnectionInterop.LargeText on the .NET side.
function largeText(byteCount) {
  const unitBytes = Buffer.byteLength(LARGE_TEXT_UNIT, 'utf8');
  const units = Math.floor(byteCount / unitBytes);
  return LARGE_TEXT_UNIT.repeat(units) + 'x'.repeat(byteCount - units * unitBytes);
}

// The payload of one `sequence` message, `<kind>:<length>`.
function sequenceMessage(spec) {
  const [kind, length] = spec.split(':');
  const n = Number(length);
  switch (kind) {
    case 'text':
      return [largeText(n), false];
    case 'binary':
      return [pattern(n), true];
    case 'json':
      return [jsonText(n), false];
    case 'random':
      return [crypto.randomBytes(n), true];
    case 'far': {
      const block = crypto.randomBytes(n / 2);
      return [Buffer.concat([block, block]), true];
    }
    default:
      throw new Error(`unknown message kind ${kind}`);
  }
}

const socket = new WebSocket(url, { perMessageDeflate });
socket.on('upgrade', (response) => print(`EXTENSIONS ${response.headers['sec-websocket-extensions'] || '-'}`));

const received = [];
let wake = null;
// Set once the connection is closed, so a wait for a message or a pong that can no longer come fails at once.
let closedWith = null;
socket.on('message', (data, isBinary) => {
  print(`MESSAGE ${isBinary ? 'binary' : 'text'} ${data.length} ${sha256(data)}`);
  if (!isBinary && data.length <= 200) {
    print(`TEXT ${data.toString('utf8')}`);
  }

  received.push({ data, isBinary });
  if (wake) {
    const resume = wake;
    wake = null;
    resume();
  }
});

async function nextMessage() {
  while (received.length === 0) {
    if (closedWith) {
      throw new Error(`the connection closed (${closedWith}) where a message was awaited`);
    }

    await new Promise((resolve) => { wake = resolve; });
  }

  return received.shift();
}

const pongs = [];
let wakePong = null;
socket.on('ping', (data) => print(`PING ${data.toString('utf8')}`));
socket.on('pong', (data) => {
  print(`PONG ${data.toString('utf8')}`);
  pongs.push(data.toString('utf8'));
  if (wakePong) {
    const resume = wakePong;
    wakePong = null;
    resume();
  }
});

async function pongWith(payload) {
  while (!pongs.includes(payload)) {
    if (closedWith) {
      throw new Error(`the connection closed (${closedWith}) where a pong was awaited`);
    }

    await new Promise((resolve) => { wakePong = resolve; });
  }
}

const closed = new Promise((resolve) => {
  socket.on('close', (code, reason) => {
    closedWith = `${code} ${reason.toString('utf8')}`;
    for (const resume of [wake, wakePong]) {
      if (resume) {
        resume();
      }
    }

    wake = null;
    wakePong = null;
    resolve([code, reason.toString('utf8')]);
  });
});

let isOpen = false;
const opened = new Promise((resolve, reject) => {
  socket.on('open', () => {
    isOpen = true;
    resolve();
  });
  socket.on('error', (error) => {
    if (isOpen) {
      // An error once open (bad compressed data, say) is reported here; the close that follows ends the waits.
      process.stderr.write(`ERROR ${error.message}\n`);
    }

    reject(error);
  });
});

async function echo(data, isBinary) {
  socket.send(data, { binary: isBinary });
  const message = await nextMessage();
  const sent = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
  print(`EQUAL ${message.isBinary === isBinary && Buffer.compare(message.data, sent) === 0}`);
}

async function run() {
  await opened;
  switch (scenario) {
    case 'text':
      await echo(args[0], false);
      socket.close(1000, 'done');
      break;
    case 'binary':
      await echo(pattern(Number(args[0])), true);
      socket.close(1000, 'done');
      break;
    case 'large-text':
      await echo(largeText(Number(args[0])), false);
      socket.close(1000, 'done');
      break;
    case 'fragments': {
      const [text, a, b] = args;
      const bytes = Buffer.from(text, 'utf8');
      socket.send(bytes.subarray(0, Number(a)), { binary: false, fin: false });
      socket.send(bytes.subarray(Number(a), Number(b)), { binary: false, fin: false });
      socket.send(bytes.subarray(Number(b)), { binary: false, fin: true });
      await nextMessage();
      socket.send(`!fragment:${a}:${b}:${text}`);
      await nextMessage();
      socket.close(1000, 'done');
      break;
    }
    case 'ping': {
      const [ours, theirs] = args;
      socket.ping(ours);
      await pongWith(ours);
      socket.send(`!ping:${theirs}`);
      await nextMessage();
      await echo('after ping', false);
      socket.close(1000, 'done');
      break;
    }
    case 'close-by-server':
      socket.send(`!close:${args[0]}:${args[1]}`);
      break;
    case 'close-by-client':
      socket.close(Number(args[0]), args[1]);
      break;
    case 'sequence':
      for (const spec of args) {
        const [data, isBinary] = sequenceMessage(spec);
        await echo(data, isBinary);
      }

      socket.close(1000, 'done');
      break;
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }

  const [code, reason] = await closed;
  clearTimeout(timer);
  print(`CLOSE ${code} ${reason}`);
  process.exitCode = 0;
}

run().catch((error) => {
  clearTimeout(timer);
  process.stderr.write(`ERROR ${error.message}\n`);
  process.exit(2);
});
