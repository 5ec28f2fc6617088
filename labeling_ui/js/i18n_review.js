// Strings of review (质检) and rework (返工): the reviewer's page, the review settings, the review
// figures of the quality page and the rework note of the annotate page, in English and Chinese.
import { addTranslations } from './i18n.js';

addTranslations({
  en: {
    review: 'Review', review_start: 'Start reviewing', review_title: 'Review: {name}',
    review_start_hint: 'Items waiting for review are shown one at a time. Accept with A, reject with R, fix with F; number keys toggle reasons.',
    review_nothing_title: 'Nothing to review', review_nothing: 'No item is waiting for review right now. Come back later.',
    review_paused: 'You are paused on this project.',
    annotations_n: 'Annotations ({n})', confidence_n: 'confidence {p}', no_consensus: 'No consensus yet.',
    annotator_n: 'Annotator {id}', show_annotator: 'Show annotator {id}',
    review_accept: 'Accept', review_reject: 'Reject', review_fix: 'Fix', fix_submit: 'Save fix', fix_cancel: 'Cancel fix',
    reasons: 'Reasons', comment: 'Comment (optional)', no_reasons: 'The project has no reason tags.',
    verdict_accept: 'Accepted.', verdict_fix: 'Fixed.', verdict_reject: 'Sent back for rework.',
    review_shortcuts: 'A accept · R reject · F fix (Enter saves, Esc cancels) · 1–9 reasons · Enter next',
    reviewed_today: 'Reviewed', round_n: 'rework round {n}',
    // rework on the annotate page
    rework_title: 'Rework', rework_text: 'A reviewer sent this item back.', rework_reasons: 'Reasons: {reasons}',
    // project settings
    review_settings: 'Review (QA)', review_mode: 'Review mode', review_mode_none: 'No review', review_mode_sample: 'A random sample',
    review_mode_all: 'Every item', review_mode_low_confidence: 'Items with low confidence',
    review_rate: 'Sample share (0–1)', review_confidence_below: 'Review when confidence is below',
    review_annotators_below: 'Review all items of annotators whose accuracy is below (empty: off)',
    rework_to: 'Rejected items go to', rework_to_same: 'the same annotators', rework_to_pool: 'any other annotator',
    review_reasons: 'Reason tags (comma-separated)',
    // quality page
    review_figures: 'Review', in_review: 'Waiting for review', reviewed: 'Reviewed', in_rework: 'In rework',
    reviewer: 'Reviewer', decisions: 'Accepted / fixed / rejected', median_time: 'Median time', agreement_reviewers: 'Agreement with other reviewers',
    review_accuracy: 'Review accuracy', review_col_annotator: 'Annotator', judged: 'Judged', no_reviews: 'No reviews yet.',
    err_review_expired: 'The review lease ran out; the item may be with another reviewer now. Take the next one.',
    err_review_skipped: 'This review was given back. Take the next one.',
  },
  zh: {
    review: '质检', review_start: '开始质检', review_title: '质检：{name}',
    review_start_hint: '待质检的条目逐条显示。按 A 通过，R 驳回，F 修正；数字键选择原因。',
    review_nothing_title: '暂无待质检条目', review_nothing: '目前没有等待质检的条目，请稍后再来。',
    review_paused: '你在此项目中已被暂停。',
    annotations_n: '标注（{n}）', confidence_n: '置信度 {p}', no_consensus: '尚无共识。',
    annotator_n: '标注员 {id}', show_annotator: '显示标注员 {id}',
    review_accept: '通过', review_reject: '驳回', review_fix: '修正', fix_submit: '保存修正', fix_cancel: '取消修正',
    reasons: '原因', comment: '备注（可选）', no_reasons: '本项目没有设置原因标签。',
    verdict_accept: '已通过。', verdict_fix: '已修正。', verdict_reject: '已驳回返工。',
    review_shortcuts: 'A 通过 · R 驳回 · F 修正（Enter 保存，Esc 取消）· 1–9 原因 · Enter 下一条',
    reviewed_today: '已质检', round_n: '第 {n} 轮返工',
    rework_title: '返工', rework_text: '质检员退回了此条目。', rework_reasons: '原因：{reasons}',
    review_settings: '质检', review_mode: '质检方式', review_mode_none: '不质检', review_mode_sample: '随机抽检',
    review_mode_all: '全检', review_mode_low_confidence: '低置信度条目',
    review_rate: '抽检比例（0–1）', review_confidence_below: '置信度低于此值时质检',
    review_annotators_below: '准确率低于此值的标注员全部质检（留空：关闭）',
    rework_to: '驳回的条目交给', rework_to_same: '原标注员', rework_to_pool: '其他标注员',
    review_reasons: '原因标签（逗号分隔）',
    review_figures: '质检', in_review: '待质检', reviewed: '已质检', in_rework: '返工中',
    reviewer: '质检员', decisions: '通过 / 修正 / 驳回', median_time: '用时中位数', agreement_reviewers: '与其他质检员一致率',
    review_accuracy: '质检准确率', review_col_annotator: '标注员', judged: '被质检', no_reviews: '尚无质检记录。',
    err_review_expired: '质检租约已过期，该条目可能已交给其他质检员。请取下一条。',
    err_review_skipped: '此质检已退回。请取下一条。',
  },
});
