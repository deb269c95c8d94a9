/**
 * English message catalog (the reference: zh.ts must have exactly these keys).
 * `{name}` placeholders and `{count, plural, one {# user} other {# users}}` plurals (format.ts)
 * are filled by t(). Keys starting with `js.` are sent to client scripts. In three parts: the
 * pages' messages here, the admin pages' in en-admin.ts, the client scripts' in en-scripts.ts.
 */
import { enAdmin } from './en-admin.js';
import { enScripts } from './en-scripts.js';

export const en = {
  'brand.logoAlt': 'labhub home',

  'a11y.skipToContent': 'Skip to main content',

  'nav.label': 'Main',
  'nav.home': 'Home',
  'nav.token': 'Token',
  'nav.admin': 'Admin',
  'nav.logout': 'Log out',

  'header.signedInAs': 'Signed in as {name}',
  'header.signedInAsLabel': 'Signed in as',
  'header.language': 'Language',
  'header.theme': 'Switch colour theme',
  'header.themeAuto': 'Theme: automatic',
  'header.announcement': 'Announcement',

  'footer.poweredBy': 'labhub {version}, a JupyterHub-compatible hub',

  'time.never': 'Never',

  'status.running': 'Running',
  'status.starting': 'Starting',
  'status.stopping': 'Stopping',
  'status.stopped': 'Stopped',

  'login.title': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.withService': 'Sign in with {service}',
  'login.or': 'or',
  'login.noAccount': 'No account yet?',
  'login.signupLink': 'Create one',
  'login.failed': 'Invalid username or password.',
  'login.awaitingApproval':
    'Your account is waiting for an administrator’s approval. You can sign in once it is approved.',
  'login.tooMany':
    'Too many failed login attempts. Try again in {seconds, plural, one {# second} other {# seconds}}.',

  'oauth.notAllowed':
    'You signed in at {service} as "{name}", but your account is not allowed on this hub. Ask the hub’s administrator for access, or sign out at {service} and use another account.',
  'oauth.notInGroup':
    'You signed in at {service} as "{name}", but your account is not in a group allowed on this hub. Ask the hub’s administrator for access, or sign out at {service} and use another account.',
  'oauth.stateExpired':
    'The login at {service} took too long, or was started in another browser or tab. Start it again.',
  'oauth.cancelled':
    'The login at {service} was cancelled or refused. Try again, or use another account.',
  'oauth.unreachable':
    '{service} cannot be reached. Try again later, or tell the hub’s administrator.',

  'signup.title': 'Create an account',
  'signup.passwordConfirm': 'Repeat the password',
  'signup.email': 'E-mail address',
  'signup.passwordHint': 'At least {min, plural, one {# character} other {# characters}}.',
  'signup.approvalNote': 'An administrator must approve new accounts before they can sign in.',
  'signup.submit': 'Create account',
  'signup.created': 'Your account was created. You can sign in now.',
  'signup.createdPending':
    'Your account was created. An administrator must approve it before you can sign in.',
  'signup.haveAccount': 'Already have an account?',
  'signup.off': 'Sign-up is turned off on this hub. Ask an administrator for an account.',
  'signup.tooShort':
    'The password must be at least {min, plural, one {# character} other {# characters}} long.',
  'signup.tooLong':
    'The password must be at most {max, plural, one {# character} other {# characters}} long.',
  'signup.tooCommon':
    'This password is too common: it is on a list of often-used passwords. Choose another one.',
  'signup.emailMissing': 'Enter your e-mail address.',
  'signup.emailInvalid': 'The e-mail address is not valid: it must look like name@example.org.',
  'signup.taken': 'The username “{name}” is already taken.',
  'signup.toLogin': 'Go to sign in',

  'share.title': 'Accept a shared server',
  'share.intro':
    '{owner} shared the server {server} with you. Accept to open it whenever it is running.',
  'share.accept': 'Accept and open',

  'signup.mismatch': 'The two passwords are different.',

  'changePassword.title': 'Change password',
  'changePassword.current': 'Current password',
  'changePassword.new': 'New password',
  'changePassword.confirm': 'Repeat the new password',
  'changePassword.submit': 'Change password',
  'changePassword.done': 'Your password was changed.',
  'changePassword.titleFor': 'Set the password of {name}',
  'changePassword.doneFor': 'The password of {name} was changed; it also unlocks the account.',
  'changePassword.noAccount': 'No native account is called {name}.',
  'changePassword.wrongCurrent': 'The current password is wrong.',
  'changePassword.mismatch': 'The two new passwords are different.',

  'newPassword.title': 'Choose a new password',
  'newPassword.intro':
    'The password of {name} was a one-time password, or it has expired. Choose a new one to finish signing in.',
  'newPassword.hint':
    'At least {min, plural, one {# character} other {# characters}}, different from the old password.',
  'newPassword.submit': 'Set the password and sign in',
  'newPassword.expired':
    'It took too long to choose a new password, or it was already chosen. Sign in again with your current password.',
  'newPassword.notNew':
    'The new password must be different from the current one-time or expired password.',

  'home.title': 'My servers',
  'home.defaultServer': 'Default server',
  'home.lastActivity': 'Last activity',
  'home.started': 'Started',
  'home.open': 'Open',
  'home.openNamed': 'Open {name}',
  'home.start': 'Start',
  'home.startNamed': 'Start {name}',
  'home.stop': 'Stop',
  'home.stopNamed': 'Stop {name}',
  'home.rename': 'Rename',
  'home.renameNamed': 'Rename {name}',
  'home.delete': 'Delete',
  'home.deleteNamed': 'Delete {name}',
  'home.viewProgress': 'View progress',
  'home.namedServers': 'Named servers',
  'home.namedIntro': 'You can run several servers side by side, each with its own name.',
  'home.namedLimit':
    'You are using {count} of {limit, plural, one {# named server} other {# named servers}}.',
  'home.newServerName': 'New server name',
  'home.newServerHint':
    'Letters, digits, dots, dashes and underscores work best; no slashes or spaces.',
  'home.addServer': 'Add and start',
  'home.noNamedServers': 'You have no named servers yet.',
  'home.serverName': 'Server',
  'home.url': 'Address',
  'home.status': 'Status',
  'home.actions': 'Actions',

  'spawn.serverOf': 'the server “{server}” of {user}',
  'spawn.defaultServerOf': 'the server of {user}',

  'pending.title': 'Starting your server',
  'pending.intro':
    'Starting {server}. This page follows the progress and opens the server when it is ready.',
  'pending.waiting': 'Waiting for the first progress report…',
  'pending.failedTitle': 'The server could not start',
  'pending.backHome': 'Back to my servers',
  'pending.eventLog': 'Event log',
  'pending.noscript':
    'This page needs JavaScript to show progress. Reload it from time to time to see whether the server is ready.',
  'pending.openWhenReady': 'Open the server once it is ready',

  'notRunning.title': 'Server not running',
  'notRunning.mine': 'Your server is not running: {server}. Launch it to continue.',
  'notRunning.other': '{server} is not running.',
  'notRunning.lastFailed': 'The last start failed',
  'notRunning.autoStart':
    'The server will be launched automatically in {seconds, plural, one {# second} other {# seconds}}.',
  'notRunning.launch': 'Launch server',

  'spawnForm.title': 'Server options',
  'spawnForm.intro': 'Choose how to start {server}.',
  'spawnForm.chooseProfile': 'Environment',
  'spawnForm.submit': 'Start',

  'token.title': 'Tokens',
  'token.newTitle': 'Request a new API token',
  'token.intro':
    'An API token lets scripts and programs act as you through the hub’s REST API. Treat it like a password.',
  'token.note': 'Note',
  'token.noteHint': 'What the token is for, so you recognise it later.',
  'token.expiresIn': 'Expires in',
  'token.expires1h': '1 hour',
  'token.expires1d': '1 day',
  'token.expires1w': '1 week',
  'token.expires30d': '30 days',
  'token.expires1y': '1 year',
  'token.expiresNever': 'Never',
  'token.scopes': 'Permissions (scopes)',
  'token.scopesHint':
    'Separated by spaces, e.g. read:users:activity!user. Leave empty for all of your own permissions.',
  'token.create': 'Request token',
  'token.createdOnce': 'Your new token. Copy it now: it will not be shown again.',
  'token.value': 'New token',
  'token.copy': 'Copy',
  'token.apiTokens': 'API tokens',
  'token.none': 'You have no API tokens.',
  'token.noNote': 'No note',
  'token.lastUsed': 'Last used',
  'token.created': 'Created',
  'token.expiresAt': 'Expires',
  'token.revoke': 'Revoke',
  'token.revokeNamed': 'Revoke {name}',
  'token.scopeCount': 'Permissions: {count}',
  'token.apps': 'Authorized applications',
  'token.appsIntro': 'Applications, such as your servers, that you allowed to act as you.',
  'token.client': 'Application',
  'token.serverAt': 'Server at {url}',

  'error.generic': 'Something went wrong',
  'error.400': 'Bad request',
  'error.403': 'Access denied',
  'error.404': 'Page not found',
  'error.405': 'Method not allowed',
  'error.409': 'Conflict',
  'error.424': 'Server not running',
  'error.429': 'Too many requests',
  'error.500': 'Internal error',
  'error.502': 'Bad gateway',
  'error.503': 'Service unavailable',
  'error.id': 'Error id:',
  'error.reportHint':
    'If this keeps happening, send the error id to your administrator; it identifies the details in the hub log.',
  'error.backHome': 'Go to the home page',
  'error.noPage': 'No page at {path}',
  'error.needAdminUi': 'You need the admin-ui scope to open the admin page.',
  'error.serverDown': 'Your server appears to be down. Try restarting it from the hub.',
  'error.serverDownAt': 'Your server appears to be down ({url}). Try restarting it from the hub.',

  'oauth.title': 'Authorize access',
  'oauth.intro': '{client} asks for access to your account.',
  'oauth.permissions': 'It will be allowed to:',
  'oauth.identityOnly': 'Only learn your user name and group memberships.',
  'oauth.authorize': 'Authorize',
  'oauth.cancel': 'Cancel',

  'spawn.budgetUsed':
    'You have used {used} of your {limit} server-hours this month, so no server can start now. A new month begins on {date} (UTC); ask an administrator if you need more time.',

  ...enAdmin,
  ...enScripts,
} as const;

/** A key of the message catalogs. */
export type MessageKey = keyof typeof en;
