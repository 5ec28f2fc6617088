// The client's home (验收方): under each project, how far it is, its lots and its versions.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h } from '../dom.js';
import { versionStatusText } from '../i18n_exports.js';

// A line filled in when its three answers arrive; a failed one leaves its part out.
export function deliverySummary(project) {
  const line = h('div', { class: 'delivery-summary muted', dataset: { summaryFor: project.id } }, t('loading'));
  Promise.allSettled([
    api.get(`projects/${project.id}/progress`),
    api.get(`projects/${project.id}/lots`, { offset: 0, limit: 100 }),
    api.get(`projects/${project.id}/versions`, { offset: 0, limit: 1 }),
  ]).then(([progress, lots, versions]) => {
    const parts = [];
    if (progress.status === 'fulfilled') {
      const p = progress.value;
      const pct = p.items ? Math.round((100 * p.done) / p.items) : 0;
      parts.push(h('span', { dataset: { part: 'progress' } },
        h('progress', { max: 100, value: pct, 'aria-label': t('percent_done', { p: pct }) }), ` ${t('percent_done', { p: pct })}`));
    }
    if (lots.status === 'fulfilled') {
      const count = (status) => lots.value.lots.filter((lot) => lot.status === status).length;
      parts.push(h('span', { dataset: { part: 'lots' } }, t('summary_lots', {
        accepted: count('accepted'), rejected: count('rejected'), inspecting: count('inspecting'),
      })));
    }
    if (versions.status === 'fulfilled') {
      const latest = versions.value[0];
      parts.push(h('span', { dataset: { part: 'versions' } }, latest
        ? t('summary_version', { number: latest.number, status: versionStatusText(latest.status) })
        : t('summary_no_version')));
    }
    line.replaceChildren(...parts.flatMap((part, i) => (i ? [' · ', part] : [part])));
  });
  return line;
}
