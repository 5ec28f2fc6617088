// The review section of the quality page: items waiting, reviewed and in rework; each reviewer's
// decisions, median time and agreement with other reviewers; each annotator's review accuracy
// (the second record beside gold). GET /projects/{id}/review/figures.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h } from '../dom.js';
import { errorBox, fmtPercent } from './common.js';

const table = (caption, head, rows) => h('table', { class: 'figures-table' }, h('caption', {}, caption),
  h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))),
  h('tbody', {}, rows));

export function reviewFigures(projectId) {
  const box = h('section', { class: 'card review-figures', 'aria-labelledby': 'review-figures-title' },
    h('h2', { id: 'review-figures-title' }, t('review_figures')));
  api.get(`projects/${projectId}/review/figures`).then((f) => {
    const counts = h('dl', { class: 'figure-list' }, [['in_review', f.in_review], ['reviewed', f.reviewed], ['in_rework', f.rework]]
      .map(([key, n]) => h('div', { class: 'figure', dataset: { figure: key } }, h('dt', {}, t(key)), h('dd', {}, String(n)))));
    if (!f.reviewers.length) { box.append(counts, h('p', { class: 'muted' }, t('no_reviews'))); return; }
    box.append(counts,
      table(t('reviewer'), ['reviewer', 'reviewed', 'decisions', 'median_time', 'agreement_reviewers'], f.reviewers.map((r) => h('tr', { dataset: { reviewerId: r.reviewer_id } },
        h('td', {}, r.name || `#${r.reviewer_id}`), h('td', {}, String(r.reviewed)),
        h('td', {}, `${r.accepted} / ${r.fixed} / ${r.rejected}`),
        h('td', {}, r.median_seconds === null ? '—' : `${r.median_seconds.toFixed(1)} s`),
        h('td', {}, r.agreement === null ? '—' : `${fmtPercent(r.agreement)} (${r.double_reviewed})`)))),
      table(t('review_accuracy'), ['review_col_annotator', 'judged', 'review_accuracy'], f.annotators.map((a) => h('tr', { dataset: { annotatorId: a.annotator_id } },
        h('td', {}, a.name || t('annotator_n', { id: a.annotator_id })), h('td', {}, String(a.judged)), h('td', {}, fmtPercent(a.review_accuracy))))));
  }).catch((err) => box.append(errorBox(err)));
  return box;
}
