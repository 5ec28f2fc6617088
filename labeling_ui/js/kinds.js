// One place for what each project kind shows and produces (the result JSON the backend stores verbatim).
// Adding a kind = one entry here + one tool module.
export const KINDS = {
  image_classification: {
    media: 'image',
    tool: () => import('./tools/tool_image_class.js'),
    empty: () => ({ label: null }),
    complete: (r) => Boolean(r && r.label),
  },
  image_boxes: {
    media: 'image',
    tool: () => import('./tools/tool_boxes.js'),
    empty: () => ({ boxes: [] }),
    complete: (r) => Boolean(r && Array.isArray(r.boxes)), // no boxes = "nothing to label", a valid answer
  },
  text_classification: {
    media: 'text',
    tool: () => import('./tools/tool_text_class.js'),
    empty: () => ({ label: null }),
    complete: (r) => Boolean(r && r.label),
  },
  text_spans: {
    media: 'text',
    tool: () => import('./tools/tool_spans.js'),
    empty: () => ({ spans: [] }),
    complete: (r) => Boolean(r && Array.isArray(r.spans)),
  },
};

export const KIND_NAMES = Object.keys(KINDS);

// Start a result from the item's pre-label when it has the right shape, else empty.
export function initialResult(kind, prelabel) {
  const spec = KINDS[kind];
  const result = spec.empty();
  if (!prelabel || typeof prelabel !== 'object') return result;
  if ('label' in result && typeof prelabel.label === 'string') result.label = prelabel.label;
  // marks get an id for the tools (stripped again by toSubmit)
  if ('boxes' in result && Array.isArray(prelabel.boxes)) result.boxes = prelabel.boxes.map((b) => ({ id: crypto.randomUUID(), ...b }));
  if ('spans' in result && Array.isArray(prelabel.spans)) result.spans = prelabel.spans.map((s) => ({ id: crypto.randomUUID(), ...s }));
  return result;
}

// What is sent: internal ids stripped, numbers rounded to 0.01 px.
export function toSubmit(kind, result) {
  if (kind === 'image_boxes') {
    const r2 = (v) => Math.round(v * 100) / 100;
    return { boxes: result.boxes.map(({ label, x, y, w, h }) => ({ label, x: r2(x), y: r2(y), w: r2(w), h: r2(h) })) };
  }
  if (kind === 'text_spans') {
    return { spans: result.spans.map(({ label, start, end }) => ({ label, start, end })).sort((a, b) => a.start - b.start || a.end - b.end) };
  }
  return { label: result.label };
}

// A short human form of a result, for the gold toast ("expected: scratch").
export function describeResult(result) {
  if (!result || typeof result !== 'object') return String(result ?? '');
  if ('label' in result) return String(result.label);
  if (Array.isArray(result.boxes)) return result.boxes.map((b) => `${b.label} [${Math.round(b.x)},${Math.round(b.y)},${Math.round(b.w)}×${Math.round(b.h)}]`).join(', ') || '∅';
  if (Array.isArray(result.spans)) return result.spans.map((s) => `${s.label} ${s.start}–${s.end}`).join(', ') || '∅';
  return JSON.stringify(result);
}
