// The dashboard's page: its views drawn from the JSON API, redrawn on each live snapshot. No framework, no CDN.
"use strict";

const state = { snapshot: null, previous: null, messages: null, topic: null, filter: "" };
const view = document.getElementById("view");
const live = document.getElementById("live");

const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const num = (value) => (value === null || value === undefined ? "–" : Number(value).toLocaleString("en-US"));
const bytes = (value) => {
  if (value === null || value === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = Number(value), u = 0;
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
  return u === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 2 : 1)} ${units[u]}`;
};
const table = (head, rows, attrs = "") =>
  `<table ${attrs}><thead><tr>${head.map((h) => `<th${h.num ? ' class="num"' : ""}>${esc(h.label ?? h)}</th>`).join("")}</tr></thead>` +
  `<tbody>${rows.join("") || `<tr><td colspan="${head.length}" class="muted">none</td></tr>`}</tbody></table>`;
const failed = (part) => part && part.error !== undefined;

function route() {
  const [, name = "topics", ...rest] = location.hash.split("/");
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.dataset.view === name));
  return { name, arg: rest.length ? decodeURIComponent(rest.join("/")) : null };
}

function render() {
  const { name, arg } = route();
  const s = state.snapshot;
  if (name === "messages") return renderMessages(arg);
  if (!s) { view.innerHTML = '<p class="muted">waiting for the first snapshot…</p>'; return; }
  if (name === "groups") return renderGroups(s.groups);
  if (name === "connectors") return renderConnectors(s.connectors);
  if (name === "alerts") return renderAlerts(s.alerts);
  if (name === "apps") return renderApps(s.apps);
  if (name === "temperature") return renderTemperature(s.temperature);
  if (name === "detection") return renderDetection(s.detection);
  renderTopics(s.topics);
}

function renderTopics(topics) {
  if (failed(topics)) { view.innerHTML = `<p class="error">${esc(topics.error)}</p>`; return; }
  view.innerHTML = "<h2>Topics</h2>" + table(
    ["Topic", { label: "Partitions", num: true }, { label: "Records", num: true }, { label: "Size", num: true },
      "Offsets per partition (earliest → latest, size)"],
    topics.map((t) => `<tr data-topic="${esc(t.name)}"><td><a href="#/messages/${encodeURIComponent(t.name)}">${esc(t.name)}</a></td>` +
      `<td class="num">${t.partitions.length}</td><td class="num records">${num(t.records)}</td>` +
      `<td class="num size" title="${esc(t.size ?? "")} bytes">${bytes(t.size)}</td>` +
      `<td>${t.partitions.map((p) => `${p.partition}: ${num(p.earliest)} → ${num(p.latest)}, ${bytes(p.size)}`).join(" · ")}</td></tr>`),
    'id="topics"');
}

function renderGroups(groups) {
  if (failed(groups)) { view.innerHTML = `<p class="error">${esc(groups.error)}</p>`; return; }
  view.innerHTML = "<h2>Consumer groups</h2>" + table(
    ["Group", "State", { label: "Members", num: true }, { label: "Lag", num: true }, "Per partition (committed / latest, lag)"],
    groups.map((g) => `<tr data-group="${esc(g.name)}"><td>${esc(g.name)}</td><td class="state-${esc(g.state)}">${esc(g.state)}</td>` +
      `<td class="num">${g.members}</td><td class="num lag">${g.partitions.length ? num(g.lag) : "–"}</td>` +
      `<td class="offsets">${g.partitions.map((p) => `${esc(p.topic)}[${p.partition}]: ${num(p.committed)} / ${num(p.latest)}, lag ${num(p.lag)}`).join("<br>") ||
        '<span class="muted">no offsets committed yet</span>'}</td></tr>`),
    'id="groups"');
}

// The last action's outcome, kept across redraws.
let actionResult = "";

async function restartConnector(name) {
  actionResult = `restarting ${name}…`;
  render();
  try {
    const response = await fetch(`/api/connectors/${encodeURIComponent(name)}/restart`, { method: "POST", headers: { "X-Dashboard-Action": "1" } });
    const body = await response.json();
    actionResult = response.ok ? `${name}: restart accepted by Connect (${body.connectStatus})` : `${name}: ${body.error ?? `Connect answered ${body.connectStatus}: ${body.connect}`}`;
  } catch (error) {
    actionResult = `${name}: ${error}`;
  }
  render();
}

function renderConnectors(connectors) {
  if (failed(connectors)) { view.innerHTML = `<p class="error">${esc(connectors.error)}</p>`; return; }
  const actions = state.snapshot?.actions === true;
  view.innerHTML = "<h2>Connectors</h2>" +
    (actions ? `<p id="action-result" class="muted">${esc(actionResult)}</p>` : '<p class="muted">read-only (actions are off)</p>') +
    connectors.map((c) =>
    `<section data-connector="${esc(c.name)}"><h2>${esc(c.name)} <span class="state-${esc(c.state)}">${esc(c.state)}</span> <span class="muted">${esc(c.type ?? "")}</span>` +
    (actions ? ` <button class="restart" data-name="${esc(c.name)}">Restart</button>` : "") + "</h2>" +
    table(["Task", "State", "Trace"], c.tasks.map((t) => `<tr><td>${t.id}</td><td class="state-${esc(t.state)}">${esc(t.state)}</td><td><pre>${esc(t.trace ?? "")}</pre></td></tr>`)) +
    "<h2>Config</h2>" + table(["Key", "Value"], Object.entries(c.config).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="config-value">${esc(v)}</td></tr>`), 'class="config"') +
    "</section>").join("") + (connectors.length ? "" : '<p class="muted">no connectors</p>');
  view.querySelectorAll("button.restart").forEach((b) => { b.onclick = () => restartConnector(b.dataset.name); });
}

// Invocations per second between the last two snapshots.
function perSecond(app, fn) {
  const before = state.previous?.apps?.apps?.find((a) => a.name === app)?.functions?.find((f) => f.name === fn.name);
  if (!before) return "–";
  const seconds = (new Date(state.snapshot.at) - new Date(state.previous.at)) / 1000;
  if (seconds <= 0) return "–";
  const rate = (fn.invocations - before.invocations) / seconds;
  return rate < 10 ? rate.toFixed(1) : num(Math.round(rate));
}

function renderApps(apps) {
  if (!apps) {
    view.innerHTML = '<h2>Function apps</h2><p class="muted">The apps\' figures come with <code>cdc up</code>, which runs them on the local Functions host.</p>';
    return;
  }
  if (failed(apps)) { view.innerHTML = `<p class="error">${esc(apps.error)}</p>`; return; }
  view.innerHTML = apps.apps.map((a) => `<section data-app="${esc(a.name)}"><h2>${esc(a.name)} ${a.error ? `<span class="muted">${esc(a.error)}</span>` : ""}</h2>` +
    table(["Function", "Trigger", { label: "Invocations", num: true }, { label: "per second", num: true }, { label: "Failures", num: true }, "Last failure"],
      a.functions.map((f) => `<tr data-function="${esc(f.name)}"><td>${esc(f.name)}</td><td>${esc(f.trigger)}</td>` +
        `<td class="num invocations">${num(f.invocations)}</td><td class="num">${perSecond(a.name, f)}</td>` +
        `<td class="num failures">${num(f.failures)}</td><td>${f.lastFailure ? `${esc(f.lastFailedAt)}: ${esc(f.lastFailure)}` : ""}</td></tr>`)) +
    "</section>").join("") +
    `<h2>Dead letters <span class="muted">(${num(apps.deadLettered)}; the host's table, newest first)</span></h2>` + table(
      ["Failed at", "Function", "Topic", { label: "Partition", num: true }, { label: "Offset", num: true }, "Reason"],
      apps.deadLetters.map((d) => `<tr class="dead-letter"><td>${esc(d.failedAt)}</td><td>${esc(d.function)}</td><td>${esc(d.topic)}</td>` +
        `<td class="num">${d.partition}</td><td class="num">${num(d.offset)}</td><td><pre>${esc(d.error)}</pre></td></tr>`),
      'id="dead-letters"');
}

// The 10-minute averages as a line, with the band between each window's minimum and maximum; drawn as SVG by hand.
function renderTemperature(windows) {
  const title = "<h2>Temperature <span class=\"muted\">(the Temperature app's 10-minute averages, Activity 2)</span></h2>";
  if (failed(windows)) { view.innerHTML = title + `<p class="error">${esc(windows.error)}</p>`; return; }
  const filled = Array.isArray(windows) ? windows.filter((w) => w.average !== null) : [];
  if (!filled.length) {
    view.innerHTML = title + '<p class="muted">No averages yet: <code>./run.sh</code> runs the Temperature app, which writes them to office_db.</p>';
    return;
  }
  const width = 1000, height = 320, pad = 40;
  const t0 = new Date(filled[0].start).getTime(), t1 = Math.max(new Date(filled[filled.length - 1].start).getTime(), t0 + 1);
  const lo = Math.floor(Math.min(...filled.map((w) => w.minimum ?? w.average))) - 1;
  const hi = Math.ceil(Math.max(...filled.map((w) => w.maximum ?? w.average))) + 1;
  const x = (w) => pad + ((new Date(w.start).getTime() - t0) / (t1 - t0)) * (width - 2 * pad);
  const y = (v) => height - pad - ((v - lo) / (hi - lo)) * (height - 2 * pad);
  const line = filled.map((w, i) => `${i ? "L" : "M"}${x(w).toFixed(1)},${y(w.average).toFixed(1)}`).join(" ");
  const band = filled.map((w, i) => `${i ? "L" : "M"}${x(w).toFixed(1)},${y(w.maximum ?? w.average).toFixed(1)}`).join(" ") + " " +
    [...filled].reverse().map((w) => `L${x(w).toFixed(1)},${y(w.minimum ?? w.average).toFixed(1)}`).join(" ") + " Z";
  const ticks = [lo, (lo + hi) / 2, hi].map((v) => `<text x="4" y="${y(v) + 4}" class="axis">${v.toFixed(1)} °C</text>`).join("");
  const last = filled[filled.length - 1];
  view.innerHTML = title +
    `<svg id="temperature" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="temperature averages">` +
    `<path class="band" d="${band}"/><path class="average" d="${line}"/>${ticks}` +
    filled.map((w) => `<circle class="point" cx="${x(w).toFixed(1)}" cy="${y(w.average).toFixed(1)}" r="3"><title>${esc(w.start)}: ${w.average} °C (${w.readings} readings)</title></circle>`).join("") +
    `<text x="${pad}" y="${height - 10}" class="axis">${esc(new Date(t0).toLocaleString())}</text>` +
    `<text x="${width - pad}" y="${height - 10}" class="axis" text-anchor="end">${esc(new Date(t1).toLocaleString())}</text></svg>` +
    `<p><span class="windows">${filled.length}</span> windows; the newest, from ${esc(new Date(last.start).toLocaleTimeString())}: ` +
    `<strong class="latest">${last.average}</strong> °C (min ${last.minimum}, max ${last.maximum}, ${last.readings} readings).</p>`;
}

function renderAlerts(alerts) {
  if (failed(alerts)) { view.innerHTML = `<p class="error">${esc(alerts.error)}</p>`; return; }
  view.innerHTML = "<h2>Alerts <span class=\"muted\">(the agents' alerts topic, newest first, live)</span></h2>" + table(
    ["Published", "Agent", "User", "Transaction", { label: "Amount", num: true }, "Alert"],
    alerts.filter((m) => m.value).map((m) => `<tr class="alert" data-alert-id="${esc(m.value.alertId)}"><td>${esc(m.timestamp)}</td>` +
      `<td>${esc(m.value.agent)}</td><td class="num">${esc(m.value.userId)}</td><td class="num">${esc(m.value.transactionId)}</td>` +
      `<td class="num">${esc(m.value.amount)}</td><td>${esc(m.value.text)}</td></tr>`),
    'id="alerts"');
}

function renderDetection(detection) {
  if (!detection) {
    view.innerHTML = '<h2>Detection</h2><p class="muted">Precision and recall need the generator\'s labels: they come with <code>cdc up</code>.</p>';
    return;
  }
  const pct = (value) => (value === null || value === undefined ? "–" : value.toFixed(2));
  view.innerHTML = `<h2>Detection <span class="muted">(${num(detection.transactions)} transactions, ${num(detection.labelled)} labelled scenarios)</span></h2>` + table(
    ["Agent", { label: "Applied", num: true }, { label: "Lag", num: true }, { label: "Alerts", num: true }, { label: "Precision", num: true }, { label: "Recall", num: true }],
    detection.agents.map((a) => `<tr data-agent="${esc(a.agent)}"><td>${esc(a.agent)}</td><td class="num">${num(a.applied)}</td><td class="num">${num(a.lag)}</td>` +
      `<td class="num alerts">${num(a.alerts)}</td><td class="num precision">${pct(a.precision)}</td><td class="num recall">${pct(a.recall)}</td></tr>`),
    'id="detection"') + '<p class="muted">Precision: alerts on labelled fraud / alerts. Recall: labelled fraud older than 10 s that the agent alerted on / such fraud. ' +
    "By the seeds' rules, VelocityAgent's recall is one half: it never flags a spike.</p>";
}

async function loadMessages() {
  if (!state.topic) return;
  const query = new URLSearchParams({ limit: "50" });
  if (state.filter) query.set("filter", state.filter);
  const response = await fetch(`/api/topics/${encodeURIComponent(state.topic)}/messages?${query}`);
  state.messages = response.ok ? await response.json() : { error: (await response.json()).message };
}

function renderMessages(topic) {
  const topics = state.snapshot && !failed(state.snapshot.topics) ? state.snapshot.topics.map((t) => t.name) : [];
  if (topic && topic !== state.topic) { state.topic = topic; state.messages = null; loadMessages().then(render); }
  if (!topic && topics.length) { location.hash = `#/messages/${encodeURIComponent(topics[0])}`; return; }
  const focused = document.activeElement && document.activeElement.id === "filter";
  const messages = state.messages;
  view.innerHTML = `<h2>Messages</h2><div class="toolbar"><select id="topic">${topics.map((t) =>
    `<option ${t === topic ? "selected" : ""}>${esc(t)}</option>`).join("")}</select>` +
    `<input id="filter" placeholder="filter: key or value contains…" value="${esc(state.filter)}"><span class="muted">newest first, live</span></div>` +
    (messages === null ? '<p class="muted">loading…</p>' : failed(messages) ? `<p class="error">${esc(messages.error)}</p>` : table(
      ["Partition", "Offset", "Time", "Key", "Op", "Value", "Headers"],
      messages.map((m) => `<tr class="message"><td class="num">${m.partition}</td><td class="num">${num(m.offset)}</td><td>${esc(m.timestamp)}</td>` +
        `<td><pre>${esc(m.key)}</pre></td><td class="op">${esc(m.value?.op ?? "")}</td>` +
        `<td><pre>${esc(m.value ? JSON.stringify(m.value.after ?? m.value, null, 0) : m.text ?? "null (tombstone)")}</pre></td>` +
        `<td><pre>${esc(Object.entries(m.headers).map(([k, v]) => `${k}=${v}`).join("\n"))}</pre></td></tr>`),
      'id="messages"'));
  document.getElementById("topic").onchange = (e) => { location.hash = `#/messages/${encodeURIComponent(e.target.value)}`; };
  const filter = document.getElementById("filter");
  // Kept as typed, so that a live redraw does not lose it; applied on Enter or leaving the field.
  filter.oninput = () => { state.filter = filter.value; };
  filter.onchange = () => { state.filter = filter.value; loadMessages().then(render); };
  if (focused) filter.focus();
}

function connect() {
  const events = new EventSource("/api/live");
  events.addEventListener("snapshot", (e) => {
    state.previous = state.snapshot;
    state.snapshot = JSON.parse(e.data);
    live.textContent = `live · ${new Date(state.snapshot.at).toLocaleTimeString()}`;
    live.classList.add("on");
    if (route().name === "messages") loadMessages().then(render); else render();
  });
  events.onerror = () => { live.textContent = "reconnecting…"; live.classList.remove("on"); };
}

window.addEventListener("hashchange", render);
render();
connect();
