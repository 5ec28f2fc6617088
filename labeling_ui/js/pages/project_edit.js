// Create or edit a project: kind, labels (name, colour, hotkey), instructions and the quality / pay settings.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { navigate } from '../router.js';
import { loadKinds, kindTitle } from '../kinds.js';
import { toast } from '../toast.js';
import { projectHeader, errorBox, loading } from './common.js';
import { describeError } from '../errors.js';

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46a0a8', '#f032e6', '#808000'];

// [field, input attributes, default]
const SETTINGS = [
  ['overlap', { min: 1, max: 50, step: 1 }, 3],
  ['max_overlap', { min: 1, max: 50, step: 1 }, 3],
  ['agreement_target', { min: 0, max: 1, step: 0.01 }, 0.7],
  ['gold_rate', { min: 0, max: 0.9, step: 0.01 }, 0.1],
  ['qualification_count', { min: 0, max: 100, step: 1 }, 0],
  ['min_gold_accuracy', { min: 0, max: 1, step: 0.01 }, 0.6],
  ['gold_min_count', { min: 1, step: 1 }, 5],
  ['lease_seconds', { min: 30, step: 1 }, 600],
  ['reward_per_item', { min: 0, step: 0.01 }, 0],
  ['method_choice_min_gold', { min: 1, step: 1 }, 30],
];
const METHODS = ['auto', 'dawid_skene', 'one_coin_dawid_skene', 'majority_vote', 'weighted_majority_vote', 'glad', 'mace'];

export async function renderProjectEdit(root, { id, orgId }) {
  root.append(loading());
  let project = null;
  let kindNames;
  try {
    await ensureMe();
    if (id) project = await loadProject(id, { fresh: true });
    kindNames = Object.keys(await loadKinds());
  } catch (err) { root.replaceChildren(errorBox(err)); return; }

  const name = h('input', { name: 'name', required: true, maxlength: 200, value: project?.name ?? '' });
  const kind = h('select', { name: 'kind', disabled: Boolean(project) },
    kindNames.map((k) => h('option', { value: k, selected: project?.kind === k }, kindTitle(k))));
  const instructions = h('textarea', { name: 'instructions', rows: 5 }, project?.instructions ?? '');
  const rows = h('tbody', {});
  const error = h('p', { class: 'form-error', role: 'alert' });

  const addLabel = (label = {}) => {
    const n = rows.children.length;
    const row = h('tr', { class: 'label-row' },
      h('td', {}, h('input', { class: 'label-name', 'aria-label': `${t('label_name')} ${n + 1}`, required: true, value: label.name ?? '' })),
      h('td', {}, h('input', { class: 'label-color', type: 'color', 'aria-label': `${t('color')} ${n + 1}`, value: label.color || PALETTE[n % PALETTE.length] })),
      h('td', {}, h('input', { class: 'label-hotkey', maxlength: 1, size: 2, 'aria-label': `${t('hotkey')} ${n + 1}`, value: label.hotkey ?? (n < 9 ? String(n + 1) : '') })),
      h('td', {}, h('button', { type: 'button', class: 'danger', 'aria-label': `${t('remove')} ${n + 1}`, onclick: () => row.remove() }, '×')));
    rows.append(row);
    return row;
  };
  (project?.labels?.length ? project.labels : [{}]).forEach(addLabel);

  const inputs = Object.fromEntries(SETTINGS.map(([key, attrs, dflt]) =>
    [key, h('input', { type: 'number', name: key, ...attrs, value: String(project?.[key] ?? dflt) })]));

  const inferenceMethod = h('select', { name: 'inference_method' },
    METHODS.map((m) => h('option', { value: m, selected: (project?.inference_method ?? 'auto') === m }, t(`method_${m}`))));

  const form = h('form', { class: 'card project-form' },
    h('h1', {}, project ? `${t('edit_project')}: ${project.name}` : t('new_project')),
    field(t('name'), name), field(t('kind'), kind), field(t('instructions'), instructions),
    h('fieldset', {}, h('legend', {}, t('label_editor')),
      h('table', { class: 'label-table' },
        h('thead', {}, h('tr', {}, h('th', {}, t('label_name')), h('th', {}, t('color')), h('th', {}, t('hotkey')), h('th', {}, h('span', { class: 'visually-hidden' }, t('remove'))))),
        rows),
      h('button', { type: 'button', onclick: () => addLabel().querySelector('input').focus() }, t('add_label'))),
    h('fieldset', { class: 'settings-grid' }, h('legend', {}, t('settings')),
      SETTINGS.map(([key]) => field(t(key), inputs[key])),
      field(t('inference_method'), inferenceMethod, t('inference_method_hint'))),
    error,
    h('button', { type: 'submit', class: 'primary' }, project ? t('save') : t('create')));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const labels = [...rows.children].map((r) => ({
      name: r.querySelector('.label-name').value.trim(),
      color: r.querySelector('.label-color').value,
      hotkey: r.querySelector('.label-hotkey').value.trim() || null,
    })).filter((l) => l.name);
    if (!labels.length) { error.textContent = t('need_label'); return; }
    const keys = labels.map((l) => l.hotkey).filter(Boolean);
    if (new Set(labels.map((l) => l.name)).size !== labels.length || new Set(keys).size !== keys.length) { error.textContent = t('dup_label'); return; }
    const body = { name: name.value.trim(), labels, instructions: instructions.value };
    for (const [key, attrs] of SETTINGS) body[key] = attrs.step === 1 ? parseInt(inputs[key].value, 10) : parseFloat(inputs[key].value);
    body.inference_method = inferenceMethod.value;
    try {
      if (project) {
        await api.patch(`projects/${project.id}`, body);
        await loadProject(project.id, { fresh: true });
        toast(t('saved'), 'ok');
      } else {
        const created = await api.post(`orgs/${orgId}/projects`, { ...body, kind: kind.value });
        navigate(`#/projects/${created.id}/import`);
      }
    } catch (err) {
      error.textContent = describeError(err);
    }
  });

  root.replaceChildren(...(project ? [projectHeader(project, 'edit')] : []), form);
  focusHeading(root);
}
