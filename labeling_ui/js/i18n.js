// zh / en dictionaries. Default from navigator.language; the choice is kept in localStorage.
const LANG_KEY = 'jinbiao.lang';

const en = {
  app_name: 'Jinbiao', skip_link: 'Skip to content', language: 'Language', sign_in: 'Sign in', sign_out: 'Sign out',
  email: 'Email', password: 'Password', signing_in: 'Signing in…', bad_credentials: 'Wrong email or password.',
  projects: 'Projects', no_projects: 'No projects yet.', no_orgs: 'You are not a member of any organization yet. Ask a manager to add you.',
  role_owner: 'owner', role_manager: 'manager', role_reviewer: 'reviewer', role_annotator: 'annotator',
  new_project: 'New project', edit: 'Edit', import: 'Import', progress: 'Progress', quality: 'Quality', exports: 'Exports',
  start: 'Start', annotate: 'Annotate', loading: 'Loading…', error: 'Error', error_line: 'Error: {message}', retry: 'Retry', back: 'Back to projects',
  kind_image_classification: 'Image classification', kind_image_boxes: 'Bounding boxes',
  kind_image_polygons: 'Defect outlines (polygons)',
  kind_text_classification: 'Text classification', kind_text_spans: 'Text spans',
  // annotate
  start_hint: 'Press Start, then label with the hotkeys and press Enter to submit.',
  instructions: 'Instructions', no_instructions: 'No instructions for this project.',
  labels: 'Labels', submit: 'Submit', submit_key: 'Enter', skip: 'Skip', skip_key: 'Shift+Enter', undo: 'Undo', redo: 'Redo',
  done_today: 'Done today', gold_accuracy: 'Gold accuracy', earnings: 'Earnings', lease: 'Time left', lease_left_hours: '{h} h {m} min', lease_left_days: '{d} d {h} h', lease_expired: 'Lease expired: your answer is kept only if the item still needs it.',
  nothing_left: 'Nothing left to label in this project. Thank you!', nothing_left_title: 'All done',
  paused_title: 'You are paused on this project', paused_text: 'Your gold accuracy fell below the project threshold. A manager can resume you.',
  paused_low_gold_accuracy_text: 'Your accuracy on gold (test) items is {accuracy} after {answered} of them, below the project\u2019s minimum of {minimum}. A manager can resume you.',
  paused_low_review_accuracy_text: 'Your accuracy in review (质检) is {accuracy} after {answered} judged answers, below the project\u2019s minimum of {minimum}. A manager can resume you.',
  paused_by_manager_text: 'A manager has paused you on this project.',
  gold_right_of: '{right} of {n} gold answers right (the figure shown is estimated as the pause rule does)',
  paused_pay_text: 'While you are paused, your unpaid work on this project does not count for pay; it counts again once you are resumed.',
  pause_line_paused_low_gold_accuracy: 'gold accuracy {accuracy} after {answered} gold answers, below {minimum} (since the last resume)',
  pause_line_paused_low_review_accuracy: 'review accuracy {accuracy} after {answered} judged answers, below {minimum} (since the last resume)',
  pause_line_manager: 'paused by a manager', pause_line_manager_reason: 'paused by a manager: {reason}', paused_since: 'since {when}',
  pick_label: 'Pick a label first (click it or press its hotkey).',
  gold_right: 'Gold item: correct.', gold_wrong: 'Gold item: the expected answer was {expected}.',
  submitted_late: 'The lease expired and the item is already complete; this answer was not stored.',
  submit_failed: 'Could not submit: {detail}. Your work is still here; try again.',
  item_n: 'Item {n}', shortcuts: 'Keyboard', shortcuts_text: 'Hotkeys pick a label · Enter submits · Shift+Enter skips · Ctrl+Z / Ctrl+Y undo and redo',
  boxes_help: 'Drag on the image to draw a box. Click a box to select, move or resize it; Delete removes it. O answers “OK, no defect”. Ctrl+wheel or +/− zooms; hold Space and drag to pan.',
  spans_help: 'Select text with the mouse to mark a span; a hotkey sets its label. Click a span to select it; Delete removes it.',
  zoom_in: 'Zoom in', zoom_out: 'Zoom out', zoom_fit: 'Fit', zoom: 'Zoom',
  boxes: 'Boxes', spans: 'Spans', none_yet: 'None yet.', remove: 'Remove', label: 'Label', current_label: 'Label for new marks',
  text_to_label: 'Text to label', image_to_label: 'Image to label',
  // manager
  edit_project: 'Edit project', create: 'Create', save: 'Save', saved: 'Saved.', name: 'Name', kind: 'Kind',
  label_editor: 'Labels', label_name: 'Label name', color: 'Colour', hotkey: 'Hotkey', add_label: 'Add label',
  settings: 'Settings', overlap: 'Overlap (annotations per item)', overlap_hint: 'A new overlap applies to the items still waiting for answers; finished items keep theirs (re-queue them in the data manager to ask for more).', overlap_followed: 'Saved. Items still waiting for answers now want {n}.', max_overlap: 'Maximum overlap', agreement_target: 'Agreement target (0–1)',
  gold_rate: 'Gold rate (0–1)', qualification_count: 'Qualification items', min_gold_accuracy: 'Minimum accuracy on gold and in review (0–1)',
  gold_min_count: 'Judged answers before pausing (gold or review)', lease_seconds: 'Lease (seconds)', reward_per_item: 'Reward per item',
  dup_label: 'Label names and hotkeys must be unique.', need_label: 'Add at least one label.',
  import_title: 'Import items', files: 'Files (images, zip, JSONL, CSV)', drop_here: 'Drop files here or choose them',
  upload: 'Upload', uploading: 'Uploading…', batch: 'Batch {n}/{total}', upload_done: 'Upload finished.', upload_failed: 'Nothing was imported.',
  created: 'Created', duplicates: 'Duplicates', errors: 'Errors', row: 'Row', source: 'Source', message: 'Message',
  paste_texts: 'Or paste texts, one item per line', add_texts: 'Add texts',
  items: 'Items', done: 'Done', in_progress: 'In progress', annotations: 'Annotations', gold_items: 'Gold items', gold_answered: 'Gold answered',
  refresh: 'Refresh', percent_done: '{p}% done',
  quality_empty: 'Quality figures appear here once the quality reports are available on the server.',
  exports_empty: 'Dataset exports appear here once exports are available on the server.',
  new_version: 'New dataset version', format: 'Format', min_confidence: 'Minimum confidence', split: 'Split train / val / test', seed: 'Seed',
  build: 'Build', download: 'Download', status: 'Status', version: 'Version', annotators: 'Annotators', figure: 'Figure', value: 'Value',
  // quality
  quality_status: 'Computed {when} in {ms} ms from {n} annotations.', quality_never: 'Not computed yet.',
  quality_pending: 'Recomputing…', recompute: 'Recompute now', recompute_sent: 'Recompute requested; the figures update in a few seconds.',
  download_csv: 'Download CSV', quality_none_title: 'No quality figures yet',
  quality_none: 'The quality worker computes the figures a few seconds after annotators submit. Gold items and an overlap of 2 or more make them meaningful.',
  quality_none_recompute: 'Already have annotations? Press “Recompute now”.',
  agreement: 'Agreement', agreement_none: 'Agreement needs items with at least two answers (overlap 2 or more).',
  consensus: 'Consensus', consensus_none: 'No item has a consensus yet.', confidence: 'Confidence', confidence_histogram: 'Consensus confidence per item',
  per_label: 'Per label',
  fig_percent_agreement: 'Percent agreement', fig_percent_agreement_help: 'Share of pairs of answers on the same item that chose the same label.',
  fig_fleiss_kappa: 'Fleiss’ kappa', fig_fleiss_kappa_help: 'Agreement beyond chance on items with the same number of answers: 1 is perfect, 0 no better than chance.',
  fig_krippendorff_alpha: 'Krippendorff’s alpha', fig_krippendorff_alpha_help: 'Agreement beyond chance that allows missing answers: 0.8 or more is reliable, 0.667 tentative.',
  fig_pairwise_f1: 'Pairwise box F1', fig_pairwise_f1_help: 'How well two annotators’ boxes on an item match (same label, IoU at the threshold or more), averaged over pairs.',
  fig_mean_iou: 'Mean IoU', fig_mean_iou_help: 'Average overlap (intersection over union) of the boxes that match.',
  fig_pairwise_f1_exact: 'Pairwise span F1 (exact)', fig_pairwise_f1_exact_help: 'Two spans are the same only with the same label, start and end.',
  fig_pairwise_f1_overlap: 'Pairwise span F1 (overlap)', fig_pairwise_f1_overlap_help: 'Spans with the same label that overlap count as the same.',
  fig_items_with_2plus: 'Items with 2+ answers', fig_items_with_2plus_help: 'Agreement is measured on these items; gold items are left out.',
  fig_fleiss_items: 'Items in kappa', fig_fleiss_items_help: 'Items with the most common number of answers, used for kappa.',
  fig_iou_threshold: 'IoU threshold', fig_iou_threshold_help: 'Two boxes match from this overlap on.',
  fig_per_label_agreement: 'Agreement within the label',
  fig_items: 'Items with a consensus', fig_items_help: 'Normal items with an inferred answer (gold items are not counted).',
  fig_mean_confidence: 'Mean confidence', fig_mean_confidence_help: 'How sure the truth inference is of each item’s consensus, on average.',
  fig_median_confidence: 'Median confidence', fig_median_confidence_help: 'Half of the items have a consensus at least this sure.',
  fig_counted: 'Annotators counted', fig_counted_help: 'Annotators whose answers enter consensus and agreement.',
  fig_paused: 'Annotators paused', fig_paused_help: 'Their answers are left out of consensus and agreement.',
  col_name: 'Name', col_email: 'Email', col_answers: 'Answers', col_gold_answered: 'Gold answered', col_gold_accuracy: 'Gold accuracy',
  col_agreement: 'Agreement with consensus', col_status: 'Status', actions: 'Actions', sort_hint: 'click a column heading to sort',
  status_active: 'active', status_paused: 'paused', pause: 'Pause', resume: 'Resume', details: 'Details', cancel: 'Cancel', close: 'Close',
  resume_hint: 'Resuming restarts the annotator’s gold count.', pause_title: 'Pause {name}',
  pause_reason: 'Reason', pause_reason_hint: 'The annotator sees it when they ask for the next item.', pause_default_reason: 'paused by a manager',
  paused_ok: '{name} is paused.', resumed_ok: '{name} can work again; their gold count restarts.',
  no_annotators: 'No annotator has answered yet.', gold_correct: 'Gold correct (points)', paused_reason: 'Reason for the pause', updated_at: 'Figures from',
  confusion: 'Confusion with the consensus', confusion_help: 'Rows: the consensus label; columns: what this annotator answered. The diagonal is agreement.',
  confusion_corner: 'Consensus label \\ answer', confusion_none: 'No confusion matrix for this kind of project: boxes and spans are compared by F1.',
  not_found: 'Not found.',
};

const zh = {
  app_name: '津标', skip_link: '跳到内容', language: '语言', sign_in: '登录', sign_out: '退出',
  email: '邮箱', password: '密码', signing_in: '正在登录…', bad_credentials: '邮箱或密码错误。',
  projects: '项目', no_projects: '还没有项目。', no_orgs: '你还不属于任何组织，请联系管理员添加。',
  role_owner: '所有者', role_manager: '管理员', role_reviewer: '审核员', role_annotator: '标注员',
  new_project: '新建项目', edit: '编辑', import: '导入', progress: '进度', quality: '质量', exports: '导出',
  start: '开始', annotate: '标注', loading: '加载中…', error: '出错', error_line: '出错：{message}', retry: '重试', back: '返回项目列表',
  kind_image_polygons: '缺陷轮廓（多边形）',
  kind_image_classification: '图像分类', kind_image_boxes: '目标框', kind_text_classification: '文本分类', kind_text_spans: '文本片段',
  start_hint: '点击“开始”，用快捷键选标签，按 Enter 提交。',
  instructions: '标注说明', no_instructions: '本项目没有说明。',
  labels: '标签', submit: '提交', submit_key: 'Enter', skip: '跳过', skip_key: 'Shift+Enter', undo: '撤销', redo: '重做',
  done_today: '今日完成', gold_accuracy: '金标准正确率', earnings: '收入', lease: '剩余时间', lease_left_hours: '{h}小时{m}分', lease_left_days: '{d}天{h}小时', lease_expired: '租约已过期：只有该条目仍需要标注时才会保存你的答案。',
  nothing_left: '本项目已没有可标注的条目，谢谢！', nothing_left_title: '全部完成',
  paused_title: '你在本项目中已被暂停', paused_text: '你的金标准正确率低于项目阈值，管理员可以恢复你的资格。',
  paused_low_gold_accuracy_text: '你在金标准（测试）题上的正确率为 {accuracy}（共 {answered} 题），低于项目要求的 {minimum}。管理员可以恢复你的资格。',
  paused_low_review_accuracy_text: '你的质检正确率为 {accuracy}（共 {answered} 条被质检的答案），低于项目要求的 {minimum}。管理员可以恢复你的资格。',
  paused_by_manager_text: '管理员已暂停你在本项目的标注。',
  gold_right_of: '{n} 道金标准题答对 {right} 道（显示的是暂停规则所用的估计值）',
  paused_pay_text: '暂停期间，你在本项目中尚未结算的工作不计入报酬；恢复后会重新计入。',
  pause_line_paused_low_gold_accuracy: '金标准正确率 {accuracy}（{answered} 题），低于 {minimum}（自上次恢复起）',
  pause_line_paused_low_review_accuracy: '质检正确率 {accuracy}（{answered} 条被质检），低于 {minimum}（自上次恢复起）',
  pause_line_manager: '由管理员暂停', pause_line_manager_reason: '由管理员暂停：{reason}', paused_since: '暂停于 {when}',
  pick_label: '请先选择标签（点击或按快捷键）。',
  gold_right: '金标准题：回答正确。', gold_wrong: '金标准题：正确答案是 {expected}。',
  submitted_late: '租约已过期且该条目已完成，此答案未保存。',
  submit_failed: '提交失败：{detail}。你的标注仍在，请重试。',
  item_n: '第 {n} 条', shortcuts: '键盘', shortcuts_text: '快捷键选标签 · Enter 提交 · Shift+Enter 跳过 · Ctrl+Z / Ctrl+Y 撤销与重做',
  boxes_help: '在图上拖动画框。点击框可选中、移动或调整大小；Delete 删除。按 O 表示“合格，无缺陷”。Ctrl+滚轮或 +/− 缩放；按住空格拖动平移。',
  spans_help: '用鼠标选中文字标记片段，快捷键设置标签。点击片段选中；Delete 删除。',
  zoom_in: '放大', zoom_out: '缩小', zoom_fit: '适应', zoom: '缩放',
  boxes: '框', spans: '片段', none_yet: '暂无。', remove: '删除', label: '标签', current_label: '新标注的标签',
  text_to_label: '待标注文本', image_to_label: '待标注图像',
  edit_project: '编辑项目', create: '创建', save: '保存', saved: '已保存。', name: '名称', kind: '类型',
  label_editor: '标签', label_name: '标签名', color: '颜色', hotkey: '快捷键', add_label: '添加标签',
  settings: '设置', overlap: '重叠数（每条目标注次数）', overlap_hint: '新的重叠数作用于仍在等待标注的条目；已完成的条目保持原样（如需更多标注，请在数据管理中重新排队）。', overlap_followed: '已保存。仍在等待标注的条目现在需要 {n} 次标注。', max_overlap: '最大重叠数', agreement_target: '一致性目标（0–1）',
  gold_rate: '金标准比例（0–1）', qualification_count: '资格测试条目数', min_gold_accuracy: '最低正确率（金标准与质检，0–1）',
  gold_min_count: '暂停前的最少评判答题数（金标准或质检）', lease_seconds: '租约（秒）', reward_per_item: '每条报酬',
  dup_label: '标签名和快捷键不能重复。', need_label: '至少添加一个标签。',
  import_title: '导入条目', files: '文件（图像、zip、JSONL、CSV）', drop_here: '将文件拖到这里或选择文件',
  upload: '上传', uploading: '上传中…', batch: '第 {n}/{total} 批', upload_done: '上传完成。', upload_failed: '没有导入任何条目。',
  created: '新建', duplicates: '重复', errors: '错误', row: '行', source: '来源', message: '信息',
  paste_texts: '或粘贴文本，每行一条', add_texts: '添加文本',
  items: '条目', done: '已完成', in_progress: '进行中', annotations: '标注数', gold_items: '金标准条目', gold_answered: '金标准已答',
  refresh: '刷新', percent_done: '已完成 {p}%',
  quality_empty: '服务器提供质量报告后，这里将显示质量指标。',
  exports_empty: '服务器提供导出功能后，这里将显示数据集版本。',
  new_version: '新数据集版本', format: '格式', min_confidence: '最低置信度', split: '训练 / 验证 / 测试划分', seed: '随机种子',
  build: '生成', download: '下载', status: '状态', version: '版本', annotators: '标注员', figure: '指标', value: '值',
  quality_status: '于 {when} 计算，用时 {ms} 毫秒，基于 {n} 条标注。', quality_never: '尚未计算。',
  quality_pending: '正在重新计算…', recompute: '立即重新计算', recompute_sent: '已请求重新计算，几秒后指标会更新。',
  download_csv: '下载 CSV', quality_none_title: '还没有质量指标',
  quality_none: '标注员提交后几秒，质量任务会计算这些指标。有金标准条目且重叠数不小于 2 时，指标才有意义。',
  quality_none_recompute: '已经有标注了？点击“立即重新计算”。',
  agreement: '一致性', agreement_none: '一致性需要至少有两个答案的条目（重叠数不小于 2）。',
  consensus: '共识', consensus_none: '还没有条目得出共识。', confidence: '置信度', confidence_histogram: '各条目共识置信度分布',
  per_label: '按标签',
  fig_percent_agreement: '百分比一致性', fig_percent_agreement_help: '同一条目上两两答案选择相同标签的比例。',
  fig_fleiss_kappa: 'Fleiss kappa', fig_fleiss_kappa_help: '答案数相同的条目上扣除随机因素后的一致性：1 为完全一致，0 相当于随机。',
  fig_krippendorff_alpha: 'Krippendorff alpha', fig_krippendorff_alpha_help: '允许缺失答案、扣除随机因素后的一致性：0.8 以上可靠，0.667 以上可暂用。',
  fig_pairwise_f1: '两两框 F1', fig_pairwise_f1_help: '同一条目上两位标注员的框相互匹配的程度（标签相同且 IoU 达到阈值），按两两取平均。',
  fig_mean_iou: '平均 IoU', fig_mean_iou_help: '相互匹配的框的平均交并比。',
  fig_pairwise_f1_exact: '两两片段 F1（精确）', fig_pairwise_f1_exact_help: '标签、起点和终点都相同才算同一片段。',
  fig_pairwise_f1_overlap: '两两片段 F1（重叠）', fig_pairwise_f1_overlap_help: '标签相同且有重叠的片段算作同一片段。',
  fig_items_with_2plus: '有 2 个以上答案的条目', fig_items_with_2plus_help: '一致性在这些条目上计算，不含金标准条目。',
  fig_fleiss_items: '计入 kappa 的条目', fig_fleiss_items_help: '答案数为最常见数目的条目，用于计算 kappa。',
  fig_iou_threshold: 'IoU 阈值', fig_iou_threshold_help: '两个框的重叠达到此值即视为匹配。',
  fig_per_label_agreement: '标签内一致性',
  fig_items: '已得出共识的条目', fig_items_help: '推断出答案的普通条目（不含金标准条目）。',
  fig_mean_confidence: '平均置信度', fig_mean_confidence_help: '真值推断对各条目共识的平均把握程度。',
  fig_median_confidence: '置信度中位数', fig_median_confidence_help: '一半条目的共识置信度不低于此值。',
  fig_counted: '计入的标注员', fig_counted_help: '其答案计入共识和一致性的标注员。',
  fig_paused: '已暂停的标注员', fig_paused_help: '他们的答案不计入共识和一致性。',
  col_name: '姓名', col_email: '邮箱', col_answers: '答案数', col_gold_answered: '金标准已答', col_gold_accuracy: '金标准正确率',
  col_agreement: '与共识一致率', col_status: '状态', actions: '操作', sort_hint: '点击列标题排序',
  status_active: '在岗', status_paused: '已暂停', pause: '暂停', resume: '恢复', details: '详情', cancel: '取消', close: '关闭',
  resume_hint: '恢复后该标注员的金标准计数重新开始。', pause_title: '暂停 {name}',
  pause_reason: '原因', pause_reason_hint: '标注员请求下一条时会看到这个原因。', pause_default_reason: '由管理员暂停',
  paused_ok: '已暂停 {name}。', resumed_ok: '{name} 已恢复，金标准计数重新开始。',
  no_annotators: '还没有标注员作答。', gold_correct: '金标准得分', paused_reason: '暂停原因', updated_at: '指标时间',
  confusion: '与共识的混淆矩阵', confusion_help: '行：共识标签；列：该标注员的答案。对角线为一致。',
  confusion_corner: '共识标签 \\ 答案', confusion_none: '此类项目没有混淆矩阵：目标框和片段按 F1 比较。',
  not_found: '未找到。',
};

const DICTS = { en, zh };
export const LANGS = [['zh', '中文'], ['en', 'English']];

let lang = localStorage.getItem(LANG_KEY) || ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en');

export const getLang = () => lang;

export function setLang(next) {
  lang = DICTS[next] ? next : 'en';
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  window.dispatchEvent(new CustomEvent('jinbiao:lang', { detail: lang }));
}

// Other modules bring their own strings (errors.js: the API's error codes), so no file grows
// past what one reader can hold. All dictionaries share one key space: a module that defines a key
// another one has with a different text would silently change that text everywhere (the data
// manager's `batch: '批次'` turned the import progress '第 {n}/{total} 批' into '批次'). Such a key
// is kept as it was, warned about and listed in `i18nClashes()`, which the tests check is empty.
const clashes = [];
export const i18nClashes = () => clashes.slice();

export function addTranslations(more) {
  for (const [name, dict] of [['en', en], ['zh', zh]]) {
    for (const [key, text] of Object.entries(more[name] || {})) {
      if (key in dict && dict[key] !== text) {
        clashes.push(`${name}.${key}`);
        console.warn(`i18n: ${name}.${key} is defined twice with different texts; the first is kept`);
        continue;
      }
      dict[key] = text;
    }
  }
}

export const hasText = (key) => key in DICTS[lang] || key in en;

export function t(key, vars) {
  let text = DICTS[lang][key] ?? en[key] ?? key;
  if (vars) text = text.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
  return text;
}

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
