// The chat page's message list and member list: lines keyed by sender and id so that each is shown once, history merged
// into the scrollback in the room's order, date separators, the "new messages" divider and unread count while the tab is
// hidden, one colour per name, and announcements for screen readers. Every string is set with textContent.
'use strict';

window.ChatView = (function () {
  const $ = (id) => document.getElementById(id);
  const messages = $('messages');
  const members = $('members');
  const announcer = $('announcer');
  const baseTitle = document.title;
  const maxLines = 500;
  const shown = new Map();      // key -> line, for every message line on screen
  let self = null;              // the name this page joined as
  let unread = 0;               // lines from others since the tab was hidden
  let divider = null;           // the "new messages" line, once there is one

  // The same name gets the same colour on every screen: a hash of its UTF-16 code units (FNV-1a), one of 12 colours.
  const colours = 12;
  function colourOf(name) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) {
      hash ^= name.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return `name-${hash % colours}`;
  }

  // A line's key: its sender and id when it has one, else its sender, time and text (the server stamps every line).
  function keyOf(entry) {
    return typeof entry.id === 'string' ? `${entry.from}\n${entry.id}` : `${entry.from}\n${entry.time}\n${entry.text}`;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function atBottom() { return messages.scrollTop + messages.clientHeight >= messages.scrollHeight - 4; }

  // Keeps the list within maxLines, oldest first out, and follows the newest line if the reader was at the bottom.
  function afterChange(wasAtBottom) {
    while (messages.children.length > maxLines) {
      const first = messages.firstChild;
      if (first.dataset.key) shown.delete(first.dataset.key);
      if (first === divider) divider = null;
      first.remove();
    }
    markDates();
    if (wasAtBottom) messages.scrollTop = messages.scrollHeight;
  }

  function messageLine(entry) {
    const item = element('li', entry.from === self ? 'message own' : 'message');
    item.dataset.key = keyOf(entry);
    item.dataset.time = entry.time;
    const time = element('time', null, new Date(entry.time).toLocaleTimeString());
    time.setAttribute('datetime', entry.time);
    item.append(time, element('span', `from ${colourOf(entry.from)}`, entry.from), element('span', 'text', entry.text));
    shown.set(item.dataset.key, item);
    return item;
  }

  // A live line: appended, unless it is on screen already (a message sent again after a reconnection). True if shown.
  function addMessage(entry) {
    if (shown.has(keyOf(entry))) return false;
    const wasAtBottom = atBottom();
    const item = messageLine(entry);
    messages.appendChild(item);
    if (entry.from !== self) {
      noteUnread(item);
      announce(`${entry.from}: ${entry.text}`);
    }
    afterChange(wasAtBottom);
    return true;
  }

  // The room's history after a (re)join, oldest first. Lines already on screen stay where they are; each missing one goes
  // right after the history line before it, so what was missed while away fills its gap in the room's order.
  function mergeHistory(entries) {
    const wasAtBottom = atBottom();
    let anchor = null;
    for (const entry of entries) {
      const existing = shown.get(keyOf(entry));
      if (existing) {
        anchor = existing;
        continue;
      }
      const item = messageLine(entry);
      if (anchor) anchor.after(item);
      else messages.appendChild(item);
      anchor = item;
    }
    afterChange(wasAtBottom);
  }

  function addNotice(text) {
    const wasAtBottom = atBottom();
    const item = element('li', 'notice', text);
    item.dataset.time = new Date().toISOString();
    messages.appendChild(item);
    announce(text);
    afterChange(wasAtBottom);
  }

  // A separator before the first line of each day, in the reader's time zone: "Today", "Yesterday" or the date.
  function dayLabel(date) {
    const today = new Date();
    const day = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    const days = Math.round((day(today) - day(date)) / 86400000);
    if (days === 0) return 'Today';
    if (days === 1) return 'Yesterday';
    return date.toLocaleDateString(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
  }

  function markDates() {
    for (const old of messages.querySelectorAll('li.date')) old.remove();
    let last = null;
    for (const item of [...messages.children]) {
      if (!item.dataset.time) continue;
      const date = new Date(item.dataset.time);
      const day = date.toDateString();
      if (day === last) continue;
      last = day;
      const separator = element('li', 'date', dayLabel(date));
      separator.setAttribute('role', 'separator');
      // Before the "new messages" divider when that starts the day, so the date heads the day.
      const before = item.previousElementSibling === divider && divider ? divider : item;
      before.before(separator);
    }
  }

  // While the tab is hidden, lines from others are counted in the title, and the first is marked "New messages".
  function noteUnread(item) {
    if (!document.hidden) return;
    if (unread === 0) {
      if (divider) divider.remove();
      divider = element('li', 'unread', 'New messages');
      divider.setAttribute('role', 'separator');
      item.before(divider);
    }
    unread += 1;
    document.title = `(${unread}) ${baseTitle}`;
  }

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return;
    unread = 0;
    document.title = baseTitle;
    if (divider) divider.scrollIntoView({ block: 'center' });
  });

  // The polite live region reads each new line once; the list itself is not live, or a rejoin would read it all.
  function announce(text) { announcer.textContent = text; }

  // The names in the room, sorted, each in its colour, this page's own marked "(you)".
  let names = [];
  function setMembers(list) {
    names = [...list].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
    members.replaceChildren(...names.map((name) => {
      const item = element('li', colourOf(name), name);
      if (name === self) item.append(' ', element('span', 'you', '(you)'));
      return item;
    }));
  }

  function changeMembers(event, name) {
    const others = names.filter((member) => member !== name);
    setMembers(event === 'join' ? [...others, name] : others);
  }

  function setSelf(name) { self = name; }

  // Leaving the room: nothing of it stays on screen.
  function clear() {
    messages.replaceChildren();
    members.replaceChildren();
    shown.clear();
    names = [];
    divider = null;
    unread = 0;
    document.title = baseTitle;
  }

  return { colourOf, addMessage, mergeHistory, addNotice, setMembers, changeMembers, setSelf, clear, announce };
})();
