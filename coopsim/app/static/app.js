// The scenario explorer's page: controls for a scenario's settings, and the answers the
// server computes for them. No framework and nothing from the internet: every request goes
// to the server that sent this file.
"use strict";

const state = {
  client: Math.random().toString(36).slice(2, 12),
  lang: localStorage.getItem("coopsim-lang") || "en",
  scenario: null, // the scenario view
  committed: {}, // changes the server accepted: path -> text
  inflight: false,
  queued: null, // the newest change set not yet sent
  answer: null, // the answer view shown
  goal: null, // the last goal seek's answer
  words: {},
};
// For tests and benchmarks: how many answers were drawn, and the last one.
window.coopsim = { answers: 0, last: null, charts: 0 };

const $ = (id) => document.getElementById(id);
const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : `{${k}}`));
const word = (key, values = {}) => fmt(state.words[key] || key, values);

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const payload = await response.json();
  if (!response.ok) {
    const error = new Error(payload.error || response.statusText);
    error.payload = payload;
    throw error;
  }
  return payload;
}

function element(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function applyWords() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll("[data-word]")) {
    if (state.words[node.dataset.word]) node.textContent = state.words[node.dataset.word];
  }
}

// --- Scenario and its settings ------------------------------------------------------------

async function loadScenarios() {
  const listing = await api("api/scenarios");
  const select = $("scenario");
  select.replaceChildren();
  const groups = {};
  for (const item of listing.scenarios) {
    if (!groups[item.group]) groups[item.group] = element("optgroup", { "data-group": item.group });
    groups[item.group].append(element("option", { value: item.id, text: item.id }));
  }
  for (const group of Object.values(groups)) select.append(group);
  const wanted = new URLSearchParams(location.search).get("scenario");
  if (wanted && listing.scenarios.some((s) => s.id === wanted)) select.value = wanted;
}

async function openScenario(keepChanges = false) {
  const id = $("scenario").value;
  const query = new URLSearchParams({ id, lang: state.lang, client: state.client });
  $("status").textContent = state.words.computing || "…";
  const view = await api(`api/scenario?${query}`);
  state.scenario = view;
  state.words = view.words;
  if (!keepChanges) state.committed = {};
  $("title").textContent = view.title;
  $("description").textContent = view.description || "";
  for (const group of document.querySelectorAll("optgroup")) {
    group.label = word(group.dataset.group);
  }
  applyWords();
  drawLevers();
  drawGoalChoices();
  $("sources").innerHTML = view.sources; // built and escaped by the server (coopsim.brief)
  if (!$("export-name").value || !keepChanges) $("export-name").value = `${view.name}-changed`;
  requestAnswer(state.committed);
}

function drawLevers() {
  const holder = $("levers");
  holder.replaceChildren();
  for (const lever of state.scenario.levers) {
    const value = lever.path in state.committed ? state.committed[lever.path] : lever.value ?? "";
    const slider = element("input", {
      type: "range", min: String(lever.min), max: String(lever.max), step: String(lever.step),
      value: String(value === "" ? lever.min : value), "aria-label": lever.path,
    });
    const text = element("input", {
      type: "text", inputmode: "decimal", size: "9", value: String(value), "aria-label": lever.path,
      class: "value",
    });
    const reset = element("button", { type: "button", text: word("reset"), class: "reset" });
    const mark = element("span", { class: "goal-mark", hidden: true });
    const track = element("span", { class: "track" }, slider, mark);
    const refused = element("p", { class: "refused", role: "alert", hidden: true });
    const row = element(
      "div", { class: "lever", "data-path": lever.path },
      element("div", { class: "label" },
        element("code", { text: lever.path }), " ",
        element("span", { class: "muted", lang: "en", text: lever.description })),
      element("div", { class: "controls" }, track, text, reset),
      element("div", { class: "muted small", text: lever.note }),
      refused,
    );
    // A slider's positions are min + k * step; write them with the step's decimals.
    const decimals = Math.max(0, -Math.floor(Math.log10(lever.step)));
    slider.addEventListener("input", () => {
      text.value = String(Number(Number(slider.value).toFixed(decimals)));
      change(lever.path, text.value);
    });
    text.addEventListener("change", () => change(lever.path, text.value.trim()));
    reset.addEventListener("click", () => {
      const next = { ...state.committed };
      delete next[lever.path];
      text.value = String(lever.value ?? "");
      slider.value = String(lever.value ?? lever.min);
      requestAnswer(next);
    });
    holder.append(row);
  }
  markGoal();
}

function leverRow(path) {
  return document.querySelector(`.lever[data-path="${CSS.escape(path)}"]`);
}

function change(path, text) {
  requestAnswer({ ...(state.queued || state.committed), [path]: text });
}

// --- Answers ------------------------------------------------------------------------------

function requestAnswer(changes) {
  state.queued = changes;
  if (!state.inflight) sendQueued();
}

async function sendQueued() {
  const changes = state.queued;
  state.queued = null;
  if (changes === null) return;
  state.inflight = true;
  // A slow answer (a long exact computation) says so after a moment, over the old one.
  const busy = setTimeout(() => {
    $("answers").classList.add("busy");
    $("status").textContent = word("computing");
  }, 400);
  try {
    const view = await api("api/answer", {
      scenario: state.scenario.id, changes, lang: state.lang, client: state.client,
    });
    clearRefused(Object.keys(changes));
    state.committed = view.changes;
    drawAnswer(view);
  } catch (error) {
    showRefused(error, changes);
    if (state.answer) $("status").textContent = state.answer.status;
  } finally {
    clearTimeout(busy);
    $("answers").classList.remove("busy");
    state.inflight = false;
    if (state.queued !== null) sendQueued();
  }
}

function clearRefused(paths) {
  for (const path of paths) {
    const row = leverRow(path);
    if (row) {
      const box = row.querySelector(".refused");
      box.hidden = true;
      box.textContent = "";
      row.classList.remove("bad");
    }
  }
  $("problem").hidden = true;
}

function showRefused(error, changes) {
  const refused = (error.payload && error.payload.refused) || { "": error.message };
  for (const [path, message] of Object.entries(refused)) {
    const row = path ? leverRow(path) : null;
    if (row) {
      const box = row.querySelector(".refused");
      box.textContent = message;
      box.hidden = false;
      row.classList.add("bad");
    } else {
      $("problem").textContent = message;
      $("problem").hidden = false;
    }
  }
  const good = Object.keys(changes).filter((p) => !(p in refused));
  clearRefused(good.filter((p) => changes[p] === state.committed[p]));
}

function drawAnswer(view) {
  state.answer = view;
  $("status").textContent = view.state === "failed" ? word("failed", { reason: view.error }) : view.status;
  $("status").title = view.reason;
  const progress = $("progress");
  progress.hidden = view.final;
  if (!view.final && view.total) { progress.max = view.total; progress.value = view.done; }
  const body = $("table").tBodies[0];
  body.replaceChildren();
  for (const row of view.rows) {
    body.append(element("tr", { "data-target": row.name },
      element("td", {}, element("span", { text: row.text }), element("br"),
        element("code", { class: "small", text: row.name })),
      element("td", { class: "num probability", "data-probability": String(row.probability), text: row.shown }),
      element("td", { class: "num", text: row.interval }),
      element("td", { class: "num", text: row.before }),
      element("td", { class: "num", text: row.difference }),
    ));
  }
  $("changed").textContent = word("changed", { n: view.changed });
  $("command").textContent = view.command;
  drawCharts(view);
  document.body.dataset.answer = `${view.answer}:${view.version}`;
  window.coopsim.answers += 1;
  window.coopsim.last = view;
  document.dispatchEvent(new CustomEvent("coopsim:answer", { detail: view }));
  if (!view.final && view.state !== "failed" && view.state !== "cancelled") poll(view);
}

function drawCharts(view) {
  const holder = $("charts");
  const have = new Map([...holder.querySelectorAll("img")].map((img) => [img.dataset.metric, img]));
  const wanted = new Set(view.charts.map((c) => c.metric));
  for (const [metric, img] of have) if (!wanted.has(metric)) img.closest("figure").remove();
  for (const chart of view.charts) {
    let img = have.get(chart.metric);
    if (!img) {
      img = element("img", { "data-metric": chart.metric, width: "760", height: "440" });
      img.addEventListener("load", () => { window.coopsim.charts += 1; img.classList.remove("stale"); });
      holder.append(element("figure", {}, img));
    }
    if (img.getAttribute("src") !== chart.url) {
      img.classList.add("stale");
      img.src = chart.url;
    }
    img.alt = chart.alt;
  }
}

async function poll(view) {
  await new Promise((resolve) => setTimeout(resolve, 250));
  if (!state.answer || state.answer.answer !== view.answer || state.inflight) return;
  const next = await api(`api/answer/${view.answer}?lang=${state.lang}`);
  if (state.answer && state.answer.answer === next.answer) drawAnswer(next);
}

// --- What would it take ---------------------------------------------------------------------

function drawGoalChoices() {
  const target = $("goal-target");
  const lever = $("goal-lever");
  target.replaceChildren(...state.scenario.targets.map((t) => element("option", { value: t.name, text: t.text })));
  lever.replaceChildren(...state.scenario.levers.map((l) => element("option", { value: l.path, text: l.path })));
  $("goal-answer").textContent = "";
  $("goal-apply").hidden = true;
  state.goal = null;
}

async function runGoal() {
  $("goal-answer").textContent = word("goal_searching");
  $("goal-apply").hidden = true;
  try {
    const job = await api("api/goal", {
      scenario: state.scenario.id, changes: state.committed, client: state.client,
      target: $("goal-target").value, lever: $("goal-lever").value,
      probability: $("goal-probability").value.trim(),
    });
    const done = await waitForJob(job, (j) => {
      $("goal-answer").textContent = `${word("goal_searching")} ${j.done}`;
    });
    state.goal = done.goal;
    $("goal-answer").textContent = done.goal.text;
    $("goal-apply").hidden = false;
    markGoal();
  } catch (error) {
    $("goal-answer").textContent = error.message;
  }
}

function markGoal() {
  for (const mark of document.querySelectorAll(".goal-mark")) mark.hidden = true;
  const goal = state.goal;
  if (!goal) return;
  const lever = state.scenario.levers.find((l) => l.path === goal.lever);
  const row = leverRow(goal.lever);
  if (!lever || !row) return;
  const mark = row.querySelector(".goal-mark");
  const share = (goal.value - lever.min) / (lever.max - lever.min || 1);
  mark.style.left = `${Math.min(100, Math.max(0, 100 * share))}%`;
  mark.title = `${word("goal_mark")}: ${goal.value}`;
  mark.dataset.value = String(goal.value);
  mark.hidden = false;
}

async function waitForJob(job, onProgress) {
  for (;;) {
    if (job.state === "done") return job;
    if (job.state === "failed" || job.state === "cancelled") throw new Error(job.error || job.state);
    await new Promise((resolve) => setTimeout(resolve, 250));
    job = await api(`api/job/${job.job}?lang=${state.lang}`);
    onProgress(job);
  }
}

// --- Exports --------------------------------------------------------------------------------

async function runExport(kind) {
  const out = $("export-answer");
  out.textContent = kind === "brief" ? word("writing_brief") : "…";
  try {
    let done = await api("api/export", {
      scenario: state.scenario.id, changes: state.committed, client: state.client,
      name: $("export-name").value.trim(), kind, lang: state.lang,
    });
    if (done.job) done = await waitForJob(done, () => {});
    out.replaceChildren(word("exported", { file: "" }),
      element("a", { href: done.url, text: done.file, "data-file": done.file }));
    await loadScenarios().then(() => { $("scenario").value = state.scenario.id; });
  } catch (error) {
    out.textContent = error.message;
  }
}

// --- Start ----------------------------------------------------------------------------------

window.addEventListener("DOMContentLoaded", async () => {
  $("lang").value = state.lang;
  $("lang").addEventListener("change", () => {
    state.lang = $("lang").value;
    localStorage.setItem("coopsim-lang", state.lang);
    openScenario(true);
  });
  $("scenario").addEventListener("change", () => openScenario(false));
  $("reset-all").addEventListener("click", () => { state.committed = {}; drawLevers(); requestAnswer({}); });
  $("goal-run").addEventListener("click", runGoal);
  $("goal-apply").addEventListener("click", () => {
    if (!state.goal) return;
    const row = leverRow(state.goal.lever);
    row.querySelector("input.value").value = String(state.goal.value);
    row.querySelector("input[type=range]").value = String(state.goal.value);
    change(state.goal.lever, String(state.goal.value));
  });
  $("export-scenario").addEventListener("click", () => runExport("scenario"));
  $("export-brief").addEventListener("click", () => runExport("brief"));
  try {
    await loadScenarios();
    await openScenario();
  } catch (error) {
    $("problem").textContent = error.message;
    $("problem").hidden = false;
  }
});
