// The project's pay settings in the project form: rates as decimal strings (never floats), when
// work becomes payable, gold pay, the deduction for a rejection, the idle limit of working time
// and the monthly accuracy bonus. ``per_item`` is the form's "Reward per item" field.
import { t } from '../i18n.js';
import { h, field } from '../dom.js';
import { knownKind } from '../kinds.js';

const WHEN = ['agrees', 'finished', 'final'];

const moneyInput = (name, value) => h('input', {
  name: `pay_${name}`, inputmode: 'decimal', pattern: '\\d+(\\.\\d{1,4})?', value: value ?? '', placeholder: '0.05',
});

export function payFieldset(project, kindName) {
  const pay = project?.pay || {};
  const marks = knownKind(kindName ?? project?.kind)?.mark_rate; // per_box, per_span (GET /kinds)
  const inputs = {
    max_per_item: moneyInput('max_per_item', pay.max_per_item),
    reject_deduction: moneyInput('reject_deduction', pay.reject_deduction ?? '0'),
    bonus_amount: moneyInput('bonus_amount', pay.bonus?.amount),
  };
  if (marks) inputs[marks] = moneyInput(marks, pay[marks]);
  const gold = h('input', { type: 'checkbox', name: 'pay_gold', checked: Boolean(pay.pay_gold) });
  const when = h('select', { name: 'pay_payable_when' },
    WHEN.map((w) => h('option', { value: w, selected: (pay.payable_when || 'agrees') === w }, t(`payable_when_${w}`))));
  const idle = h('input', { type: 'number', name: 'pay_idle_seconds', min: 15, max: 3600, step: 1, value: String(pay.idle_seconds ?? 120) });
  const accuracy = h('input', { type: 'number', name: 'pay_bonus_accuracy', min: 0, max: 1, step: 0.01, value: pay.bonus ? String(pay.bonus.min_accuracy) : '' });
  const el = h('fieldset', { class: 'settings-grid pay-settings' }, h('legend', {}, t('pay_settings')),
    marks ? field(t(`pay_${marks}`), inputs[marks], t('money_hint')) : null,
    field(t('pay_max_per_item'), inputs.max_per_item, t('money_hint')),
    field(t('pay_reject_deduction'), inputs.reject_deduction, t('money_hint')),
    field(t('pay_payable_when'), when),
    h('label', { class: 'field checkbox' }, gold, h('span', {}, t('pay_gold'))),
    field(t('pay_idle_seconds'), idle),
    field(t('pay_bonus_accuracy'), accuracy), field(t('pay_bonus_amount'), inputs.bonus_amount, t('money_hint')));
  // The ``pay`` body; ``perItem`` is the "Reward per item" field's text.
  const value = (perItem) => {
    const body = {
      per_item: String(perItem).trim() || '0',
      max_per_item: inputs.max_per_item.value.trim() || null,
      reject_deduction: inputs.reject_deduction.value.trim() || '0',
      pay_gold: gold.checked,
      payable_when: when.value,
      idle_seconds: parseInt(idle.value, 10) || 120,
      bonus: accuracy.value.trim() ? { min_accuracy: parseFloat(accuracy.value), amount: inputs.bonus_amount.value.trim() || '0' } : null,
    };
    if (marks) body[marks] = inputs[marks].value.trim() || null;
    return body;
  };
  // The inputs by the field path a 422 names (``pay.max_per_item``), to mark them.
  const controls = Object.fromEntries([...Object.entries(inputs), ['pay_gold', gold], ['payable_when', when],
    ['idle_seconds', idle], ['bonus.min_accuracy', accuracy], ['bonus.amount', inputs.bonus_amount], ['bonus', accuracy]]
    .map(([key, control]) => [`pay.${key}`, control]));
  return { el, value, controls };
}
