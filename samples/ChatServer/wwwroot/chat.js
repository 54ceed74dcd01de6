// The chat page: one WebSocket to /chat?room=NAME, the JSON protocol of PROTOCOL.md, and reconnection with backoff.
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
    while (messages.children.length > 500) messages.removeChild(messages.firstChild);
    if (atBottom) messages.scrollTop = messages.scrollHeight;
  }

  function addMessage(entry) {
    const time = new Date(entry.time);
    addLine('message', [
      ['time', null, time.toLocaleTimeString(), { datetime: entry.time }],
      ['span', 'from', entry.from],
      ['span', 'text', entry.text],
    ]);
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
          setMembers(message.members);
          $('join').hidden = true;
          $('chat').hidden = false;
          setStatus(`${message.name} in ${message.room}`, 'joined');
          $('text').focus();
          break;
        case 'history':
          for (const entry of message.messages) addMessage(entry);
          break;
        case 'message':
          addMessage(message);
          break;
        case 'presence':
          changeMembers(message.event, message.name);
          addNotice(`${message.name} ${message.event === 'join' ? 'joined' : 'left'}`);
          break;
        case 'error':
          showNotice(message.message);
          if (message.code === 'name-taken' || message.code === 'invalid-name') {
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
    reconnecting = false;
    retryDelay = 1000;
    showNotice('');
    connect();
  });

  $('send').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('text');
    if (!input.value || !socket || socket.readyState !== WebSocket.OPEN || !joinedAs) return;
    socket.send(JSON.stringify({ type: 'message', text: input.value }));
    input.value = '';
  });

  const params = new URLSearchParams(location.search);
  if (params.get('room')) $('room').value = params.get('room');
  if (params.get('name')) $('name').value = params.get('name');
  setStatus('not connected', 'idle');
})();
