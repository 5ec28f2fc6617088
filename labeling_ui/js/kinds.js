// The project kinds, as the backend's registry lists them (GET /api/v1/kinds): each kind's name,
// media, tool and export formats. Nothing here knows a kind by name: what a kind's result looks like
// is its tool's business (./tools/tool_<tool>.js exports mount() and the result functions
// initialResult, complete, toSubmit and describe).
import * as api from './api.js';
import { t } from './i18n.js';

let kinds = null;
let known = {};

// name -> {name, media, tool, formats}, asked once per page load (again after a failed request).
export function loadKinds() {
  if (!kinds) {
    kinds = api.get('kinds').then((list) => {
      known = Object.fromEntries(list.map((k) => [k.name, k]));
      return known;
    });
    kinds.catch(() => { kinds = null; });
  }
  return kinds;
}

// A kind already loaded by loadKinds() (undefined before): for code that runs after the page awaited it.
export const knownKind = (name) => known[name];

export async function kindOf(name) {
  const kind = (await loadKinds())[name];
  if (!kind) throw new Error(`this server has no project kind "${name}"`);
  return kind;
}

// A kind's name for people: its translation where i18n has one (kind_<name>), else the name itself.
export function kindTitle(name) {
  const key = `kind_${name}`;
  const title = t(key);
  return title === key ? name : title;
}

// The kind's tool module (loaded on first use, then cached by the browser's module map).
export async function toolOf(name) {
  const { tool } = await kindOf(name);
  return import(`./tools/tool_${tool}.js`);
}
