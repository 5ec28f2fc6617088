// What each role is shown: the project pages it may open, and the line that greets it at home.
// The server decides what a role may do; this only keeps the UI from offering what it would
// refuse (a reviewer is not shown annotators' Start buttons, a client sees progress).
const MANAGER_PAGES = ['annotate', 'edit', 'import', 'progress', 'quality', 'models', 'exports', 'access'];

const PAGES = {
  owner: MANAGER_PAGES,
  manager: MANAGER_PAGES,
  reviewer: ['progress', 'quality', 'models'],
  annotator: ['annotate'],
  client: ['progress'],
};

const HOME_NOTES = {
  owner: 'home_manager',
  manager: 'home_manager',
  reviewer: 'home_reviewer',
  annotator: 'home_annotator',
  client: 'home_client',
};

// The project pages a role may open, in tab order ('annotate' is the Start button's page).
export const projectPages = (role) => PAGES[role] || [];

export const canAnnotate = (role) => projectPages(role).includes('annotate');

export const managesPeople = (role) => role === 'owner' || role === 'manager';

// The i18n key of the line under the organization's name on the home page.
export const homeNote = (role) => HOME_NOTES[role] || 'home_annotator';

// The page a role opens first in a project, for a link on the project's name.
export const firstPage = (role) => projectPages(role)[0] || null;
