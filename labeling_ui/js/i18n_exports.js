// Strings of the exports page (dataset versions): statuses, sources, format names, item counts and
// the warnings about empty versions, in English and Chinese. A format without a name here shows as
// its API name (exportFormatName).
import { addTranslations, hasText, t } from './i18n.js';

addTranslations({
  en: {
    version_status_queued: 'queued', version_status_building: 'building', version_status_ready: 'ready',
    version_status_failed: 'failed',
    export_source_consensus: 'Consensus (one answer per item)', export_source_raw: 'Raw annotations (every answer)',
    export_format_coco: 'COCO (JSON)', export_format_yolo: 'YOLO (txt)', export_format_voc: 'Pascal VOC (XML)',
    export_format_deeppcb: 'DeepPCB (txt)', export_format_folders: 'Image folders by label', export_format_csv: 'CSV table',
    export_format_jsonl: 'JSONL', export_format_conll: 'CoNLL (BIO)', export_format_spacy: 'spaCy (JSONL)',
    export_format_raw_jsonl: 'Raw annotations (JSONL)', export_format_yolo_seg: 'YOLO segmentation (txt)',
    export_format_masks_png: 'Masks (PNG)', export_format_mvtec: 'MVTec AD layout',
    export_col_source: 'Source', export_col_items: 'Items',
    export_empty_version: 'No items: the zip holds no data.',
    export_empty_no_lots: 'No lot had been accepted when this version was made.',
    export_empty_skipped: 'Left out: {reasons}.',
    export_empty_built: 'Version {number} has no items: {why}',
    export_no_accepted_lot: 'No lot has been accepted yet: a version limited to accepted lots would have 0 items.',
    export_skip_unlabeled: 'no answer', export_skip_below_min_confidence: 'below the minimum confidence',
    export_skip_fewer_answers_than_min: 'fewer answers than the minimum', export_skip_no_raw_annotations: 'no raw annotation',
    export_skip_missing_image_size: 'image size unknown', export_skip_missing_media: 'image missing',
  },
  zh: {
    version_status_queued: '排队中', version_status_building: '生成中', version_status_ready: '已就绪',
    version_status_failed: '失败',
    export_source_consensus: '共识（每条目一个答案）', export_source_raw: '原始标注（全部答案）',
    export_format_coco: 'COCO（JSON）', export_format_yolo: 'YOLO（txt）', export_format_voc: 'Pascal VOC（XML）',
    export_format_deeppcb: 'DeepPCB（txt）', export_format_folders: '按标签分文件夹的图片', export_format_csv: 'CSV 表格',
    export_format_jsonl: 'JSONL', export_format_conll: 'CoNLL（BIO）', export_format_spacy: 'spaCy（JSONL）',
    export_format_raw_jsonl: '原始标注（JSONL）', export_format_yolo_seg: 'YOLO 分割（txt）',
    export_format_masks_png: '掩码（PNG）', export_format_mvtec: 'MVTec AD 目录结构',
    export_col_source: '来源', export_col_items: '条目数',
    export_empty_version: '没有条目：压缩包里没有数据。',
    export_empty_no_lots: '建立此版本时还没有已验收的批次。',
    export_empty_skipped: '未导出：{reasons}。',
    export_empty_built: '版本 {number} 没有条目：{why}',
    export_no_accepted_lot: '还没有已验收的批次：仅含已验收批次的版本将是 0 条。',
    export_skip_unlabeled: '没有答案', export_skip_below_min_confidence: '低于最低置信度',
    export_skip_fewer_answers_than_min: '答案数少于最低要求', export_skip_no_raw_annotations: '没有原始标注',
    export_skip_missing_image_size: '图片尺寸未知', export_skip_missing_media: '图片缺失',
  },
});

export const exportFormatName = (name) => (hasText(`export_format_${name}`) ? t(`export_format_${name}`) : name);
export const versionStatusText = (status) => (hasText(`version_status_${status}`) ? t(`version_status_${status}`) : status ?? '');
