// A labelled group of checkboxes over rows {id, label}: pick members, teams or projects.
import { h } from '../dom.js';

export function checkList(rows, { label, name, selected = [] }) {
  const chosen = new Set(selected.map(Number));
  const el = h('div', { class: 'check-list', role: 'group', 'aria-label': label },
    rows.map((row) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name, value: row.id, checked: chosen.has(Number(row.id)) }), ` ${row.label}`)));
  const values = () => [...el.querySelectorAll('input:checked')].map((c) => Number(c.value));
  const setDisabled = (disabled) => el.querySelectorAll('input').forEach((c) => { c.disabled = disabled; });
  return { el, values, setDisabled };
}
