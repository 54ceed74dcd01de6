// Typing indicators. Outgoing: while the reader types, at most one notice every few seconds (the server relays at most one
// a second per member anyway). Incoming: "bob is typing…" for a few seconds after each notice, gone by itself unless
// another comes; a line from that person, or their leaving, ends it at once.
'use strict';

window.ChatTyping = (function () {
  const sendEvery = 3000;   // ms between the notices this page sends while its reader keeps typing
  const showFor = 5000;     // ms an indicator lasts after its last notice: longer than sendEvery, so it does not flicker
  const line = document.getElementById('typing');
  const typing = new Map(); // name -> timer that ends its indicator
  let lastSent = -Infinity;

  function render() {
    const names = [...typing.keys()];
    line.textContent = names.length === 0 ? ''
      : names.length === 1 ? `${names[0]} is typing…`
        : names.length === 2 ? `${names[0]} and ${names[1]} are typing…`
          : `${names.length} people are typing…`;
  }

  // Someone is typing: show it, and drop it after showFor unless another notice comes first.
  function heard(name) {
    clearTimeout(typing.get(name));
    typing.set(name, setTimeout(() => stopped(name), showFor));
    render();
  }

  function stopped(name) {
    if (!typing.has(name)) return;
    clearTimeout(typing.get(name));
    typing.delete(name);
    render();
  }

  function clear() {
    for (const timer of typing.values()) clearTimeout(timer);
    typing.clear();
    render();
  }

  // The reader typed: sends a notice through send() unless one went out less than sendEvery ago.
  function typed(send) {
    const now = performance.now();
    if (now - lastSent < sendEvery) return;
    lastSent = now;
    send();
  }

  // The reader sent a message: their next keystroke starts a new notice (the others dropped the old one with the line).
  function sent() { lastSent = -Infinity; }

  return { heard, stopped, clear, typed, sent };
})();
