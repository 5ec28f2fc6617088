// The reviewer's page (质检): the item with every annotation (boxes overlaid on the image, other
// kinds side by side; one toggle per annotator), the consensus, and the verdict by keyboard:
// A accepts, R rejects (with the toggled reason tags, 1–9, and the comment), F fixes the answer
// with the annotators' own tool (Enter saves, Esc cancels). A verdict takes the next item at once;
// Enter starts, and takes the next item when the last one was judged.
import * as api from '../api.js';
import * as store from '../store.js';
import { t } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { kindOf, toolOf } from '../kinds.js';
import { toast } from '../toast.js';
import { describeError } from '../errors.js';
import { projectHeader, errorBox, emptyState, fmtPercent, loading, parseUtc } from './common.js';

const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46a0a8', '#f032e6', '#808000'];
const isTyping = (el) => el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
// Exposed for the browser test.
const metrics = (window.jinbiaoReview ||= { judged: 0 });

// The item on screen outlives its page: a language switch renders the page again (main.js), and
// the reviewer must find the same lease, the reasons picked, the comment typed and an open fix.
// Kept when the page is left during a judgment, taken back by the next render of the same page
// for the same person while the lease lasts.
let kept = null; // { key, lease, hidden, picked, comment, fixResult }

// ``lotId``: acceptance mode (验收): the lot's sample, leased by ``POST /lots/{lotId}/next`` and
// judged with the same submit; the route #/projects/:id/lots/:lotId/inspect (pages/lots.js).
export async function renderReview(root, { id, lotId }) {
  const acceptance = lotId !== undefined;
  const nextPath = acceptance ? `lots/${lotId}/next` : `projects/${id}/review/next`;
  root.append(loading());
  let project; let kind; let results;
  try {
    await ensureMe(); project = await loadProject(id, { fresh: true });
    [kind, results] = await Promise.all([kindOf(project.kind), toolOf(project.kind)]);
  } catch (err) { root.replaceChildren(errorBox(err)); return undefined; }
  const labels = project.labels || [];
  const colorOf = (name) => labels.find((l) => l.name === name)?.color || '#777777';

  let phase = 'start'; // start | loading | item | fix | busy | empty | error
  let lease = null;
  let mediaUrl = null;
  let tool = null;
  let alive = true;
  const hidden = new Set();
  const picked = new Set();

  const stage = h('div', { class: 'stage review-stage', id: 'stage', tabindex: -1 });
  const annotationsBox = h('section', { class: 'review-annotations', 'aria-live': 'polite' });
  const consensusBox = h('section', { class: 'review-consensus' });
  const reasonsBox = h('div', { class: 'label-bar', role: 'group', 'aria-label': t('reasons') });
  const comment = h('textarea', { rows: 2, maxlength: 2000, 'aria-label': t('comment'), placeholder: t('comment') });
  const fixPanel = h('div', { class: 'tool-panel' });
  const button = (key, shortcut, onclick, cls) => h('button', { type: 'button', class: cls, 'aria-keyshortcuts': shortcut, onclick, dataset: { action: key } },
    t(key), ' ', h('kbd', {}, shortcut));
  const acceptBtn = button('review_accept', 'A', () => judge('accept'), 'primary');
  const rejectBtn = button('review_reject', 'R', () => judge('reject'), 'danger');
  const fixBtn = button('review_fix', 'F', () => startFix());
  const saveFixBtn = button('fix_submit', 'Enter', () => submitFix(), 'primary');
  const cancelFixBtn = button('fix_cancel', 'Esc', () => cancelFix());
  const actions = h('div', { class: 'item-actions', role: 'group', 'aria-label': t('review') }, acceptBtn, rejectBtn, fixBtn, saveFixBtn, cancelFixBtn);
  const side = h('aside', { class: 'side', 'aria-label': t('reasons') },
    consensusBox, annotationsBox, h('h2', {}, t('reasons')), reasonsBox, comment, fixPanel,
    h('p', { class: 'hint' }, t('review_shortcuts')));
  root.replaceChildren(projectHeader(project, acceptance ? 'lots' : 'review'),
    h('h1', { class: 'visually-hidden' }, acceptance ? t('inspect_title', { lot: lotId, name: project.name }) : t('review_title', { name: project.name })),
    h('div', { class: 'annotate-grid' }, h('section', { class: 'work', 'aria-label': t('review') }, stage, actions), side));
  focusHeading(root);

  function setPhase(next) {
    phase = next;
    const judging = phase === 'item';
    for (const b of [acceptBtn, rejectBtn, fixBtn]) { b.disabled = !judging; b.hidden = phase === 'fix'; }
    saveFixBtn.hidden = cancelFixBtn.hidden = phase !== 'fix';
    stage.dataset.state = phase;
    renderReasons();
  }

  const keptKey = `${store.get().me?.id}:${project.id}:${lotId ?? ''}`;
  function keep() {
    kept = null;
    if (!lease || !['item', 'fix'].includes(phase)) return; // not while a verdict is on its way
    let fixResult = null;
    if (phase === 'fix' && tool) fixResult = tool.currentResult ? tool.currentResult() : store.get().result;
    kept = { key: keptKey, lease, hidden: [...hidden], picked: [...picked], comment: comment.value, fixResult };
  }

  async function restore(k) {
    lease = k.lease;
    k.hidden.forEach((a) => hidden.add(a)); k.picked.forEach((tag) => picked.add(tag));
    comment.value = k.comment;
    setPhase('loading');
    if (kind.media === 'image') {
      try { mediaUrl = await api.fetchObjectUrl(lease.item.media_url); } catch (err) { stage.replaceChildren(errorBox(err, () => loadNext())); setPhase('error'); return; }
      if (!alive) { URL.revokeObjectURL(mediaUrl); return; }
    }
    renderItem(); renderSide(); setPhase('item');
    if (k.fixResult) await startFix(k.fixResult);
    stage.dataset.ready = '1';
    stage.focus({ preventScroll: true });
  }

  function renderReasons() {
    const tags = project.review_reasons || [];
    if (!tags.length) { reasonsBox.replaceChildren(h('p', { class: 'muted' }, t('no_reasons'))); return; }
    reasonsBox.replaceChildren(...tags.map((tag, i) => h('button', {
      type: 'button', class: 'label-button reason', 'aria-pressed': String(picked.has(tag)), dataset: { reason: tag },
      'aria-keyshortcuts': i < 9 ? String(i + 1) : null, disabled: !['item', 'fix'].includes(phase),
      onclick: () => toggleReason(tag),
    }, tag, i < 9 ? h('kbd', {}, String(i + 1)) : null)));
  }

  function toggleReason(tag) { if (picked.has(tag)) picked.delete(tag); else picked.add(tag); renderReasons(); }

  // ---- what is shown: the item, every visible annotation, the consensus
  const annotatorColor = (annotatorId) => COLORS[lease.annotations.findIndex((a) => a.annotator_id === annotatorId) % COLORS.length];

  function renderItem() {
    const { item } = lease;
    const view = kind.media === 'image'
      ? h('div', { class: 'image-frame review-overlay' }, h('img', { class: 'item-image', src: mediaUrl, alt: t('image_to_label') }), overlay(item))
      : h('div', { class: 'text-item' }, h('p', {}, item.text || ''));
    stage.replaceChildren(view);
    stage.dataset.itemId = item.id;
    stage.dataset.reviewId = lease.review_id;
  }

  function overlay(item) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${item.width || 1} ${item.height || 1}`);
    svg.setAttribute('class', 'review-boxes');
    for (const a of lease.annotations) {
      if (hidden.has(a.annotator_id)) continue;
      for (const b of a.result?.boxes || []) {
        const rect = document.createElementNS(ns, 'rect');
        for (const [k, v] of Object.entries({ x: b.x, y: b.y, width: b.w, height: b.h, fill: 'none', stroke: annotatorColor(a.annotator_id), 'stroke-width': 3 })) rect.setAttribute(k, v);
        svg.append(rect);
      }
    }
    return svg;
  }

  function renderSide() {
    const c = lease.consensus;
    consensusBox.replaceChildren(...[h('h2', {}, t('consensus')), c
      ? h('p', { class: 'consensus-result' }, results.describe(c.result), ' ', h('span', { class: 'muted' }, t('confidence_n', { p: fmtPercent(c.confidence) })))
      : h('p', { class: 'muted' }, t('no_consensus')),
    lease.rework_round ? h('p', { class: 'badge' }, t('round_n', { n: lease.rework_round })) : null].filter(Boolean));
    annotationsBox.replaceChildren(h('h2', {}, t('annotations_n', { n: lease.annotations.length })),
      h('ul', { class: 'review-list' }, lease.annotations.map((a) => h('li', { class: 'review-annotation', dataset: { annotatorId: a.annotator_id } },
        h('label', {}, h('input', {
          type: 'checkbox', checked: !hidden.has(a.annotator_id), 'aria-label': t('show_annotator', { id: a.annotator_id }),
          onchange: (e) => { if (e.target.checked) hidden.delete(a.annotator_id); else hidden.add(a.annotator_id); renderItem(); renderSide(); },
        }), h('span', { class: 'swatch', style: { background: annotatorColor(a.annotator_id) } }), t('annotator_n', { id: a.annotator_id })),
        hidden.has(a.annotator_id) ? null : h('span', { class: 'review-result' }, ' ', results.describe(a.result))))));
  }

  // ---- the flow
  function showStart() {
    setPhase('start');
    const btn = h('button', { type: 'button', class: 'primary big', onclick: () => loadNext() }, t(acceptance ? 'inspect_start' : 'review_start'));
    stage.replaceChildren(h('div', { class: 'start card' }, h('p', {}, t(acceptance ? 'inspect_start_hint' : 'review_start_hint')), btn));
    btn.focus();
  }

  const showPaused = (err) => {
    stage.replaceChildren(h('section', { class: 'card paused', role: 'alert' }, h('p', {}, t('review_paused')), h('p', { class: 'muted' }, describeError(err))));
    setPhase('error');
  };

  async function loadNext() {
    unmountFix(); setPhase('loading'); delete stage.dataset.ready;
    let answer;
    try { answer = await api.post(nextPath); } catch (err) {
      if (!alive) return;
      if (err.status === 403 && String(err.code || '').startsWith('paused_')) { showPaused(err); return; }
      // another refusal (a role, an access list) is not cured by retrying
      stage.replaceChildren(errorBox(err, err.status === 403 ? undefined : () => loadNext())); setPhase('error'); return;
    }
    if (!alive) return;
    await show(answer);
  }

  // The verdict's answer carried the next lease (review mode: submit?next=true, one request
  // per item as on the annotators' page); an answer without ``next`` asks for it.
  async function showFollowing(answer) {
    if (!answer || !('next' in answer)) { await loadNext(); return; }
    unmountFix(); setPhase('loading'); delete stage.dataset.ready;
    if (answer.pause) { showPaused({ status: 403, code: answer.pause.code, body: answer.pause, detail: answer.paused_reason }); return; }
    await show(answer.next);
  }

  // ``answer``: a lease, or null when nothing is left to judge.
  async function show(answer) {
    if (!answer) {
      lease = null;
      consensusBox.replaceChildren(); annotationsBox.replaceChildren();
      stage.replaceChildren(acceptance
        ? emptyState(t('inspect_done_title'), t('inspect_done'), h('a', { class: 'button primary', href: `#/projects/${project.id}/lots` }, t('inspect_back')))
        : emptyState(t('review_nothing_title'), t('review_nothing'), h('a', { class: 'button', href: '#/projects' }, t('back'))));
      setPhase('empty');
      return;
    }
    lease = answer;
    hidden.clear(); picked.clear(); comment.value = '';
    if (mediaUrl) URL.revokeObjectURL(mediaUrl);
    mediaUrl = null;
    if (kind.media === 'image') {
      try { mediaUrl = await api.fetchObjectUrl(lease.item.media_url); } catch (err) { stage.replaceChildren(errorBox(err, () => loadNext())); setPhase('error'); return; }
    }
    renderItem(); renderSide(); setPhase('item');
    stage.dataset.ready = '1';
    stage.focus({ preventScroll: true });
  }

  async function send(body) {
    const previous = phase;
    setPhase('busy');
    let answer;
    try {
      answer = await api.post(`reviews/${lease.review_id}/submit${acceptance ? '' : '?next=true'}`, { ...body, reasons: [...picked], comment: comment.value.trim() });
    } catch (err) {
      if (err.status === 409) { toast(describeError(err), 'warn', 6000); await loadNext(); return; }
      setPhase(previous);
      toast(describeError(err), 'error', 8000);
      return;
    }
    metrics.judged += 1;
    toast(t(`verdict_${body.decision}`), 'ok', 2000);
    if (alive) await showFollowing(answer);
  }

  const judge = (decision) => { if (phase === 'item') send({ decision }); };

  // ---- fix: the annotators' tool, starting from the consensus (or the first answer)
  // ``resume``: the fix in progress when the page was rendered again (keep / restore).
  async function startFix(resume = null) {
    if (phase !== 'item') return;
    const start = lease.consensus?.result || lease.annotations[0]?.result || results.initialResult(null);
    const area = h('div', { class: `tool tool-${project.kind}` });
    const panel = h('div', {});
    store.resetHistory(resume || results.initialResult(start)); // a result has the pre-label's shape
    let mine = null;
    mine = results.mount(area, panel, {
      project, item: lease.item, mediaUrl, colorOf,
      getResult: () => store.get().result,
      commit: (r) => { if (tool === mine) { store.commit(r); mine.renderSide?.(r); } },
      refresh: () => {},
    });
    tool = mine;
    stage.replaceChildren(area);
    fixPanel.replaceChildren(h('div', { class: 'label-bar', role: 'group', 'aria-label': t('labels') },
      labels.map((l) => h('button', { type: 'button', class: 'label-button', dataset: { label: l.name }, onclick: () => tool?.applyLabel(l.name) },
        h('span', { class: 'swatch', style: { background: colorOf(l.name) } }), l.name, l.hotkey ? h('kbd', {}, l.hotkey) : null))), panel);
    await mine.ready;
    setPhase('fix');
    stage.focus({ preventScroll: true });
  }

  function unmountFix() { if (tool) { tool.destroy(); tool = null; } fixPanel.replaceChildren(); }

  function cancelFix() { if (phase !== 'fix') return; unmountFix(); renderItem(); setPhase('item'); stage.focus({ preventScroll: true }); }

  function submitFix() {
    if (phase !== 'fix') return;
    const result = tool.currentResult ? tool.currentResult() : store.get().result;
    if (!results.complete(result)) { toast(t('pick_label'), 'warn'); return; }
    send({ decision: 'fix', result: results.toSubmit(result) });
  }

  // Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y in a fix: the page's history, as on the annotate page (the
  // libraries' own undo does not know the result, and throws where a shape changed type).
  function step(back) {
    const r = back ? store.undo() : store.redo();
    if (r && tool) { tool.render(r); tool.renderSide?.(r); }
  }

  // ---- keyboard
  function onKeyDown(e) {
    if (isTyping(document.activeElement)) { if (e.key === 'Escape') document.activeElement.blur(); return; }
    const mod = e.ctrlKey || e.metaKey;
    if (phase === 'fix' && mod && !e.altKey && ['z', 'y'].includes(e.key.toLowerCase())) {
      e.preventDefault(); e.stopPropagation();
      step(e.key.toLowerCase() === 'z' && !e.shiftKey);
      return;
    }
    if (mod || e.altKey) return;
    const key = e.key.toLowerCase();
    if (e.key === 'Enter') {
      e.preventDefault(); e.stopPropagation();
      if (phase === 'fix') submitFix(); else if (['start', 'empty'].includes(phase)) loadNext();
      return;
    }
    if (phase === 'fix') {
      if (e.key === 'Escape') { e.preventDefault(); cancelFix(); return; }
      const label = labels.find((l) => l.hotkey && l.hotkey.toLowerCase() === key);
      if (label) { e.preventDefault(); e.stopPropagation(); tool.applyLabel(label.name); return; }
      if (tool.onKey && tool.onKey(e)) { e.preventDefault(); e.stopPropagation(); }
      return;
    }
    if (phase !== 'item') return;
    const tags = project.review_reasons || [];
    if (/^[1-9]$/.test(e.key) && tags[Number(e.key) - 1]) { e.preventDefault(); toggleReason(tags[Number(e.key) - 1]); return; }
    const act = { a: () => judge('accept'), r: () => judge('reject'), f: () => startFix() }[key];
    if (act) { e.preventDefault(); e.stopPropagation(); act(); }
  }
  window.addEventListener('keydown', onKeyDown, true);

  const held = kept;
  kept = null;
  if (held && held.key === keptKey && parseUtc(held.lease.expires_at) > Date.now()) restore(held);
  else showStart();
  return () => {
    keep();
    alive = false;
    window.removeEventListener('keydown', onKeyDown, true);
    unmountFix();
    if (mediaUrl) URL.revokeObjectURL(mediaUrl);
  };
}
