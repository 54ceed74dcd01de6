// Shared by the connection-level test peers (connection-client.js, connection-server.js): their command-line flags, and
// the JSON-like text the permessage-deflate tests send.
'use strict';

// Splits argv into the flags and the positional arguments. The only flag is --permessage-deflate=<json>: ws's
// perMessageDeflate options; without it permessage-deflate is off (false).
function parseFlags(argv) {
  let perMessageDeflate = false;
  const positional = [];
  for (const argument of argv) {
    if (argument.startsWith('--permessage-deflate=')) {
      perMessageDeflate = JSON.parse(argument.slice('--permessage-deflate='.length));
    } else if (argument.startsWith('--')) {
      throw new Error(`unknown flag ${argument}`);
    } else {
      positional.push(argument);
    }
  }

  return { perMessageDeflate, positional };
}

// The same text as ConnectionInterop.JsonText on the .NET side: exactly byteCount (at least 2) UTF-8 bytes, a JSON array
// of records padded with spaces before its closing bracket.
function jsonText(byteCount) {
  const parts = ['['];
  let length = 1;
  for (let i = 0; ; i++) {
    const record = `{"id":${i},"user":"user-${i}","email":"user-${i}@example.com","active":${i % 3 === 0},`
      + `"score":${(i * 7919) % 1000},"tags":["alpha","beta","gamma"],"city":"Zürich"},`;
    const recordLength = Buffer.byteLength(record, 'utf8');
    if (length + recordLength + 1 > byteCount) {
      break;
    }

    parts.push(record);
    length += recordLength;
  }

  parts.push(' '.repeat(byteCount - length - 1), ']');
  return parts.join('');
}

module.exports = { parseFlags, jsonText };
