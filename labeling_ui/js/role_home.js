// What each role is shown: the project pages it may open, and the line that greets it at home.
// The server decides what a role may do; this only keeps the UI from offering what it would
// refuse (a reviewer is shown Review instead of annotators' Start buttons, a client sees progress,
// lots and versions).
const MANAGER_PAGES = ['annotate', 'review', 'edit', 'import', 'data', 'progress', 'quality', 'models', 'lots', 'exports', 'access'];

const PAGES = {
  owner: MANAGER_PAGES,
  manager: MANAGER_PAGES,
  reviewer: ['review', 'data', 'progress', 'quality', 'models', 'lots'],
  annotator: ['annotate'],
  // 验收方: progress, the lots it inspects, the versions it builds and downloads.
  client: ['progress', 'lots', 'exports'],
};

// Whether the home page shows a project's progress, lots and versions on its row (the client's
// home: what was made for them, at a glance; pages/client_home.js).
export const showsDeliverySummary = (role) => role === 'client';

const HOME_NOTES = {
  owner: 'home_manager',
  manager: 'home_manager',
  reviewer: 'home_reviewer',
  annotator: 'home_annotator',
  client: 'home_client',
};

// The project pages a role may open, in tab order ('annotate' is the Start button's page).
export const projectPages = (role) => PAGES[role] || [];

// The roles that may open a project page, in the table's order (who to name when refusing it).
export const rolesFor = (page) => Object.keys(PAGES).filter((role) => PAGES[role].includes(page));

export const canAnnotate = (role) => projectPages(role).includes('annotate');

export const canReview = (role) => projectPages(role).includes('review');

export const managesPeople = (role) => role === 'owner' || role === 'manager';

// The i18n key of the line under the organization's name on the home page.
export const homeNote = (role) => HOME_NOTES[role] || 'home_annotator';

// The page a role opens first in a project, for a link on the project's name.
export const firstPage = (role) => projectPages(role)[0] || null;
