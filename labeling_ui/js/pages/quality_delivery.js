// The quality page's "delivered set" card: which inference method the last recompute used and
// why (the project's setting, the default without enough gold, or the method the gold chose,
// with each candidate's cross-validated gold accuracy), the estimated accuracy of the delivered
// items (mean calibrated confidence of the done items), answers spent per item, and how many
// items still have fewer answers than the project's overlap.
import { t, hasText } from '../i18n.js';
import { h } from '../dom.js';
import { fmtNumber } from './common.js';

const pct1 = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
const num = (v, d = 2) => (v === null || v === undefined ? '—' : fmtNumber(v, d));

const methodName = (name) => (hasText(`method_${name}`) ? t(`method_${name}`) : name);

function scoresTable(scores, chosen) {
  const rows = Object.entries(scores || {}).sort((a, b) => b[1] - a[1]);
  if (!rows.length) return null;
  return h('table', { class: 'figures-table method-scores' }, h('caption', {}, t('method_scores')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('method')), h('th', { scope: 'col' }, t('method_gold_accuracy')))),
    h('tbody', {}, rows.map(([name, v]) => h('tr', { dataset: { method: name, chosen: name === chosen ? '1' : '0' } },
      h('th', { scope: 'row' }, methodName(name), name === chosen ? h('span', { class: 'status-badge active' }, ` ${t('method_in_use')}`) : null),
      h('td', {}, h('span', { class: 'hbar', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.round(v * 100)}%` } })), ' ', pct1(v))))));
}

function why(choice) {
  if (!choice || !choice.chosen_by) return t('method_why_unknown');
  if (choice.chosen_by === 'gold') {
    return t('method_why_gold', { items: choice.gold_items ?? '—', folds: choice.folds ?? '—', score: pct1(choice.method_scores?.[choice.method]) });
  }
  if (choice.chosen_by === 'setting') return t('method_why_setting');
  if (choice.chosen_by === 'default') return t('method_why_default', { n: choice.gold_answers ?? 0 });
  return t('method_why_kind');
}

export function deliveryCard(report) {
  const f = report.figures || {};
  const d = f.delivered || {};
  const choice = f.method_choice || {};
  const method = report.method || f.method;
  const entries = [
    ['delivered_items', d.items === undefined ? '—' : String(d.items), 'delivered_items_help'],
    ['estimated_accuracy', pct1(d.estimated_accuracy), 'estimated_accuracy_help'],
    ['answers_per_item', num(d.answers_per_item), 'answers_per_item_help'],
    ['answers_per_item_all', num(d.answers_per_item_all), 'answers_per_item_all_help'],
    ['incomplete_items', d.incomplete === undefined ? '—' : String(d.incomplete), 'incomplete_items_help'],
  ];
  return h('section', { class: 'card delivery', 'aria-labelledby': 'q-delivery', dataset: { method: method || '' } },
    h('h2', { id: 'q-delivery' }, t('delivered_set')),
    method ? h('p', { class: 'method-line' }, h('strong', {}, `${t('method')}: `), h('span', { class: 'method-name' }, methodName(method)))
      : h('p', { class: 'muted' }, t('method_none')),
    method ? h('p', { class: 'hint method-why' }, why(choice)) : null,
    scoresTable(report.method_scores, method),
    h('dl', { class: 'figure-list' }, entries.map(([key, value, help]) => h('div', { class: 'figure', dataset: { figure: key } },
      h('dt', {}, t(key)), h('dd', {}, value), h('dd', { class: 'figure-help' }, t(help))))));
}
