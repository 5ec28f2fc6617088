// One item (GET /items/{id}): the image or text with every annotation drawn side by side, one
// colour per annotator with who and when, the consensus and its confidence, the gold answer, and
// previous / next through the data manager's filter (the address carries it, with the item's
// cursor in `at`). Owners and managers also get the gold editor (item_gold.js).
import * as api from '../api.js';
import * as store from '../store.js';
import { t } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { kindOf, toolOf } from '../kinds.js';
import { navigate } from '../router.js';
import { toast } from '../toast.js';
import { describeError } from '../errors.js';
import { errorBox, loading, fmtDateTime, fmtPercent } from './common.js';
import { filterOf, tableHash, itemHash } from './dm_filters.js';
import { goldEditor } from './item_gold.js';

export const ANNOTATOR_COLOURS = ['#e6194b', '#4363d8', '#3cb44b', '#f58231', '#911eb4', '#46a0a8', '#f032e6', '#808000', '#9a6324', '#000075'];

// A tool drawing one result that nobody edits, into ``stage`` (already in the page, as the
// tools measure it): its changes go nowhere and pointer events are off (CSS .dm-readonly).
export function showResult(results, stage, { project, item, mediaUrl, result, colour }) {
  const panel = h('div', { class: 'visually-hidden' });
  stage.after(panel);
  const tool = results.mount(stage, panel, {
    project, item, mediaUrl, colorOf: () => colour, getResult: () => result, commit: () => {}, refresh: () => {},
  });
  tool.render?.(result);
  return tool;
}

// Every verdict on the item, oldest first: review (质检) and a lot's acceptance (验收).
function reviewTable(rows, results) {
  const head = ['ir_stage', 'ir_round', 'ir_decision', 'ir_reasons', 'ir_comment', 'ir_reviewer', 'ir_when'];
  return h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, head.map((key) => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, rows.map((r) => h('tr', { dataset: { reviewId: r.review_id, decision: r.decision } },
      h('td', {}, t(`ir_stage_${r.stage}`)),
      h('td', {}, String(r.rework_round)),
      h('td', {}, t(`ir_decision_${r.decision}`),
        r.decision === 'fix' && r.result ? h('span', { class: 'hint' }, ` · ${t('ir_fixed_to', { answer: results.describe(r.result) })}`) : null),
      h('td', {}, r.reasons.join('、') || '—'),
      h('td', {}, r.comment || '—'),
      h('td', {}, r.reviewer_name || t('ir_reviewer_n', { id: r.reviewer_id })),
      h('td', {}, fmtDateTime(r.created_at))))));
}

export async function renderItemView(root, params) {
  root.append(loading());
  let detail; let project; let kind; let results; let mediaUrl = null;
  try {
    await ensureMe();
    detail = await api.get(`items/${params.itemId}`);
    project = await loadProject(detail.project_id);
    [kind, results] = await Promise.all([kindOf(project.kind), toolOf(project.kind)]);
    if (kind.media === 'image' && detail.media_url) mediaUrl = await api.fetchObjectUrl(detail.media_url);
  } catch (err) { root.replaceChildren(errorBox(err)); return undefined; }
  const filter = filterOf(params);
  const item = { ...detail, text: detail.text };
  const tools = [];
  const drawings = []; // tools are mounted once their stage is in the page
  const canManage = store.canManage(project.org_id);

  const step = async (direction) => {
    if (!params.at) return;
    const query = { ...filter, limit: 1, [direction === 'next' ? 'cursor' : 'before']: params.at };
    try {
      const page = await api.get(`projects/${project.id}/items`, query);
      const other = page.items[0];
      if (!other) { toast(t(direction === 'next' ? 'no_next_item' : 'no_prev_item'), 'info'); return; }
      navigate(itemHash(other.id, project.id, filter, other.cursor));
    } catch (err) { toast(describeError(err), 'error', 6000); }
  };
  const nav = h('nav', { class: 'actions dm-steps', 'aria-label': t('item_title', { id: detail.id }) },
    h('a', { class: 'button', href: tableHash(project.id, filter) }, t('back_to_table')),
    h('button', { type: 'button', disabled: !params.at, onclick: () => step('prev'), 'aria-keyshortcuts': 'ArrowLeft' }, t('prev_item')),
    h('button', { type: 'button', disabled: !params.at, onclick: () => step('next'), 'aria-keyshortcuts': 'ArrowRight' }, t('next_item')));

  const consensus = detail.consensus
    ? h('p', { dataset: { consensus: '' } }, t('consensus_conf', { answer: results.describe(detail.consensus.result), p: fmtPercent(detail.consensus.confidence) }))
    : h('p', { class: 'muted' }, t('dm_consensus_none'));
  const gold = detail.gold
    ? h('p', { dataset: { goldAnswer: '' } }, h('span', { class: 'badge gold-badge' }, t('gold_badge')), ' ', results.describe(detail.gold.answer))
    : h('p', { class: 'muted' }, t('not_gold'));
  const summary = h('section', { class: 'card dm-summary' },
    h('p', {}, `${t('status')}: ${t(`status_${detail.status}`)} · ${t('wanted_n', { n: detail.annotation_count, w: detail.wanted })}`,
      detail.external_id ? ` · ${t('external_id')}: ${detail.external_id}` : ''),
    h('h2', {}, t('consensus')), consensus, h('h2', {}, t('gold_answer')), gold);

  const cards = detail.annotations.map((a, i) => {
    const colour = ANNOTATOR_COLOURS[i % ANNOTATOR_COLOURS.length];
    const stage = h('div', { class: `tool tool-${project.kind} dm-readonly` });
    drawings.push(() => tools.push(showResult(results, stage, { project, item, mediaUrl, result: a.result, colour })));
    const who = a.annotator_name || t('dm_annotator_n', { id: a.annotator_id });
    return h('article', { class: 'card dm-annotation', style: { borderColor: colour }, dataset: { annotationId: a.id, annotatorId: a.annotator_id } },
      h('h3', {}, h('span', { class: 'swatch', style: { background: colour } }), ' ', t('by_at', { who, when: fmtDateTime(a.created_at) })),
      h('p', { class: 'dm-answer' }, results.describe(a.result) || '∅', a.prelabel_used ? h('span', { class: 'hint' }, ` · ${t('prelabel_used')}`) : null),
      stage);
  });
  const annotations = h('section', { 'aria-label': t('annotations_n', { n: cards.length }) },
    h('h2', {}, t('annotations_n', { n: cards.length })),
    cards.length ? h('div', { class: 'dm-side-by-side' }, cards) : h('p', { class: 'card muted' }, t('no_annotations')));
  const reviews = h('section', { dataset: { reviews: '' } }, h('h2', {}, t('reviews')),
    detail.reviews.length ? reviewTable(detail.reviews, results) : h('p', { class: 'muted' }, t('dm_no_reviews')));
  const editor = canManage ? goldEditor({ project, item, detail, results, mediaUrl, onSaved: () => navigate(location.hash) }) : null;

  root.replaceChildren(
    h('div', { class: 'page-head' }, h('p', { class: 'crumbs' }, h('a', { href: '#/projects' }, t('projects')), ' / ',
      h('a', { href: tableHash(project.id, filter) }, project.name), ' / ', t('item_title', { id: detail.id }))),
    ...[h('h1', {}, t('item_title', { id: detail.id })), nav, summary, annotations, editor?.node, reviews].filter(Boolean));
  for (const draw of drawings) draw();
  editor?.start();
  focusHeading(root);
  const keys = (e) => {
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement?.tagName)) return;
    if (e.key === 'ArrowRight') step('next');
    if (e.key === 'ArrowLeft') step('prev');
  };
  window.addEventListener('keydown', keys);
  return () => {
    window.removeEventListener('keydown', keys);
    for (const tool of tools) tool.destroy();
    editor?.destroy();
    if (mediaUrl) setTimeout(() => URL.revokeObjectURL(mediaUrl), 1000);
  };
}
