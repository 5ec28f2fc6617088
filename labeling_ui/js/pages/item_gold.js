// Gold in the browser: the item's known answer drawn with the same tool annotators use (its
// label bar, boxes or spans), saved through POST /projects/{id}/gold; or the consensus promoted
// to gold in one click (the data manager's bulk mark_gold for this one item).
import * as api from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { toast } from '../toast.js';
import { describeError } from '../errors.js';

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46a0a8', '#f032e6', '#808000', '#9a6324', '#000075'];

export function goldEditor({ project, item, detail, results, mediaUrl, onSaved }) {
  const labels = project.labels || [];
  const colorOf = (name) => {
    const i = labels.findIndex((l) => l.name === name);
    return i < 0 ? '#777777' : labels[i].color || PALETTE[i % PALETTE.length];
  };
  let result = null;
  let tool = null;
  const stage = h('div', { class: 'dm-gold-stage' });
  const panel = h('div', {});
  const bar = h('div', { class: 'label-bar', role: 'group', 'aria-label': t('labels') });
  const save = h('button', { type: 'button', class: 'primary', dataset: { saveGold: '' }, onclick: () => saveGold() }, t('save_gold'));

  function renderBar() {
    const active = tool ? tool.activeLabel() : null;
    bar.replaceChildren(...labels.map((l) => h('button', {
      type: 'button', class: 'label-button', dataset: { label: l.name }, 'aria-pressed': String(active === l.name),
      onclick: () => { tool?.applyLabel(l.name); renderBar(); },
    }, h('span', { class: 'swatch', style: { background: colorOf(l.name) } }), l.name)));
    save.disabled = !results.complete(result);
  }

  function start(from) {
    tool?.destroy();
    stage.replaceChildren();
    panel.replaceChildren();
    result = results.initialResult(from);
    const fresh = h('div', { class: `tool tool-${project.kind}` });
    stage.append(fresh);
    tool = results.mount(fresh, panel, {
      project, item, mediaUrl, colorOf,
      getResult: () => result,
      commit: (r) => { result = r; renderBar(); },
      refresh: () => renderBar(),
    });
    renderBar();
  }

  async function saveGold() {
    if (!results.complete(result)) return;
    try {
      const answer = await api.post(`projects/${project.id}/gold`, { items: [{ item_id: item.id, answer: results.toSubmit(result) }] });
      if (answer.errors?.length) { toast(answer.errors[0].message, 'error', 8000); return; }
      toast(t('gold_saved'), 'ok');
      onSaved();
    } catch (err) { toast(describeError(err), 'error', 8000); }
  }

  async function promote() {
    try {
      const answer = await api.post(`projects/${project.id}/items/bulk`, { item_ids: [item.id], action: 'mark_gold' });
      toast(answer.message, 'ok', 6000);
      onSaved();
    } catch (err) { toast(describeError(err), 'error', 8000); }
  }

  const node = h('section', { class: 'card dm-gold-editor', 'aria-label': t('gold_editor') },
    h('h2', {}, t('gold_editor')), h('p', { class: 'hint' }, t('gold_editor_hint')),
    h('div', { class: 'actions' },
      detail.consensus ? h('button', { type: 'button', onclick: () => start(detail.consensus.result) }, t('start_from_consensus')) : null,
      h('button', { type: 'button', onclick: () => start(null) }, t('start_empty')),
      detail.consensus ? h('button', { type: 'button', dataset: { promote: '' }, onclick: () => promote() }, t('promote_consensus')) : null),
    bar, stage, panel, h('div', { class: 'actions' }, save));
  // called once the node is in the page (the tools measure their stage)
  const first = () => start(detail.gold?.answer ?? detail.consensus?.result ?? null);
  return { node, start: first, destroy: () => tool?.destroy() };
}
