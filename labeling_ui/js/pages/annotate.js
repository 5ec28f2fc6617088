// The annotator's page: Start → item → label → Enter submits → next item.
// One request per item: submit?next=true answers the annotation and the next lease together; the
// old item is dimmed at once, the new one's media is fetched the moment the answer arrives and the
// item is swapped in when it is decoded. /next alone is asked only by Start, after a skip, and
// after a submit that was refused (409) or a server that does not answer `next`.
// Corrections: "My recent submissions" (annotate_history.js) reopens one of the annotator's own
// answers with the same tool; Enter saves it (PATCH /annotations/{id}), Shift+Enter cancels, and
// the lease that was on screen comes back as it was.
import * as api from '../api.js';
import * as store from '../store.js';
import { t } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { kindOf, toolOf } from '../kinds.js';
import { toast } from '../toast.js';
import { projectHeader, errorBox, emptyState, fmtPercent, loading, parseUtc } from './common.js';
import { describeError } from '../errors.js';
import { historyPanel } from './annotate_history.js';
import { payStrip, heartbeats } from './pay_strip.js';
import { dropDraft, saveDraft, takeDraft } from '../drafts.js';
import { suggestionBar, acceptKeyFor } from './suggestion.js';

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46a0a8', '#f032e6', '#808000', '#9a6324', '#000075'];

// Exposed for the browser tests and for anyone profiling the flow in devtools.
const metrics = (window.jinbiaoMetrics ||= { enterToInteractive: [], submitted: 0, shown: 0 });

// Time left on a lease: "9:59" under an hour; a rework lease (48 h) as "47 h 58 min", and one
// of more than two days as "3 d 4 h" (minutes:seconds would read "2878:14").
export function leaseLeft(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 3600) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  const hours = Math.floor(s / 3600);
  if (hours <= 48) return t('lease_left_hours', { h: hours, m: Math.floor((s % 3600) / 60) });
  return t('lease_left_days', { d: Math.floor(hours / 24), h: hours % 24 });
}
const isTyping = (el) => el && (el.isContentEditable || ['INPUT', 'TEXTAREA'].includes(el.tagName) || (el.tagName === 'SELECT'));

export async function renderAnnotate(root, { id }) {
  root.append(loading());
  let project; let kind; let results; // results: the kind's tool module (mount and the result functions)
  try {
    await ensureMe(); project = await loadProject(id);
    [kind, results] = await Promise.all([kindOf(project.kind), toolOf(project.kind)]);
  } catch (err) { root.replaceChildren(errorBox(err)); return undefined; }
  const labels = project.labels || [];
  const colorOf = (name) => {
    const i = labels.findIndex((l) => l.name === name);
    return i < 0 ? '#777777' : labels[i].color || PALETTE[i % PALETTE.length];
  };

  let phase = 'start';
  let tool = null;
  let shownAt = 0;
  let leaseTimer = null;
  let alive = true;
  let correcting = null; // the row of /me/annotations being changed, or null
  let heldResult = null; // the lease's unfinished result while a correction is open

  // ---- layout
  const stat = (key) => h('div', { class: 'stat' }, h('dt', {}, t(key)), h('dd', { dataset: { stat: key } }, '—'));
  const strip = h('dl', { class: 'strip', 'aria-label': t('done_today') }, stat('done_today'), stat('gold_accuracy'), stat('lease'));
  const stage = h('div', { class: 'stage', id: 'stage', tabindex: -1, 'aria-live': 'off' });
  const submitBtn = h('button', { type: 'button', class: 'primary', 'aria-keyshortcuts': 'Enter', onclick: () => submit() }, t('submit'), ' ', h('kbd', {}, '↵'));
  const skipBtn = h('button', { type: 'button', 'aria-keyshortcuts': 'Shift+Enter', onclick: () => skip() }, t('skip'), ' ', h('kbd', {}, '⇧↵'));
  const undoBtn = h('button', { type: 'button', 'aria-keyshortcuts': 'Control+Z', onclick: () => undo() }, t('undo'));
  const redoBtn = h('button', { type: 'button', 'aria-keyshortcuts': 'Control+Y', onclick: () => redo() }, t('redo'));
  const actions = h('div', { class: 'item-actions', role: 'group', 'aria-label': t('submit') }, submitBtn, skipBtn, undoBtn, redoBtn);
  const labelBar = h('div', { class: 'label-bar', role: 'group', 'aria-label': t('labels') });
  const toolPanel = h('div', { class: 'tool-panel' });
  const instructions = h('details', { class: 'instructions', open: true },
    h('summary', {}, t('instructions')),
    h('div', { class: 'instructions-text' }, project.instructions || t('no_instructions')));
  const history = historyPanel({ projectId: project.id, describe: results.describe, onOpen: (row) => openCorrection(row) });
  const modeNote = h('p', { class: 'correcting-note', role: 'status', hidden: true });
  const side = h('aside', { class: 'side', 'aria-label': t('labels') },
    h('h2', {}, t('labels')), labelBar, toolPanel, instructions, history.element,
    h('p', { class: 'hint' }, h('strong', {}, `${t('shortcuts')}: `), t('shortcuts_text')));
  // An item a reviewer sent back (返工) says so, with the reviewer's reasons and comment.
  const reworkNote = h('div', { class: 'card rework-note', role: 'note', hidden: true });
  // The lease's pre-label (issue 21): already the editable starting result; one key accepts it.
  const acceptKey = acceptKeyFor(labels);
  const suggestion = suggestionBar(acceptKey, () => acceptSuggestion());
  const work = h('section', { class: 'work', 'aria-label': t('annotate') },
    reworkNote, modeNote, suggestion.el, stage, actions);
  const title = h('h1', { class: 'visually-hidden' }, `${t('annotate')}: ${project.name}`);
  const pay = payStrip(strip);
  const beats = heartbeats(() => (phase === 'item' ? store.get().assignment?.assignment_id : null));
  root.replaceChildren(projectHeader(project, 'annotate'), title, strip, h('div', { class: 'annotate-grid' }, work, side));
  focusHeading(root);

  // ---- label bar: click or hotkey
  function renderLabels() {
    const active = tool && phase === 'item' ? tool.activeLabel() : null;
    labelBar.replaceChildren(...labels.map((l) => h('button', {
      type: 'button', class: 'label-button', dataset: { label: l.name }, 'aria-pressed': String(active === l.name),
      'aria-keyshortcuts': l.hotkey || null, disabled: phase !== 'item',
      onclick: () => { if (tool) tool.applyLabel(l.name); },
    }, h('span', { class: 'swatch', style: { background: colorOf(l.name) } }), l.name, l.hotkey ? h('kbd', {}, l.hotkey) : null)));
  }

  function renderButtons() {
    const on = phase === 'item';
    submitBtn.disabled = !on; skipBtn.disabled = !on;
    submitBtn.firstChild.nodeValue = correcting ? t('save_correction') : t('submit');
    skipBtn.firstChild.nodeValue = correcting ? t('cancel_correction') : t('skip');
    modeNote.hidden = !correcting;
    modeNote.textContent = correcting ? t('correcting_item', { n: correcting.item_id }) : '';
    undoBtn.disabled = !on || !store.canUndo(); redoBtn.disabled = !on || !store.canRedo();
  }

  const unsubscribe = store.subscribe((_s, patch) => {
    if (!('result' in patch) || phase !== 'item') return;
    tool?.renderSide?.(patch.result);
    renderLabels(); renderButtons();
    const leased = store.get().assignment;
    if (!correcting && leased?.item) saveDraft(project.id, leased.item.id, patch.result);
  });

  // ---- strip
  function renderStats(stats) {
    if (!stats) return;
    strip.querySelector('[data-stat=done_today]').textContent = stats.done_today ?? '—';
    // the figure the pause rule judges (smoothed, as the pause message and the quality page say
    // it); the plain share in the tooltip
    const gold = strip.querySelector('[data-stat=gold_accuracy]');
    gold.textContent = fmtPercent(stats.gold_accuracy_estimated ?? stats.gold_accuracy);
    gold.title = stats.gold_answered ? t('gold_right_of', { right: Math.round(stats.gold_correct * 10) / 10, n: stats.gold_answered }) : '';
  }
  const refreshStats = () => Promise.all([pay.refresh(), api.get(`projects/${project.id}/my-stats`).then((stats) => {
    store.set({ stats }); renderStats(stats);
    if (stats.status === 'paused' && phase !== 'item') showPaused(stats.pause);
  }).catch(() => {})]);

  function startLease(expiresAt) {
    clearInterval(leaseTimer);
    const cell = strip.querySelector('[data-stat=lease]');
    const end = parseUtc(expiresAt);
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      cell.textContent = leaseLeft(left);
      cell.dataset.secondsLeft = String(left);
      cell.classList.toggle('warn', left <= 30);
      if (left === 0) { clearInterval(leaseTimer); if (phase === 'item') toast(t('lease_expired'), 'warn', 6000); }
    };
    tick();
    leaseTimer = setInterval(tick, 1000);
  }

  function stopLease() {
    clearInterval(leaseTimer);
    const cell = strip.querySelector('[data-stat=lease]');
    cell.textContent = '—'; cell.classList.remove('warn');
  }

  // ---- states
  function setPhase(next) {
    phase = next; renderLabels(); renderButtons();
    if (['start', 'empty', 'paused'].includes(next)) suggestion.show(null);
  }

  function showStart() {
    setPhase('start');
    const btn = h('button', { type: 'button', class: 'primary big', onclick: () => loadNext(performance.now()) }, t('start'));
    stage.replaceChildren(h('div', { class: 'start card' }, h('p', {}, t('start_hint')), btn));
    btn.focus();
  }

  function showEmpty() {
    unmountTool(); setPhase('empty'); clearInterval(leaseTimer);
    store.set({ assignment: null });
    stage.replaceChildren(emptyState(t('nothing_left_title'), t('nothing_left'), h('a', { class: 'button', href: '#/projects' }, t('back'))));
    stage.dataset.state = 'empty';
  }

  // Why the caller is paused (the API's `pause`: a code with the figures behind it), said in the
  // page's language: which record paused them, and what that means for their pay.
  function showPaused(pause) {
    unmountTool(); setPhase('paused'); clearInterval(leaseTimer);
    store.set({ assignment: null });
    const p = pause || { code: 'paused_by_manager' };
    const figures = { accuracy: fmtPercent(p.accuracy), answered: p.answered, minimum: fmtPercent(p.minimum) };
    const why = p.code === 'paused_low_gold_accuracy' || p.code === 'paused_low_review_accuracy'
      ? t(`${p.code}_text`, figures) : t('paused_by_manager_text');
    stage.replaceChildren(h('section', { class: 'card paused', role: 'alert', dataset: { pause: p.code } },
      h('h2', {}, t('paused_title')), h('p', {}, why),
      p.code === 'paused_by_manager' && p.reason ? h('p', { class: 'muted' }, p.reason) : null,
      h('p', { class: 'hint' }, t('paused_pay_text'))));
    stage.dataset.state = 'paused';
  }

  function showError(err, retry) {
    unmountTool(); setPhase('error');
    stage.replaceChildren(errorBox(err, retry));
    stage.dataset.state = 'error';
  }

  function showRework(rework) {
    reworkNote.hidden = !rework;
    stage.dataset.rework = rework ? '1' : '';
    if (!rework) { reworkNote.replaceChildren(); return; }
    reworkNote.replaceChildren(...[h('strong', {}, t('rework_title')), ' ', t('rework_text'),
      rework.reasons?.length ? h('p', {}, t('rework_reasons', { reasons: rework.reasons.join('、') })) : null,
      rework.comment ? h('p', { class: 'muted' }, rework.comment) : null].filter(Boolean));
  }

  function unmountTool() {
    reworkNote.hidden = true;
    if (tool) { tool.destroy(); tool = null; }
    stage.classList.remove('submitting'); // the empty, paused or error card is not dimmed
    toolPanel.replaceChildren();
    delete stage.dataset.ready;
  }

  // ---- the flow
  async function loadNext(t0) {
    setPhase('loading');
    stage.setAttribute('aria-busy', 'true');
    let next;
    try {
      next = await api.post(`projects/${project.id}/next`);
    } catch (err) {
      stage.removeAttribute('aria-busy');
      if (err.status === 403 && String(err.code).startsWith('paused_')) { showPaused({ ...err.body, code: err.code }); return; }
      showError(err, () => loadNext(performance.now()));
      return;
    }
    if (!alive) return;
    stage.removeAttribute('aria-busy');
    await showLease(next, null, t0);
  }

  // What /next answers (or the `next` of a submit): a lease, or null when nothing is left or paused.
  async function showLease(next, pause, t0) {
    if (!alive) return;
    if (!next) { if (pause) showPaused(pause); else showEmpty(); return; }
    store.set({ assignment: next, assignmentProjectId: project.id });
    suggestion.show(next.prelabel);
    await show(next, takeDraft(project.id, next.item.id) ?? results.initialResult(next.prelabel?.result), t0);
  }

  async function show(assignment, result, t0) {
    const { item } = assignment;
    let mediaUrl = null;
    if (kind.media === 'image') {
      try { mediaUrl = await api.fetchObjectUrl(item.media_url); } catch (err) { showError(err, () => show(assignment, result, performance.now())); return; }
    }
    if (!alive) return;
    const fresh = h('div', { class: `tool tool-${project.kind} offstage` });
    const panel = h('div', {});
    let mine = null;
    const ctx = {
      project, item, mediaUrl, colorOf,
      getResult: () => store.get().result,
      // a tool that is no longer shown (late library events) must not touch the new item's history
      commit: (r) => { if (tool === mine) store.commit(r); },
      refresh: () => { if (tool === mine) renderLabels(); },
      // a tool's one-key answer (the polygon tool's "OK, no defect") submits at once
      submit: () => { if (tool === mine) submit(performance.now()); },
    };
    store.resetHistory(result);
    const { mount } = results;
    // build the new item beside the old (dimmed) one, swap when its media is decoded
    const oldTool = tool;
    const oldNodes = [...stage.children];
    stage.append(fresh);
    mine = mount(fresh, panel, ctx);
    tool = mine;
    await mine.ready;
    if (!alive || tool !== mine) return;
    if (oldTool) oldTool.destroy();
    for (const n of oldNodes) n.remove();
    toolPanel.replaceChildren(panel);
    fresh.classList.remove('offstage');
    tool.renderSide?.(store.get().result);
    stage.classList.remove('submitting');
    stage.dataset.assignmentId = assignment.assignment_id;
    stage.dataset.itemId = item.id;
    showRework(assignment.rework);
    stage.dataset.state = 'item';
    stage.dataset.mode = correcting ? 'correct' : 'lease';
    setPhase('item');
    if (correcting) stopLease(); else startLease(assignment.expires_at);
    metrics.shown += 1;
    await new Promise((r) => requestAnimationFrame(() => r()));
    stage.dataset.ready = '1';
    shownAt = performance.now();
    if (t0 !== undefined && t0 !== null) metrics.enterToInteractive.push(shownAt - t0);
    stage.focus({ preventScroll: true });
    if (mediaUrl) setTimeout(() => URL.revokeObjectURL(mediaUrl), 60000);
  }

  async function submit(t0 = performance.now()) {
    if (phase !== 'item') return;
    if (correcting) { await saveCorrection(); return; }
    const result = tool.currentResult ? tool.currentResult() : store.get().result;
    if (!results.complete(result)) { toast(t('pick_label'), 'warn'); return; }
    const { assignment } = store.get();
    beats.final();
    setPhase('busy');
    stage.classList.add('submitting');
    delete stage.dataset.ready;
    let annotation = null;
    try {
      annotation = await api.post(`assignments/${assignment.assignment_id}/submit`,
        { result: results.toSubmit(result), duration_ms: Math.round(t0 - shownAt) }, { next: true });
    } catch (err) {
      if (err.status === 409) {
        toast(t('submitted_late'), 'warn', 6000);
      } else {
        stage.classList.remove('submitting');
        stage.dataset.ready = '1';
        setPhase('item');
        toast(t('submit_failed', { detail: describeError(err) }), 'error', 8000);
        return;
      }
    }
    metrics.submitted += 1;
    dropDraft(project.id, assignment.item.id);
    const fb = annotation?.gold_feedback;
    if (fb) {
      toast(fb.correct ? t('gold_right') : t('gold_wrong', { expected: results.describe(fb.expected) }), fb.correct ? 'ok' : 'warn', 5000);
    }
    if (annotation && 'next' in annotation) await showLease(annotation.next, annotation.pause, t0);
    else await loadNext(t0); // refused late submit (409), or a server without submit?next
    refreshStats();
    history.refresh();
  }

  // ---- corrections of the annotator's own answers
  async function openCorrection(row) {
    if (phase === 'busy' || phase === 'loading') return;
    if (!correcting) heldResult = phase === 'item' ? store.get().result : null;
    correcting = row;
    history.mark(row.id);
    await show({ assignment_id: `correction-${row.id}`, expires_at: null, item: row.item }, row.result, null);
  }

  async function leaveCorrection() {
    correcting = null;
    history.mark(null);
    const held = store.get().assignment;
    if (held && store.get().assignmentProjectId === project.id && parseUtc(held.expires_at) > Date.now()) {
      await show(held, heldResult || results.initialResult(held.prelabel), null);
    } else {
      unmountTool(); stage.replaceChildren(); delete stage.dataset.mode; showStart();
    }
    heldResult = null;
  }

  async function saveCorrection() {
    const result = tool.currentResult ? tool.currentResult() : store.get().result;
    if (!results.complete(result)) { toast(t('pick_label'), 'warn'); return; }
    setPhase('busy');
    stage.classList.add('submitting');
    try {
      await api.patch(`annotations/${correcting.id}`, { result: results.toSubmit(result) });
    } catch (err) {
      stage.classList.remove('submitting');
      if (err.status === 409 || err.status === 404) { // settled meanwhile: nothing to save any more
        toast(describeError(err), 'warn', 8000);
        history.refresh();
        await leaveCorrection();
        return;
      }
      setPhase('item');
      toast(t('correction_failed', { detail: describeError(err) }), 'error', 8000);
      return;
    }
    toast(t('correction_saved'), 'ok');
    await history.refresh();
    await leaveCorrection();
  }

  async function skip() {
    if (phase !== 'item') return;
    if (correcting) { await leaveCorrection(); return; }
    const t0 = performance.now();
    const { assignment } = store.get();
    setPhase('busy');
    stage.classList.add('submitting');
    try { await api.post(`assignments/${assignment.assignment_id}/skip`); } catch (err) {
      if (err.status !== 404 && err.status !== 409) { stage.classList.remove('submitting'); setPhase('item'); toast(describeError(err), 'error'); return; }
    }
    dropDraft(project.id, assignment.item.id);
    await loadNext(t0);
  }

  // The suggestion, as it came, is the answer: back to it (after any edit) and submit.
  function acceptSuggestion() {
    const prelabel = store.get().assignment?.prelabel;
    if (phase !== 'item' || !prelabel) return;
    const r = results.initialResult(prelabel.result);
    store.commit(r); tool.render(r); renderLabels(); renderButtons();
    toast(t('suggestion_accepted'), 'ok', 1500);
    submit(performance.now());
  }

  function undo() { const r = store.undo(); if (r) { tool.render(r); renderLabels(); renderButtons(); } }
  function redo() { const r = store.redo(); if (r) { tool.render(r); renderLabels(); renderButtons(); } }

  // ---- keyboard (capture phase, so the libraries' own Ctrl+Z handlers do not run as well)
  function onKeyDown(e) {
    if (isTyping(document.activeElement)) return;
    const mod = e.ctrlKey || e.metaKey;
    if (phase === 'start' && e.key === 'Enter') { e.preventDefault(); loadNext(performance.now()); return; }
    if (phase !== 'item') { if (e.key === 'Enter') e.preventDefault(); return; }
    if (e.key === 'Enter') {
      e.preventDefault(); e.stopPropagation();
      if (e.shiftKey) skip(); else submit(performance.now());
      return;
    }
    if (mod && (e.key === 'z' || e.key === 'Z')) { e.preventDefault(); e.stopPropagation(); if (e.shiftKey) redo(); else undo(); return; }
    if (mod && (e.key === 'y' || e.key === 'Y')) { e.preventDefault(); e.stopPropagation(); redo(); return; }
    if (mod || e.altKey) return;
    if (acceptKey && e.key.toLowerCase() === acceptKey && suggestion.shown()) { e.preventDefault(); e.stopPropagation(); acceptSuggestion(); return; }
    const label = labels.find((l) => l.hotkey && l.hotkey.toLowerCase() === e.key.toLowerCase());
    if (label) { e.preventDefault(); e.stopPropagation(); tool.applyLabel(label.name); return; }
    if (tool.onKey && tool.onKey(e)) { e.preventDefault(); e.stopPropagation(); }
  }
  window.addEventListener('keydown', onKeyDown, true);

  // ---- go
  renderLabels(); renderButtons();
  refreshStats();
  history.reset();
  const held = store.get().assignment;
  if (held && store.get().assignmentProjectId === project.id && parseUtc(held.expires_at) > Date.now()) {
    suggestion.show(held.prelabel);
    show(held, store.get().result || results.initialResult(held.prelabel?.result), null);
  } else {
    store.set({ assignment: null });
    showStart();
  }

  return () => {
    alive = false;
    if (correcting) store.set({ result: heldResult }); // the held lease keeps its own answer
    window.removeEventListener('keydown', onKeyDown, true);
    beats.stop();
    clearInterval(leaseTimer);
    unsubscribe();
    unmountTool();
  };
}
