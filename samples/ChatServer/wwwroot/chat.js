// The chat page: one WebSocket to /chat?room=NAME, the JSON protocol of PROTOCOL.md, and reconnection with backoff.
// Every message goes out with an id of its own; until the room's copy of it (or a duplicate) comes back, it is kept and,
// after a reconnection, sent again with the same id: the server stores it once, and the page shows each id once.
// Every string from the server is shown with textContent, never parsed as HTML.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const status = $('status');
  const notice = $('notice');
  const messages = $('messages');
  const members = $('members');
  let socket = null;
  let joinedAs = null;
  let wanted = null;          // { room, name } once the user has asked to join
  let retryDelay = 1000;
  let retryTimer = null;
  let reconnecting = false;   // the connection was lost and the page is trying again by itself

  // Messages sent and not yet confirmed, by id, oldest first. Ids are this page's: a random prefix and a counter.
  const unconfirmed = new Map();
  const idPrefix = Math.random().toString(36).slice(2, 10) + '-';
  let sentCount = 0;
  // The sender and id of every line on screen, so that a line sent twice is shown once.
  const shown = new Set();
  let waitingShown = false;   // the notice says a message of ours is taking a while

  // The status line, and its state for scripts and tests: idle, connecting, joined or reconnecting.
  function setStatus(text, state) {
    status.textContent = text;
    status.dataset.state = state;
  }
  function showNotice(text) { notice.textContent = text || ''; }

  function addLine(className, parts) {
    const item = document.createElement('li');
    if (className) item.className = className;
    for (const [tag, cls, text, attrs] of parts) {
      const element = document.createElement(tag);
      if (cls) element.className = cls;
      element.textContent = text;
      for (const [key, value] of Object.entries(attrs || {})) element.setAttribute(key, value);
      item.appendChild(element);
    }
    const atBottom = messages.scrollTop + messages.clientHeight >= messages.scrollHeight - 4;
    messages.appendChild(item);
    while (messages.children.length > 500) {
      shown.delete(messages.firstChild.dataset.key);
      messages.removeChild(messages.firstChild);
    }
    if (atBottom) messages.scrollTop = messages.scrollHeight;
    return item;
  }

  function addMessage(entry) {
    const key = typeof entry.id === 'string' ? `${entry.from}\n${entry.id}` : null;
    if (key !== null && shown.has(key)) return;
    const time = new Date(entry.time);
    const item = addLine('message', [
      ['time', null, time.toLocaleTimeString(), { datetime: entry.time }],
      ['span', 'from', entry.from],
      ['span', 'text', entry.text],
    ]);
    if (key !== null) {
      shown.add(key);
      item.dataset.key = key;
    }
  }

  // The room has a message of ours: it is no longer ours to send.
  function confirm(entry) {
    if (entry.from === joinedAs && typeof entry.id === 'string') settle(entry.id);
  }

  function settle(id) {
    unconfirmed.delete(id);
    if (waitingShown && unconfirmed.size === 0) {
      waitingShown = false;
      showNotice('');
    }
  }

  function sendMessage(id, text) {
    socket.send(JSON.stringify({ type: 'message', text, id }));
  }

  function addNotice(text) { addLine('notice', [['span', null, text]]); }

  // The names in the room: the whole list comes with joined, then each presence says who came or went.
  let names = [];

  function setMembers(list) {
    names = [...list].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
    members.replaceChildren(...names.map((name) => {
      const item = document.createElement('li');
      item.textContent = name;
      return item;
    }));
  }

  function changeMembers(event, name) {
    const others = names.filter((member) => member !== name);
    setMembers(event === 'join' ? [...others, name] : others);
  }

  function connect() {
    if (!wanted) return;
    clearTimeout(retryTimer);
    if (socket) {
      // The previous socket (closed on a retry, maybe still connecting if the form was sent twice) must go quiet.
      socket.onopen = socket.onmessage = socket.onclose = null;
      socket.close();
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${location.host}/chat?room=${encodeURIComponent(wanted.room)}`;
    const state = reconnecting ? 'reconnecting' : 'connecting';
    setStatus(`${state}…`, state);
    socket = new WebSocket(url);
    socket.onopen = () => {
      setStatus(`connected to ${wanted.room}, joining…`, state);
      socket.send(JSON.stringify({ type: 'join', name: wanted.name }));
    };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      switch (message.type) {
        case 'joined':
          joinedAs = message.name;
          retryDelay = 1000;
          reconnecting = false;
          showNotice('');
          messages.replaceChildren();
          shown.clear();
          setMembers(message.members);
          $('join').hidden = true;
          $('chat').hidden = false;
          setStatus(`${message.name} in ${message.room}`, 'joined');
          $('text').focus();
          break;
        case 'history':
          for (const entry of message.messages) {
            confirm(entry);
            addMessage(entry);
          }
          // What is still unconfirmed went out on a connection now gone, and may or may not have arrived: again, with
          // the same ids (one that did arrive comes back as a duplicate, and is not stored twice).
          for (const [id, text] of unconfirmed) sendMessage(id, text);
          break;
        case 'message':
          confirm(message);
          addMessage(message);
          break;
        case 'duplicate':
          settle(message.id);
          break;
        case 'pending':
          waitingShown = message.request !== 'join';
          showNotice(message.request === 'join'
            ? 'Joining is taking a while: the chat\'s store is slow to answer.'
            : 'Sending is taking a while: the chat\'s store is slow to answer. The message will arrive, or you will be told.');
          break;
        case 'presence':
          changeMembers(message.event, message.name);
          addNotice(`${message.name} ${message.event === 'join' ? 'joined' : 'left'}`);
          break;
        case 'error':
          if (typeof message.id === 'string' && unconfirmed.has(message.id)) {
            // A message of ours was refused: it was not stored, and will not be. Give its text back to send again.
            const text = unconfirmed.get(message.id);
            unconfirmed.delete(message.id);
            waitingShown = false;
            const input = $('text');
            if (!input.value) input.value = text;
          }
          showNotice(message.message);
          if (message.code === 'name-taken' || message.code === 'invalid-name') {
            unconfirmed.clear();
            wanted = null;
            joinedAs = null;
            socket.close(1000, 'pick another name');
            $('join').hidden = false;
            $('chat').hidden = true;
            setStatus('not connected', 'idle');
          }
          break;
      }
    };
    socket.onclose = (event) => {
      joinedAs = null;
      if (!wanted) return;
      const why = event.reason ? `: ${event.reason}` : '';
      reconnecting = true;
      setStatus(`disconnected (${event.code}${why}); reconnecting in ${Math.round(retryDelay / 1000)} s`, 'reconnecting');
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  $('join').addEventListener('submit', (event) => {
    event.preventDefault();
    wanted = { room: $('room').value.trim() || 'lobby', name: $('name').value.trim() };
    unconfirmed.clear();
    reconnecting = false;
    retryDelay = 1000;
    showNotice('');
    connect();
  });

  $('send').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('text');
    if (!input.value || !socket || socket.readyState !== WebSocket.OPEN || !joinedAs) return;
    sentCount += 1;
    const id = idPrefix + sentCount.toString(36);
    unconfirmed.set(id, input.value);
    sendMessage(id, input.value);
    input.value = '';
  });

  const params = new URLSearchParams(location.search);
  if (params.get('room')) $('room').value = params.get('room');
  if (params.get('name')) $('name').value = params.get('name');
  setStatus('not connected', 'idle');
})();
