// kernelsim web stepper: reads the embedded run (kernelsim/ui/html.py) and draws one step at a time.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("kernelsim-data").textContent);
  const S = D.strings, EV = D.events, STEPS = expand(D.steps), N = STEPS.length;
  const COLS = D.columns, LIM = D.limits;
  const $ = (id) => document.getElementById(id);
  const CHECKPOINT = 64;          // a full state is kept every CHECKPOINT steps; others are rebuilt from one

  function expand(stored) {          // a number in the stored list stands for that many unchanged steps
    const out = [];
    for (const item of stored) {
      if (typeof item === "number") for (let k = 0; k < item; k++) out.push({});
      else out.push(item);
    }
    return out;
  }

  // --- strings and events -------------------------------------------------------------------------------
  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function eventText(seq) {
    const e = EV[seq];
    if (!e) return "";
    if (e[3] < 0) return S[e[7]];
    const lits = D.templates[e[3]];
    let out = lits[0];
    for (let j = 1; j < lits.length; j++) out += S[e[6 + j]] + lits[j];
    return out;
  }
  const ev = (seq) => {
    const e = EV[seq];
    return e && {seq: seq, time: e[0], thread: S[e[1]], kind: S[e[2]], why: S[e[4]], file: e[5], line: e[6],
                 text: eventText(seq)};
  };
  const ms = (t) => Number(t).toFixed(3);
  function withRules(text) {          // rule ids in a why get their title on hover
    return esc(text).replace(/\b([A-FL][1-9][0-9]?)\b/g, (m) =>
      D.rules[m] ? `<abbr class="rule" title="${esc(m + ": " + D.rules[m])}">${m}</abbr>` : m);
  }

  // --- states: deltas applied from the nearest checkpoint ---------------------------------------------
  // A change is a new value, or a patch of a list: {l: new length, p: [[index, change of that item], ...]}.
  function patched(old, change) {
    if (change === null || typeof change !== "object" || Array.isArray(change)) return change;
    const items = (old || []).slice(0, change.l);
    for (const [i, sub] of change.p) items[i] = patched(old ? old[i] : undefined, sub);
    return items;
  }
  function apply(prev, delta) {
    const s = Object.assign({}, prev);
    s.seq = ("q" in delta) ? delta.q : prev.seq + 1;
    if ("n" in delta) s.notes = delta.n;
    for (const key of ["th", "po", "ir", "so", "lk", "se", "pl"]) {
      if (key in delta) s[key] = patched(prev[key], delta[key]);
    }
    return s;
  }
  const checkpoints = [];
  (function build() {
    let s = {seq: -1, notes: 0, th: [], po: [], ir: [], so: [], lk: [], se: [], pl: null};
    for (let i = 0; i < N; i++) {
      s = apply(s, STEPS[i]);
      if (i % CHECKPOINT === 0) checkpoints.push(s);
    }
  })();
  let cached = null;                   // [index, state] of the last state built
  function stateAt(i) {
    if (cached && cached[0] === i) return cached[1];
    let from, s;
    if (cached && cached[0] < i && i - cached[0] < CHECKPOINT) { from = cached[0]; s = cached[1]; }
    else { from = Math.floor(i / CHECKPOINT) * CHECKPOINT; s = checkpoints[from / CHECKPOINT]; }
    for (let j = from + 1; j <= i; j++) s = apply(s, STEPS[j]);
    cached = [i, s];
    return s;
  }
  const named = (key, row) => {        // a panel row as an object, by the column names the data carries
    const o = {};
    (COLS[key] || []).forEach((name, k) => { o[name] = row[k]; });
    return o;
  };
  const seqOf = (i) => stateAt(i).seq;

  // --- panels -------------------------------------------------------------------------------------------
  function panel(id, title, body, extra) {
    return `<section class="panel" id="${id}"><h2>${title}</h2>${body}</section>` + (extra || "");
  }
  function table(headers, rows, numeric) {
    const head = headers.map((h, k) => `<th${numeric && numeric[k] ? ' class="num"' : ""}>${esc(h)}</th>`).join("");
    return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
  }
  function banner(i, s) {
    const e = ev(s.seq);
    let html = `<div class="where">step ${i + 1}/${N} · t = ${e ? ms(e.time) : "0.000"} ms</div>`;
    if (e) {
      const who = e.thread !== "-" && !e.text.startsWith(e.thread) ? `${esc(e.thread)}: ` : "";
      html += `<div class="event" id="current-event">▶ ${who}${esc(e.text)}</div>`;
      if (e.why) html += `<div class="why">why: ${withRules(e.why)}</div>`;
    }
    return html;
  }
  function threads(s) {
    const rows = s.th.map((r) => {
      const t = named("th", r), waiting = t.state === "waiting";
      return `<tr class="${t.state === "terminated" ? "terminated" : ""}"><td>${esc(t.name)}</td>` +
        `<td class="state-${esc(t.state)}">${esc(t.state)}</td><td>${waiting ? esc(t.waits_on) : ""}</td>` +
        `<td>${waiting ? (t.alertable ? "yes" : "no") : ""}</td><td>${esc(t.port)}</td>` +
        `<td class="num">${t.line || ""}</td><td>${esc((t.apcs || []).join(" → "))}</td></tr>`;
    });
    if (!rows.length) rows.push('<tr><td class="dim">(none)</td></tr>');
    return panel("p-threads", "threads",
      table(["thread", "state", "waits on", "alertable", "port", "line", "APC queue (oldest first)"], rows,
            [0, 0, 0, 0, 0, 1, 0]));
  }
  function ports(s) {
    return s.po.map((r) => {
      const p = named("po", r);
      const cls = p.current > p.maximum ? "count-over" : p.current === p.maximum ? "count-full" : "count-ok";
      let head = `port ${esc(p.handle)} <span class="${cls}">running ${p.current}/${p.maximum}</span>` +
        ' <span class="dim">(CurrentCount/MaximumCount)</span>';
      if (p.current > p.maximum) head += ' <span class="bad">over maximum (A6)</span>';
      if (p.closed) head += ' <span class="bad">closed</span>';
      const n = Math.max(p.packets.length, p.waiters.length, 1), rows = [];
      for (let k = 0; k < n; k++) {
        const packet = k < p.packets.length
          ? `<span class="${k === 0 ? "next" : ""}">${k + 1}. ${esc(p.packets[k])}${k === 0 ? "  ← next" : ""}</span>`
          : (k === 0 ? '<span class="dim">(empty)</span>' : "");
        const waiter = k < p.waiters.length
          ? `<span class="${k === 0 ? "next state-waiting" : "state-waiting"}">${esc(p.waiters[k])}` +
            `${k === 0 ? "  ← released next" : ""}</span>`
          : (k === 0 ? '<span class="dim">(none)</span>' : "");
        rows.push(`<tr><td>${packet}</td><td>${waiter}</td></tr>`);
      }
      return `<section class="panel port" id="p-port-${esc(p.handle)}"><h2 class="port-head">${head}</h2>` +
        table(["packets (FIFO: next out first)",
               p.lifo === 0 ? "waiters (FIFO: oldest first (Wine 8))" : "waiters (stack: newest on top)"], rows) +
        "</section>";
    }).join("");
  }
  function irps(s) {
    if (!s.ir.length) return "";
    const shown = s.ir.slice(0, LIM.irp_rows).map((r) => {
      const q = named("ir", r);
      return `<tr><td class="num">${q.id}</td><td>${esc(q.op)}</td><td>${esc(q.thread)}</td>` +
        `<td class="num">${q.socket}</td><td>${esc(q.state)}</td><td class="num">${q.pages}</td>` +
        `<td class="num">${q.nbytes}</td></tr>`;
    });
    let caption = "";
    if (s.ir.length > LIM.irp_rows) {
      const rest = s.ir.slice(LIM.irp_rows).map((r) => named("ir", r)), counts = {};
      let pages = 0;
      for (const q of rest) { counts[q.state] = (counts[q.state] || 0) + 1; pages += q.pages; }
      caption = `<div class="dim">… ${rest.length} more: ` +
        Object.entries(counts).map(([st, c]) => `${c} ${esc(st)}`).join(", ") + `; ${pages} pages locked</div>`;
    }
    return panel("p-irps", `IRPs <span class="count">(${s.ir.length} live)</span>`,
      table(["irp", "op", "thread", "socket", "state", "pages locked", "bytes"], shown, [1, 0, 0, 1, 0, 1, 1]) +
      caption);
  }
  function sockets(s) {
    if (!s.so.length) return "";
    const rows = s.so.map((r) => {
      const k = named("so", r);
      return `<tr><td class="num">${k.handle}</td><td>${esc(k.state)}</td><td class="num">${k.buffered} B</td>` +
        `<td class="num">${k.send_queued} B</td><td class="num">${k.port || ""}</td></tr>`;
    });
    return panel("p-sockets", "sockets",
      table(["socket", "state", "received, unread", "send queued", "port"], rows, [1, 0, 1, 1, 1]));
  }
  function locks(s) {
    if (!s.lk.length) return "";
    const rows = s.lk.map((r) => {
      const k = named("lk", r), held = k.state === "held", gone = k.state === "deleted";
      return `<tr class="${gone ? "terminated" : ""}"><td>${esc(k.name)}</td>` +
        `<td class="${held ? "next state-ready" : ""}">${esc(k.state)}</td><td>${esc(k.owner)}</td>` +
        `<td class="num">${k.owner && k.kind === "critical section" ? k.recursion : ""}</td>` +
        `<td>${esc((k.readers || []).join(", "))}</td>` +
        `<td class="state-waiting">${esc((k.waiters || []).join(" → "))}</td>` +
        `<td>${esc((k.woken || []).join(", "))}</td></tr>`;
    });
    return panel("p-locks", "locks",
      table(["lock", "state", "owner", "recursion", "readers", "waiters (longest first)", "woken"], rows,
            [0, 0, 0, 1, 0, 0, 0]));
  }
  function sessions(s) {
    if (!s.se.length) return "";
    const rows = s.se.map((r) => {
      const o = named("se", r), free = o.released && o.id === "-";
      const sock = o.sock >= 0 && o.sock < (1 << 24) ? o.sock : "-";
      return `<tr class="${free ? "terminated" : ""}"><td>${esc(o.id)}</td><td class="num">${o.index}</td>` +
        `<td class="num">${o.generation}</td><td class="num">${sock}</td>` +
        `<td class="num${o.io_count ? " next" : ""}">${o.io_count}</td>` +
        `<td>${o.released ? '<span class="bad">YES</span>' : "no"}</td>` +
        `<td class="num${o.send_flag ? " next state-ready" : ""}">${o.send_flag}</td>` +
        `<td class="num">${esc(o.recv_used)}</td><td class="num">${esc(o.send_used)}</td>` +
        `<td>${esc((o.pending || []).join(", "))}</td></tr>`;
    });
    return panel("p-sessions",
      "sessions (netlib): IOCount, release flag, send flag, RecvQ/SendQ use, pending I/O",
      table(["id", "slot", "gen", "sock", "IOCount", "released", "send", "RecvQ", "SendQ", "pending"], rows,
            [0, 1, 1, 1, 1, 0, 1, 1, 1, 0]));
  }
  function level(used, limit) {
    if (!limit) return "ok";
    const f = used / limit;
    return f >= LIM.near ? "near" : f >= LIM.warn ? "warn" : "ok";
  }
  function amount(n, unit) {
    if (unit === "B") {
      for (const [size, name] of [[1 << 30, "GiB"], [1 << 20, "MiB"], [1 << 10, "KiB"]])
        if (n >= size) return (n / size).toFixed(1) + " " + name;
      return n + " B";
    }
    return String(n);
  }
  function gauge(id, label, used, limit, unit) {
    const lv = level(used, limit), f = limit ? Math.min(used / limit, 1) : 0;
    return `<div class="gauge ${lv}" id="${id}"><span>${label}</span>` +
      `<div class="bar"><div class="fill" style="width:${(f * 100).toFixed(1)}%"></div></div>` +
      `<span class="mono">${amount(used, unit)}/${amount(limit, unit)} ${Math.round(f * 100)}%</span>` +
      (lv === "near" ? '<span class="label-near">NEAR LIMIT: WSAENOBUFS next (E3–E5)</span>' : "") + "</div>";
  }
  function memory(s) {
    if (!s.pl) return "";
    const p = named("pl", s.pl);
    return panel("p-memory", "memory",
      gauge("g-npp", "non-paged pool", p.npp_bytes, p.npp_limit, "B") +
      gauge("g-locked", "locked pages", p.locked_pages, p.locked_pages_limit, "pages"));
  }
  function source(s) {
    const e = ev(s.seq);
    let file = 0, line = 0;
    if (e && e.line && e.file >= 0 && D.sources[e.file] && D.sources[e.file].length) { file = e.file; line = e.line; }
    const lines = D.sources[file] || [];
    if (!lines.length) return panel("p-source", "source", '<div class="dim">(no source)</div>');
    const digits = String(lines.length).length;
    const body = lines.map((text, k) => {
      const n = k + 1, num = String(n).padStart(digits, " ");
      return n === line
        ? `<span class="here" id="source-here">▶${num} ${esc(text)}</span>`
        : `<span class="ln"> ${num} </span>${esc(text)}`;
    }).join("\n");
    const title = line ? `${esc(D.files[file])}, line ${line}`
      : `${esc(D.files[file])} <span class="dim">(this event has no line of its own)</span>`;
    return panel("p-source", title, `<pre class="source" id="source">${body}</pre>`);
  }
  function where(e) {
    if (!e.line || e.file < 0) return "";
    return e.file === 0 ? String(e.line) : `${D.files[e.file].split("/").pop()}:${e.line}`;
  }
  function log(s) {
    const seq = s.seq, lo = Math.max(0, seq - LIM.log_rows + 1), rows = [];
    for (let q = lo; q <= seq; q++) {
      const e = ev(q);
      if (!e) continue;
      rows.push(`<tr data-seq="${q}" class="${q === seq ? "current" : ""}"><td>${q === seq ? "▶" : ""}</td>` +
        `<td class="num">${ms(e.time)}</td><td>${esc(e.thread)}</td><td class="where">${esc(where(e))}</td>` +
        `<td>${esc(e.text)}</td><td class="why">${withRules(e.why)}</td></tr>`);
    }
    const hidden = lo;
    return panel("p-log", "event log" + (hidden ? ` <span class="count">(${hidden} earlier)</span>` : ""),
      `<table id="log"><thead><tr><th></th><th class="num">time ms</th><th>thread</th><th>line</th>` +
      `<th>event</th><th>why</th></tr></thead><tbody>${rows.join("")}</tbody></table>`);
  }
  function notes(s) {
    if (!s.notes) return "";
    const rows = D.notes.slice(0, s.notes).map((n) =>
      `<tr><td class="num">${ms(n[0])}</td><td>${esc(n[1])}</td><td>${esc(n[2])}</td></tr>`);
    return panel("p-notes", "notes", table(["time ms", "thread", "note"], rows, [1, 0, 0]));
  }
  function unrecorded() {
    return panel("p-unrecorded", "state not recorded",
      "<i>This run kept no snapshots (CONFIG snapshots=False: too many objects to copy at every step), " +
      "so only the event log and the source step.</i>");
  }

  // --- position, drawing, permalink -----------------------------------------------------------------------
  let index = 0, lastQuery = "";
  function draw() {
    const s = stateAt(index);
    $("banner").innerHTML = banner(index, s);
    $("state").innerHTML = D.recorded
      ? threads(s) + ports(s) + irps(s) + sockets(s) + locks(s) + sessions(s) + memory(s)
      : unrecorded();
    $("story").innerHTML = source(s) + log(s) + notes(s);
    const here = $("source-here"), pre = $("source");
    if (here && pre) pre.scrollTop = Math.max(0, here.offsetTop - pre.offsetTop - pre.clientHeight / 2);
    $("slider").value = String(index + 1);
    $("position").textContent = `step ${index + 1}/${N}`;
    document.body.dataset.step = String(index + 1);
    const hash = "#step=" + (index + 1) + (chosenTheme ? "&theme=" + chosenTheme : "");
    $("permalink").href = hash;
    if (location.hash !== hash) {
      try { history.replaceState(null, "", hash); } catch (err) { /* some viewers forbid it */ }
    }
  }
  function go(i, message) {
    index = Math.max(0, Math.min(N - 1, i));
    say(message || "");
    draw();
  }
  function say(text) { $("message").textContent = text; }

  function matches(q, needle) {
    const e = ev(seqOf(q));
    return e && (e.text.toLowerCase().includes(needle) || (e.why || "").toLowerCase().includes(needle));
  }
  function search(query, direction) {
    const needle = query.trim().toLowerCase();
    if (!needle) return;
    lastQuery = query;
    for (let k = 1; k <= N; k++) {
      const i = ((index + direction * k) % N + N) % N;
      if (matches(i, needle)) {
        const wrapped = direction > 0 ? i <= index : i >= index;
        go(i, wrapped ? `search wrapped around: step ${i + 1}` : "");
        return;
      }
    }
    say(`no event mentions "${query}"`);
  }
  function gotoSpec(spec) {
    spec = spec.trim();
    let m;
    if ((m = spec.match(/^-?\d+$/))) {
      const n = parseInt(spec, 10), i = n > 0 ? n - 1 : N + n;
      if (i < 0 || i >= N) { say(`no step ${spec}: the run has ${N} steps`); return; }
      go(i);
    } else if ((m = spec.match(/^t\s*=?\s*([0-9.]+)\s*(ms)?$/i) || spec.match(/^([0-9.]+)\s*ms$/i))) {
      const t = parseFloat(m[1]);
      for (let i = 0; i < N; i++) {
        const e = ev(seqOf(i));
        if (e && e.time >= t - 1e-9) { go(i); return; }
      }
      go(N - 1, `nothing happens at or after ${t} ms: the last step`);
    } else if (spec) {
      const needle = spec.toLowerCase();
      for (let i = 0; i < N; i++) if (matches(i, needle)) { go(i); return; }
      say(`no event mentions "${spec}"`);
    }
  }
  function fromHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const theme = params.get("theme");
    if (theme === "light" || theme === "dark") setTheme(theme, false);
    const step = parseInt(params.get("step"), 10);
    if (!isNaN(step)) {
      const i = step > 0 ? step - 1 : N + step;
      if (i !== index && i >= 0 && i < N) { index = i; draw(); }
      else if (i < 0 || i >= N) say(`no step ${step} in this run: showing step ${index + 1}`);
    }
  }

  // --- theme ----------------------------------------------------------------------------------------------
  let chosenTheme = "";
  function setTheme(theme, remember) {
    document.documentElement.dataset.theme = theme;
    if (remember) {
      chosenTheme = theme;
      try { localStorage.setItem("kernelsim-theme", theme); } catch (err) { /* file:// may forbid it */ }
    } else if (theme) {
      chosenTheme = theme;
    }
  }
  function initialTheme() {
    let stored = null;
    try { stored = localStorage.getItem("kernelsim-theme"); } catch (err) { stored = null; }
    const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    document.documentElement.dataset.theme = stored || (dark ? "dark" : "light");
  }

  // --- header and wiring ----------------------------------------------------------------------------------
  function header() {
    const m = D.meta;
    $("title").textContent = `${m.scenario} — ${m.title}`;
    const verdict = $("verdict");
    if (!m.checked) verdict.textContent = "";
    else if (m.passed) { verdict.textContent = "· check passed"; verdict.className = "passed"; }
    else { verdict.textContent = "· check FAILED"; verdict.className = "failed"; }
    const bits = [`seed ${m.seed}`, `profile ${esc(m.profile)}`];
    if (m.cpus) bits.push(`${m.cpus} CPUs`);
    bits.push(`schedule <code>${esc(m.schedule || "(no choices)")}</code>`);
    for (const [k, v] of Object.entries(m.variant || {})) bits.push(`${esc(k)} = ${esc(v)}`);
    let html = bits.join(" · ");
    if (m.teaches) html += `<div>teaches: 「${esc(m.teaches)}」</div>`;
    for (const f of m.failures) html += `<div class="bad">FAILED: ${esc(f)}</div>`;
    html += `<div>replay: <code id="replay">${esc(m.replay)}</code></div>`;
    $("meta").innerHTML = html;
    $("slider").max = String(N);
  }
  function wire() {
    $("first").onclick = () => go(0);
    $("prev").onclick = () => go(index - 1);
    $("next").onclick = () => go(index + 1);
    $("last").onclick = () => go(N - 1);
    $("slider").oninput = (e) => go(parseInt(e.target.value, 10) - 1);
    $("theme").onclick = () => {
      setTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark", true);
      draw();
    };
    $("help-button").onclick = () => { $("help").hidden = !$("help").hidden; };
    $("search").addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); search(e.target.value, e.shiftKey ? -1 : 1); }
      else if (e.key === "Escape") e.target.blur();
    });
    $("goto").addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); gotoSpec(e.target.value); e.target.blur(); }
      else if (e.key === "Escape") e.target.blur();
    });
    $("story").addEventListener("click", (e) => {
      const row = e.target.closest("#log tr[data-seq]");
      if (!row) return;
      const seq = parseInt(row.dataset.seq, 10);
      for (let i = index; i >= 0; i--) if (seqOf(i) === seq) { go(i); return; }
    });
    window.addEventListener("hashchange", fromHash);
    document.addEventListener("keydown", (e) => {
      const tag = (e.target && e.target.tagName) || "";
      if (tag === "INPUT" && e.target.type !== "range") return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const keys = {
        ArrowRight: () => go(index + 1), l: () => go(index + 1), " ": () => go(index + 1),
        ArrowLeft: () => go(index - 1), h: () => go(index - 1),
        PageDown: () => go(index + 10), PageUp: () => go(index - 10),
        Home: () => go(0), End: () => go(N - 1),
        "/": () => { $("search").focus(); $("search").select(); },
        g: () => { $("goto").value = ""; $("goto").focus(); },
        n: () => search(lastQuery || $("search").value, 1), N: () => search(lastQuery || $("search").value, -1),
        d: () => $("theme").click(), "?": () => $("help-button").click(),
      };
      const act = keys[e.key];
      if (act) { e.preventDefault(); act(); }
    });
  }

  initialTheme();
  header();
  wire();
  if (!N) { $("banner").textContent = "This run recorded no steps."; return; }
  index = Math.max(0, Math.min(N - 1, D.start || 0));
  fromHash();
  draw();
})();
