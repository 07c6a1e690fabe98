// The chat page: one person's private chat with the bot, through the emulator's control API.
// Message text is only ever set with textContent, so nothing a bot or person sends becomes HTML.
"use strict";

const KIND_LABELS = {
  photo: "Photo", voice: "Voice message", video: "Video", sticker: "Sticker",
  document: "File", location: "Location", contact: "Contact",
};
const $ = (id) => document.getElementById(id);
let userId = null;
let version = -1;
let generation = 0;
let aborter = new AbortController();

function api(path, body) {
  const init = body === undefined ? { signal: aborter.signal } : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  return fetch(`/_emulator/users/${userId}/${path}`, init).then(async (response) => {
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  });
}

function say(text) { $("status").textContent = text; }

function timeOf(date) {
  return new Date(date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function renderMessage(message) {
  const item = document.createElement("li");
  item.className = `message ${message.from}` + (message.deleted ? " deleted" : "");
  item.dataset.messageId = message.message_id;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  const who = document.createElement("span");
  who.className = "visually-hidden";
  who.textContent = message.from === "bot" ? "Bot: " : "You: ";
  bubble.append(who);
  if (message.deleted) {
    bubble.append("Message deleted");
  } else if (message.text !== null) {
    // As Telegram does, each message takes its direction from its first strong letter, so
    // Arabic-script text reads right to left and English left to right.
    const text = document.createElement("span");
    text.className = "text";
    text.dir = "auto";
    text.textContent = message.text;
    bubble.append(text);
  } else {
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = KIND_LABELS[message.kind] || message.kind;
    bubble.append(kind);
  }
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = timeOf(message.date) + (message.edited && !message.deleted ? " · edited" : "");
  bubble.append(meta);
  if (message.from === "user" && message.text !== null && !message.deleted) {
    // People edit what they sent; the bot then gets an edited_message with the same id.
    const edit = document.createElement("button");
    edit.type = "button";
    edit.className = "edit";
    edit.textContent = "Edit";
    edit.setAttribute("aria-label", "Edit this message");
    edit.addEventListener("click", () => editMessage(message));
    bubble.append(edit);
  }
  item.append(bubble);
  if (message.buttons.length && !message.deleted) item.append(renderKeyboard(message.buttons));
  return item;
}

function renderKeyboard(rows) {
  const keyboard = document.createElement("div");
  keyboard.className = "keyboard";
  keyboard.setAttribute("role", "group");
  keyboard.setAttribute("aria-label", "Buttons");
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const element = document.createElement("button");
      element.type = "button";
      element.dir = "auto";
      element.textContent = button.text;
      if (button.callback_data !== undefined) {
        element.addEventListener("click", () => press(button.callback_data));
      } else if (button.url !== undefined) {
        element.addEventListener("click", () => say(`This button opens ${button.url}`));
      }
      line.append(element);
    }
    keyboard.append(line);
  }
  return keyboard;
}

function render(chat) {
  const list = $("messages");
  const pane = list.parentElement;
  const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
  list.replaceChildren(...chat.messages.map(renderMessage));
  if (atBottom) pane.scrollTop = pane.scrollHeight;
  if (chat.last_answer && chat.last_answer.text) say(chat.last_answer.text);
  else if (chat.blocked) say("This person has blocked the bot.");
  else if (!chat.messages.length) say("No messages yet. Say hello, or send /start.");
  else say("");
}

async function poll(mine) {
  while (mine === generation) {
    try {
      const chat = await api(`chat?since=${version}&wait=25`);
      if (mine !== generation) return;
      if (chat.version !== version) { version = chat.version; render(chat); }
    } catch (error) {
      if (mine !== generation) return;
      say(`Cannot reach the emulator (${error.message}); retrying…`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

function openChat(id) {
  aborter.abort();
  aborter = new AbortController();
  generation += 1;
  userId = id;
  version = -1;
  localStorage.setItem("lantern-emulator-user", id);
  $("user-id").value = id;
  $("messages").replaceChildren();
  say("Loading…");
  poll(generation);
}

async function send(body) {
  if (userId === null) return;
  try { await api("messages", body); } catch (error) { say(`Not sent: ${error.message}`); }
}

async function editMessage(message) {
  const text = window.prompt("Edit your message", message.text);
  if (text === null || !text.trim() || text === message.text) return;
  try { await api(`messages/${message.message_id}/edit`, { text }); } catch (error) {
    say(`Not edited: ${error.message}`);
  }
}

async function press(data) {
  try { await api("press", { data }); } catch (error) { say(`Button: ${error.message}`); }
}

$("user-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = $("user-id").value.trim();
  if (/^[0-9]{1,15}$/.test(value) && Number(value) > 0) openChat(value);
  else say("A user id is a positive whole number.");
});

$("send-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value;
  if (!text.trim()) return;
  $("text").value = "";
  send({ text });
});

$("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("send-form").requestSubmit();
  }
});

for (const button of document.querySelectorAll(".attach button")) {
  button.addEventListener("click", () => send({ [button.dataset.kind]: true }));
}

openChat(new URLSearchParams(location.search).get("user")
  || localStorage.getItem("lantern-emulator-user") || "1001");
