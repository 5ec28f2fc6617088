// Create or edit a project: kind, labels (name, colour, hotkey), instructions and the quality / pay settings.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { navigate } from '../router.js';
import { loadKinds, kindTitle } from '../kinds.js';
import { toast } from '../toast.js';
import { projectHeader, errorBox, loading, refusedPage } from './common.js';
import { describeError, markInvalid } from '../errors.js';
import { payFieldset } from './pay_settings_form.js';

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
  const refused = project ? refusedPage(project, 'edit') : null;
  if (refused) { root.replaceChildren(projectHeader(project, 'edit'), refused); return; }

  const name = h('input', { name: 'name', required: true, maxlength: 200, value: project?.name ?? '' });
  const kind = h('select', { name: 'kind', disabled: Boolean(project) },
    kindNames.map((k) => h('option', { value: k, selected: project?.kind === k }, kindTitle(k))));
  const instructions = h('textarea', { name: 'instructions', rows: 5 }, project?.instructions ?? '');
  const rows = h('tbody', {});
  const error = h('p', { class: 'form-error', role: 'alert' });

  const addLabel = (label = {}) => {
    const n = rows.children.length;
    const stored = project && label.name ? label.name : null; // a label the project has: renamed by the server
    const row = h('tr', { class: 'label-row', dataset: stored ? { stored } : {} },
      h('td', {}, h('input', { class: 'label-name', 'aria-label': `${t('label_name')} ${n + 1}`, required: true, value: label.name ?? '' })),
      h('td', {}, h('input', { class: 'label-color', type: 'color', 'aria-label': `${t('color')} ${n + 1}`, value: label.color || PALETTE[n % PALETTE.length] })),
      h('td', {}, h('input', { class: 'label-hotkey', maxlength: 1, size: 2, 'aria-label': `${t('hotkey')} ${n + 1}`, value: label.hotkey ?? (n < 9 ? String(n + 1) : '') })),
      h('td', {}, stored ? h('button', { type: 'button', class: 'rename-label', onclick: () => openRename(row, stored) }, t('rename_label')) : null,
        h('button', { type: 'button', class: 'danger', 'aria-label': `${t('remove')} ${n + 1}`, onclick: () => row.remove() }, '×')));
    rows.append(row);
    return row;
  };
  (project?.labels?.length ? project.labels : [{}]).forEach(addLabel);

  // Rename one stored label everywhere (answers, gold, prelabels, consensus): its own request.
  function openRename(row, from) {
    if (row.nextElementSibling?.classList.contains('rename-row')) return;
    const to = h('input', { class: 'rename-to', 'aria-label': t('rename_to', { name: from }), maxlength: 64, value: from });
    const note = h('span', { class: 'form-error', role: 'alert' });
    const go = async () => {
      note.textContent = '';
      try {
        const done = await api.post(`projects/${project.id}/labels/rename`, { from, to: to.value.trim() });
        await loadProject(project.id, { fresh: true });
        toast(t('label_renamed', { from, to: to.value.trim(), n: done.rewritten.annotations }), 'ok', 6000);
        root.replaceChildren();
        await renderProjectEdit(root, { id: project.id, orgId });
      } catch (err) { note.textContent = describeError(err); }
    };
    const form = h('tr', { class: 'rename-row' }, h('td', { colspan: 4 },
      h('label', {}, t('rename_to', { name: from }), ' ', to), ' ',
      h('button', { type: 'button', class: 'primary', onclick: go }, t('rename_label')), ' ',
      h('button', { type: 'button', onclick: () => form.remove() }, t('cancel')),
      h('p', { class: 'hint' }, t('rename_hint')), note));
    row.after(form);
    to.select();
  }

  // A removal refused because answers use the label: say where each removed label's answers go.
  const mapping = h('fieldset', { class: 'label-map', hidden: true });
  async function askMapping(err, labels) {
    const used = err.body?.labels || {};
    const keepsMarks = !(await loadKinds())[project.kind]?.whole_label; // marks can just be dropped
    mapping.replaceChildren(h('legend', {}, t('map_removed_labels')),
      ...Object.entries(used).map(([name, count]) => field(t('map_label', { name, count }),
        h('select', { class: 'map-select', dataset: { from: name } },
          labels.map((l) => h('option', { value: l.name }, t('map_into', { name: l.name }))),
          keepsMarks ? h('option', { value: '' }, t('map_drop')) : null))),
      h('p', { class: 'hint' }, t('map_hint')));
    mapping.hidden = false;
  }
  const labelMap = () => (mapping.hidden ? undefined : Object.fromEntries(
    [...mapping.querySelectorAll('.map-select')].map((s) => [s.dataset.from, s.value || null])));

  const inputs = Object.fromEntries(SETTINGS.map(([key, attrs, dflt]) =>
    [key, h('input', { type: 'number', name: key, ...attrs, value: String(project?.[key] ?? dflt) })]));

  // Review (质检) and rework (返工): how items are chosen for review, and where rejected ones go.
  const choice = (key, options) => h('select', { name: key },
    options.map((o) => h('option', { value: o, selected: (project?.[key] ?? options[0]) === o }, t(`${key}_${o}`))));
  const review = {
    review_mode: choice('review_mode', ['none', 'sample', 'all', 'low_confidence']),
    review_rate: h('input', { type: 'number', name: 'review_rate', min: 0, max: 1, step: 0.01, value: String(project?.review_rate ?? 0.1) }),
    review_confidence_below: h('input', { type: 'number', name: 'review_confidence_below', min: 0, max: 1, step: 0.01, value: String(project?.review_confidence_below ?? 0.8) }),
    review_annotators_below: h('input', { type: 'number', name: 'review_annotators_below', min: 0, max: 1, step: 0.01, value: project?.review_annotators_below ?? '' }),
    rework_to: choice('rework_to', ['same', 'pool']),
    review_reasons: h('input', { name: 'review_reasons', value: (project?.review_reasons ?? []).join(', '), placeholder: '漏标, 错标, 框不准' }),
  };
  // Delivery (验收): when answers become final, and whether acceptance may use reduced inspection.
  const check = (key, dflt) => h('input', { type: 'checkbox', name: key, checked: Boolean(project?.[key] ?? dflt) });
  const delivery = {
    final_when: choice('final_when', ['finished', 'lot_accepted']),
    reduced_inspection: check('reduced_inspection', false),
    production_steady: check('production_steady', true),
  };
  const deliveryBody = () => ({
    final_when: delivery.final_when.value,
    reduced_inspection: delivery.reduced_inspection.checked,
    production_steady: delivery.production_steady.checked,
  });
  const reviewBody = () => ({
    review_mode: review.review_mode.value,
    review_rate: parseFloat(review.review_rate.value),
    review_confidence_below: parseFloat(review.review_confidence_below.value),
    review_annotators_below: review.review_annotators_below.value === '' ? null : parseFloat(review.review_annotators_below.value),
    rework_to: review.rework_to.value,
    review_reasons: review.review_reasons.value.split(/[,，、]/).map((r) => r.trim()).filter(Boolean),
  });

  let pay = payFieldset(project, project?.kind ?? kind.value);
  kind.addEventListener('change', () => { const next = payFieldset(null, kind.value); pay.el.replaceWith(next.el); pay = next; });
  inputs.reward_per_item.type = 'text'; // a decimal string, sent exactly as typed (pay.per_item)
  inputs.reward_per_item.setAttribute('inputmode', 'decimal');
  if (project?.pay) inputs.reward_per_item.value = project.pay.per_item;
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
      SETTINGS.map(([key]) => field(t(key), inputs[key], key === 'overlap' && project ? t('overlap_hint') : undefined)),
      field(t('inference_method'), inferenceMethod, t('inference_method_hint'))),
    mapping,
    h('fieldset', { class: 'settings-grid review-settings' }, h('legend', {}, t('review_settings')),
      Object.entries(review).map(([key, control]) => field(t(key), control))),
    h('fieldset', { class: 'settings-grid delivery-settings' }, h('legend', {}, t('delivery_settings')),
      field(t('final_when'), delivery.final_when, t('final_when_hint')),
      h('label', { class: 'check' }, delivery.reduced_inspection, ' ', t('reduced_inspection')),
      h('label', { class: 'check' }, delivery.production_steady, ' ', t('production_steady')),
      h('p', { class: 'hint' }, t('reduced_inspection_hint'))),
    pay.el,
    error,
    h('button', { type: 'submit', class: 'primary' }, project ? t('save') : t('create')));

  // The input of each field path a 422 may name (``loc``), to mark it.
  const controls = () => {
    const byPath = { name, kind, instructions, ...inputs, ...review, ...delivery, ...pay.controls,
      'pay.per_item': inputs.reward_per_item, inference_method: inferenceMethod, labels: rows.querySelector('.label-name') };
    [...rows.children].forEach((r, i) => {
      byPath[`labels.${i}.name`] = r.querySelector('.label-name');
      byPath[`labels.${i}.color`] = r.querySelector('.label-color');
      byPath[`labels.${i}.hotkey`] = r.querySelector('.label-hotkey');
    });
    return byPath;
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    markInvalid(null, controls());
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
    Object.assign(body, reviewBody(), deliveryBody());
    delete body.reward_per_item; // sent as pay.per_item, the exact decimal string
    body.pay = pay.value(inputs.reward_per_item.value);
    body.inference_method = inferenceMethod.value;
    try {
      if (project) {
        const map = labelMap();
        if (map) body.label_map = Object.fromEntries(Object.entries(map).filter(([from]) => !labels.some((l) => l.name === from)));
        await api.patch(`projects/${project.id}`, body);
        const overlapMoved = body.overlap !== project.overlap;
        project = await loadProject(project.id, { fresh: true });
        mapping.hidden = true;
        toast(overlapMoved ? t('overlap_followed', { n: body.overlap }) : t('saved'), 'ok', overlapMoved ? 6000 : undefined);
      } else {
        const created = await api.post(`orgs/${orgId}/projects`, { ...body, kind: kind.value });
        navigate(`#/projects/${created.id}/import`);
      }
    } catch (err) {
      error.textContent = describeError(err);
      markInvalid(err, controls());
      if (err.code === 'label_in_use' && err.body?.labels) askMapping(err, labels);
    }
  });

  root.replaceChildren(...(project ? [projectHeader(project, 'edit')] : []), form);
  focusHeading(root);
}
