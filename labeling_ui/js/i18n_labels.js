// Strings of label changes (project edit page) and corrections (annotate page), in English and
// Chinese.
import { addTranslations } from './i18n.js';

addTranslations({
  en: {
    // corrections on the annotate page
    my_history: 'My recent submissions', history_empty: 'You have not submitted anything in this project yet.',
    history_range: '{from}–{to} of {total}', history_newer: 'Newer', history_older: 'Older',
    corrected_n: 'corrected {n}×', change_answer: 'Change', change_answer_n: 'Change your answer to item {n}',
    answer_settled: 'final', correcting_item: 'Changing your answer to item {n}. Enter saves it, Shift+Enter cancels.',
    save_correction: 'Save change', cancel_correction: 'Cancel', correction_saved: 'Your answer was changed.',
    correction_failed: 'Could not save the change: {detail}',
    // label changes on the project edit page
    rename_label: 'Rename', rename_to: 'New name for {name}',
    rename_hint: 'Renames the label in every stored answer, gold answer, prelabel and consensus at once; colour and hotkey stay.',
    label_renamed: '{from} is now {to} ({n} answers rewritten).',
    map_removed_labels: 'Where do the answers of removed labels go?', map_label: '{name} ({count} answers)',
    map_into: 'into {name}', map_drop: 'delete those marks',
    map_hint: 'Choose, then save again: the answers are rewritten in the same step.',
  },
  zh: {
    my_history: '我最近的提交', history_empty: '你在此项目中还没有提交过。',
    history_range: '第 {from}–{to} 条，共 {total} 条', history_newer: '较新', history_older: '较早',
    corrected_n: '已修改 {n} 次', change_answer: '修改', change_answer_n: '修改你对条目 {n} 的答案',
    answer_settled: '已定稿', correcting_item: '正在修改你对条目 {n} 的答案。回车保存，Shift+回车取消。',
    save_correction: '保存修改', cancel_correction: '取消', correction_saved: '答案已修改。',
    correction_failed: '修改未能保存：{detail}',
    rename_label: '改名', rename_to: '{name} 的新名称',
    rename_hint: '一次性修改所有已存答案、金标准答案、预标注和共识中的该标签；颜色和快捷键不变。',
    label_renamed: '{from} 已改名为 {to}（改写了 {n} 条答案）。',
    map_removed_labels: '被删除标签的答案归到哪里？', map_label: '{name}（{count} 条答案）',
    map_into: '归入 {name}', map_drop: '删除这些标记',
    map_hint: '选好后再次保存：答案会在同一步中改写。',
  },
});
