// Strings of pay (结算): the annotate page's earnings strip, "my earnings", the payout page,
// the project's pay settings and pay's error codes, in English and Chinese.
import { addTranslations } from './i18n.js';

addTranslations({
  en: {
    my_earnings: 'My earnings', payouts: 'Payouts', payouts_of: 'Payouts · {org}',
    pay_today: 'Today (pending / payable)', worked_today: 'Worked today',
    pending: 'Pending', payable: 'Payable', paid: 'Paid', reversed: 'Reversed', earned: 'Earned',
    pending_hint: 'Pending: work you submitted that is not payable yet (its item is not finished, reviewed or accepted). Reversed: work that was rejected or stopped counting.',
    period_from: 'From', period_to: 'To', period_missing: 'Choose both the first and the last day of the period.', show: 'Show', day: 'Day', project: 'Project', pay_items: 'Items',
    worked: 'Worked', hours_minutes: '{h} h {m} min', minutes: '{m} min', seconds_worked: '{s} s',
    by_day: 'By day', by_project: 'By project', no_earnings: 'Nothing earned in this period yet.',
    no_earnings_hint: 'Earnings appear when your work becomes payable under the project\u2019s pay rules.',
    annotator: 'Annotator', accepted: 'Accepted', rejected: 'Rejected', hourly: 'Per hour', amount: 'Amount', total: 'Total',
    download_csv: 'Download CSV', mark_paid: 'Mark period as paid',
    mark_paid_confirm: 'Mark {from} – {to} as paid ({total} {currency})? The period is then locked: it cannot be paid again, and later changes count in the next period.',
    marked_paid: 'The period {from} – {to} is marked as paid.', period_is_paid: 'This period has been paid.',
    no_payouts: 'No payable work in this period.', no_payouts_hint: 'Rows appear once annotators\u2019 work becomes payable or their working time is measured.',
    paid_periods: 'Paid periods',
    pay_settings: 'Pay', pay_per_item: 'Per item', pay_per_box: 'Per box (added per box)', pay_per_span: 'Per span (added per span)',
    pay_max_per_item: 'At most per item', pay_gold: 'Pay gold answers', pay_reject_deduction: 'Deduction for a rejected answer',
    pay_payable_when: 'Payable when', payable_when_final: 'the item is final (accepted in review or in a lot)',
    payable_when_agrees: 'the item is finished and the answer agrees with the consensus', payable_when_finished: 'the item is finished',
    pay_idle_seconds: 'Idle after (seconds without activity)', pay_bonus_accuracy: 'Monthly bonus from gold accuracy (0–1, empty: none)',
    pay_bonus_amount: 'Bonus amount', money_hint: 'Decimal, at most 4 decimals, e.g. 0.05',
    err_not_lease_holder: 'Only the person holding this item may report time on it.',
    err_lease_ended: 'This item\u2019s lease has ended.',
  },
  zh: {
    my_earnings: '我的收入', payouts: '结算', payouts_of: '结算 · {org}',
    pay_today: '今日（待定 / 可结算）', worked_today: '今日工时',
    pending: '待定', payable: '可结算', paid: '已支付', reversed: '已冲销', earned: '已计入',
    pending_hint: '待定：已提交但尚未满足计酬条件的工作（条目尚未完成、质检或验收）。已冲销：被驳回或不再计入的工作。',
    period_from: '开始日期', period_to: '结束日期', period_missing: '请选择期间的开始日期和结束日期。', show: '查看', day: '日期', project: '项目', pay_items: '条数',
    worked: '工时', hours_minutes: '{h} 小时 {m} 分', minutes: '{m} 分钟', seconds_worked: '{s} 秒',
    by_day: '按日', by_project: '按项目', no_earnings: '此期间尚无收入。',
    no_earnings_hint: '工作满足项目的计酬规则后，收入会显示在这里。',
    annotator: '标注员', accepted: '计酬', rejected: '驳回', hourly: '时薪', amount: '金额', total: '合计',
    download_csv: '下载 CSV', mark_paid: '标记此期间已支付',
    mark_paid_confirm: '将 {from} 至 {to} 标记为已支付（{total} {currency}）？此后该期间被锁定：不能再次支付，之后的变动计入下一期间。',
    marked_paid: '{from} 至 {to} 已标记为已支付。', period_is_paid: '此期间已支付。',
    no_payouts: '此期间没有可结算的工作。', no_payouts_hint: '标注员的工作可结算或有工时记录后，这里会出现对应行。',
    paid_periods: '已支付的期间',
    pay_settings: '报酬', pay_per_item: '每条报酬', pay_per_box: '每个框（按框累加）', pay_per_span: '每个片段（按片段累加）',
    pay_max_per_item: '每条上限', pay_gold: '金标准题也计酬', pay_reject_deduction: '驳回扣款',
    pay_payable_when: '计酬条件', payable_when_final: '条目最终确定（质检通过或批次验收通过）',
    payable_when_agrees: '条目完成且答案与共识一致', payable_when_finished: '条目完成',
    pay_idle_seconds: '无操作多少秒后视为空闲', pay_bonus_accuracy: '月度奖励所需金标准准确率（0–1，留空为无）',
    pay_bonus_amount: '奖励金额', money_hint: '十进制数，最多 4 位小数，例如 0.05',
    err_not_lease_holder: '只有领取该条目的人可以上报其工时。',
    err_lease_ended: '该条目的租约已结束。',
  },
});

// Working seconds as "1 h 5 min" / "1 小时 5 分".
export function fmtDuration(seconds, t) {
  const minutes = Math.floor((seconds || 0) / 60);
  if (minutes < 1) return t('seconds_worked', { s: Math.round(seconds || 0) }); // not "0 min" for real work
  if (minutes < 60) return t('minutes', { m: minutes });
  return t('hours_minutes', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

// "YYYY-MM-DD" of a Date in UTC (the ledger's days are UTC days).
export const utcDay = (date = new Date()) => date.toISOString().slice(0, 10);
export const monthStart = (date = new Date()) => `${utcDay(date).slice(0, 8)}01`;
