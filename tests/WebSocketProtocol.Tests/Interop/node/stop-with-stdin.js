// Shared by the test servers: the .NET test holds this process's stdin open, so when the test ends (or dies) stdin closes
// and the server terminates its connections and exits, leaving no process behind.
'use strict';

module.exports = function stopWithStdin(server) {
  let stopping = false;
  function stop() {
    if (stopping) {
      return;
    }

    stopping = true;
    for (const client of server.clients) {
      client.terminate();
    }

    server.close(() => process.exit(0));
  }

  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
};
