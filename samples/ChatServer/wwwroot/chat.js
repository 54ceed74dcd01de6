// The chat page: one WebSocket to /chat?room=NAME, the JSON protocol of PROTOCOL.md, and reconnection with backoff.
// Every message goes out with an id of its own; until the room's copy of it (or a duplicate) comes back, it is kept and,
// after a reconnection, sent again with the same id: the server stores it once, and the page shows each id once. The
// scrollback survives a reconnection, and the history that comes back fills in what was missed (chat-view.js). While
// the page is not in the room, Send is off and the message box keeps what was typed.
// Every string from the server is shown with textContent, never parsed as HTML.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const view = window.ChatView;
  const typing = window.ChatTyping;
  const status = $('status');
  const notice = $('notice');
  const input = $('text');
  const sendButton = $('send').querySelector('button');
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
  let waitingShown = false;   // the notice says a message of ours is taking a while

  // The status line, and its state for scripts and tests: idle, connecting, joined or reconnecting.
  function setStatus(text, state) {
    status.textContent = text;
    status.dataset.state = state;
  }
  function showNotice(text) { notice.textContent = text || ''; }

  // Send works only in the room; outside it the outbox line says why, and what waits to be sent again.
  function updateOutbox() {
    sendButton.disabled = !joinedAs;
    const waiting = unconfirmed.size === 0 ? ''
      : ` ${unconfirmed.size} sent message${unconfirmed.size === 1 ? '' : 's'} will be sent again once it is back.`;
    $('outbox').textContent = joinedAs || !wanted ? ''
      : `Not connected: Send is off until the chat is back; what you type stays here.${waiting}`;
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

  function send(message) { socket.send(JSON.stringify(message)); }

  function showRoom(inRoom) {
    $('join').hidden = inRoom;
    $('chat').hidden = !inRoom;
    $('leave').hidden = !inRoom;
    $('switch').hidden = !inRoom;
  }

  // The address says where the page is, so a reload or a shared link joins the same room at once.
  function setAddress(room, name) {
    const query = room ? `?${new URLSearchParams({ room, name })}` : '';
    history.replaceState(null, '', location.pathname + query);
  }

  // The socket of a room the page left, or of a failed try, must go quiet.
  function dropSocket(code, reason) {
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.close(code, reason);
    socket = null;
  }

  function handle(message) {
    switch (message.type) {
      case 'joined': {
        const first = !reconnecting;
        joinedAs = message.name;
        retryDelay = 1000;
        reconnecting = false;
        showNotice('');
        view.setSelf(message.name);
        view.setMembers(message.members);
        showRoom(true);
        $('switch-room').value = message.room;
        setStatus(`${message.name} in ${message.room}`, 'joined');
        setAddress(message.room, message.name);
        updateOutbox();
        if (first) input.focus();
        break;
      }
      case 'history':
        for (const entry of message.messages) confirm(entry);
        view.mergeHistory(message.messages);
        // What is still unconfirmed went out on a connection now gone, and may or may not have arrived: again, with
        // the same ids (one that did arrive comes back as a duplicate, and is not stored twice).
        for (const [id, text] of unconfirmed) send({ type: 'message', text, id });
        updateOutbox();
        break;
      case 'message':
        confirm(message);
        typing.stopped(message.from);
        view.addMessage(message);
        break;
      case 'typing':
        if (message.name !== joinedAs) typing.heard(message.name);
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
        view.changeMembers(message.event, message.name);
        if (message.event !== 'join') typing.stopped(message.name);
        view.addNotice(`${message.name} ${message.event === 'join' ? 'joined' : 'left'}`);
        break;
      case 'error':
        if (typeof message.id === 'string' && unconfirmed.has(message.id)) {
          // A message of ours was refused: it was not stored, and will not be. Give its text back to send again.
          const text = unconfirmed.get(message.id);
          unconfirmed.delete(message.id);
          waitingShown = false;
          if (!input.value) input.value = text;
        }
        showNotice(message.message);
        if (message.code === 'name-taken' || message.code === 'invalid-name') {
          stop(1000, 'pick another name');
          $('name').focus();
        }
        break;
    }
  }

  function connect() {
    if (!wanted) return;
    clearTimeout(retryTimer);
    dropSocket();
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${location.host}/chat?room=${encodeURIComponent(wanted.room)}`;
    const state = reconnecting ? 'reconnecting' : 'connecting';
    setStatus(`${state}…`, state);
    const current = new WebSocket(url);
    socket = current;
    current.onopen = () => {
      setStatus(`connected to ${wanted.room}, joining…`, state);
      send({ type: 'join', name: wanted.name });
    };
    current.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      handle(message);
    };
    current.onclose = (event) => {
      joinedAs = null;
      typing.clear();
      updateOutbox();
      if (!wanted) return;
      const why = event.reason ? `: ${event.reason}` : '';
      reconnecting = true;
      setStatus(`disconnected (${event.code}${why}); reconnecting in ${Math.round(retryDelay / 1000)} s`, 'reconnecting');
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  // Joins a room afresh: nothing of the last room stays on screen or waits to be sent there.
  function start(room, name) {
    dropSocket(1000, 'switching rooms');
    clearTimeout(retryTimer);
    wanted = { room, name };
    joinedAs = null;
    unconfirmed.clear();
    reconnecting = false;
    retryDelay = 1000;
    view.clear();
    typing.clear();
    showNotice('');
    connect();
  }

  // Leaves the room (the others see a leave) and goes back to the join form, the room and name filled in.
  function stop(code, reason) {
    clearTimeout(retryTimer);
    dropSocket(code, reason);
    wanted = null;
    joinedAs = null;
    unconfirmed.clear();
    reconnecting = false;
    typing.clear();
    showRoom(false);
    setStatus('not connected', 'idle');
    updateOutbox();
  }

  $('join').addEventListener('submit', (event) => {
    event.preventDefault();
    start($('room').value.trim() || 'lobby', $('name').value.trim());
  });

  $('leave').addEventListener('click', () => {
    stop(1000, 'left');
    view.clear();
    setAddress(null);
    $('room').focus();
  });

  $('switch').addEventListener('submit', (event) => {
    event.preventDefault();
    const room = $('switch-room').value.trim();
    if (!wanted || !room || room === wanted.room) return;
    $('room').value = room;
    start(room, wanted.name);
  });

  $('send').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input.value || !socket || socket.readyState !== WebSocket.OPEN || !joinedAs) return;
    sentCount += 1;
    const id = idPrefix + sentCount.toString(36);
    unconfirmed.set(id, input.value);
    send({ type: 'message', text: input.value, id });
    typing.sent();
    input.value = '';
  });

  input.addEventListener('input', () => {
    if (input.value && joinedAs && socket && socket.readyState === WebSocket.OPEN) {
      typing.typed(() => send({ type: 'typing' }));
    }
  });

  setStatus('not connected', 'idle');
  updateOutbox();
  const params = new URLSearchParams(location.search);
  if (params.get('room')) $('room').value = params.get('room');
  if (params.get('name')) $('name').value = params.get('name');
  // A link with both joins at once; the form checks them as if they had been typed.
  if (params.get('room') && params.get('name') && $('join').checkValidity()) $('join').requestSubmit();
})();
