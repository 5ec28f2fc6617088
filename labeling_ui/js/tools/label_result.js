// The result of a one-label kind, {label}: what the image and text classification tools share.

// Start from the item's pre-label when it names a label, else with none picked.
export const initialResult = (prelabel) => ({ label: typeof prelabel?.label === 'string' ? prelabel.label : null });
export const complete = (r) => Boolean(r && r.label);
export const toSubmit = (r) => ({ label: r.label });
// A short human form, for the gold toast ("expected: scratch").
export const describe = (r) => String(r?.label ?? '');
