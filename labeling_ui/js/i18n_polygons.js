// Strings of the polygon tool, the OK/NG flag and the template comparison, in English and Chinese.
import { addTranslations } from './i18n.js';

addTranslations({
  en: {
    polygons: 'Polygons', points: 'points', holes: 'holes', brush: 'Brush', brush_size: 'Brush size',
    polygons_help: 'Click to place points; click the first point (or double-click) to close the outline. Click an outline to select it and drag its corners; Delete removes it. B switches to the brush: paint a stroke and it becomes an outline. Number keys set the label. O answers “OK, no defect”. Ctrl+wheel or +/− zooms; hold Space and drag to pan.',
    ok_no_defect: 'OK · no defect', ng: 'NG · defective',
    reference_image: 'Template', reference_off: 'hidden', reference_side: 'side by side', reference_flicker: 'flicker', reference_difference: 'difference',
    no_reference: 'This item has no template image.',
  },
  zh: {
    polygons: '多边形', points: '个点', holes: '个孔', brush: '画笔', brush_size: '画笔大小',
    polygons_help: '单击放置顶点；单击第一个点（或双击）闭合轮廓。单击轮廓可选中并拖动顶点；Delete 删除。按 B 切换画笔：涂抹一笔即生成轮廓。数字键设置标签。按 O 表示“合格，无缺陷”。Ctrl+滚轮或 +/− 缩放；按住空格拖动平移。',
    ok_no_defect: '合格 · 无缺陷', ng: '不合格 · 有缺陷',
    reference_image: '模板', reference_off: '隐藏', reference_side: '并排', reference_flicker: '闪烁对比', reference_difference: '差异',
    no_reference: '此条目没有模板图像。',
  },
});
