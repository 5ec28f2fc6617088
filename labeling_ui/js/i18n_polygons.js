// Strings of the polygon tool, the OK/NG flag and the template comparison, in English and Chinese.
import { addTranslations } from './i18n.js';

addTranslations({
  en: {
    polygons: 'Polygons', points: 'points', hole: 'hole', holes: 'holes', brush: 'Brush', brush_size: 'Brush size',
    polygons_help: 'Click to place points; click the first point (or double-click) to close the outline. Click an outline to select it and drag its corners; Delete removes it. B switches to the brush: paint a stroke and it becomes an outline. H cuts a hole: select an outline, press H, draw the hole inside it (Shift+H removes its last hole). Number keys set the label. O answers “OK, no defect”. Ctrl+wheel or +/− zooms; hold Space and drag to pan.',
    ok_no_defect: 'OK · no defect', ng: 'NG · defective',
    reference_image: 'Template', reference_off: 'hidden', reference_side: 'side by side', reference_flicker: 'flicker', reference_difference: 'difference',
    no_reference: 'This item has no template image.',
    cut_hole: 'Cut a hole', hole_armed: 'Draw the hole inside the selected outline (Esc cancels).',
    hole_select_first: 'Select an outline first, then press H and draw the hole inside it.',
    hole_outside: 'A hole must lie inside its outline without touching its other holes; nothing was changed.',
  },
  zh: {
    polygons: '多边形', points: '个点', hole: '个孔', holes: '个孔', brush: '画笔', brush_size: '画笔大小',
    polygons_help: '单击放置顶点；单击第一个点（或双击）闭合轮廓。单击轮廓可选中并拖动顶点；Delete 删除。按 B 切换画笔：涂抹一笔即生成轮廓。按 H 挖孔：选中轮廓后按 H，在其内部画出孔的轮廓（Shift+H 删除最后一个孔）。数字键设置标签。按 O 表示“合格，无缺陷”。Ctrl+滚轮或 +/− 缩放；按住空格拖动平移。',
    ok_no_defect: '合格 · 无缺陷', ng: '不合格 · 有缺陷',
    reference_image: '模板', reference_off: '隐藏', reference_side: '并排', reference_flicker: '闪烁对比', reference_difference: '差异',
    no_reference: '此条目没有模板图像。',
    cut_hole: '挖孔', hole_armed: '请在选中的轮廓内画出孔（Esc 取消）。',
    hole_select_first: '请先选中一个轮廓，再按 H 在其内部画出孔。',
    hole_outside: '孔必须位于其轮廓之内，且不能与其他孔相交；未做更改。',
  },
});
