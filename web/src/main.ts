/** The page's entry: read config.json, then mount the tabs and the three modes. */
import { ApiClient } from './api.ts';
import { loadConfig } from './config.ts';
import { mountDetectMode } from './detect-mode.ts';
import { byId } from './dom.ts';
import { modeDeps } from './mode-deps.ts';
import { mountTabs } from './tabs.ts';
import { mountVerifyMode } from './verify-mode.ts';

const AUTH_NOTICES = {
  none: '',
  iam: 'This deployment accepts only AWS-signed (IAM) requests, which a browser page cannot make: detection and verification will be refused here. Call the API with signed requests, or deploy with auth=none for a public demo.',
  jwt: 'This deployment requires a Cognito sign-in, which this page does not offer yet: detection and verification will be refused here.',
} as const;

async function main(): Promise<void> {
  document.documentElement.classList.add('js-ready');
  mountTabs(byId('modes', HTMLElement));
  const config = await loadConfig((...args) => fetch(...args), location.href);
  const notice = byId('page-notice', HTMLElement);
  notice.textContent = AUTH_NOTICES[config.auth];
  notice.hidden = config.auth === 'none';

  const deps = modeDeps(new ApiClient(config.apiBase));
  mountDetectMode(byId('panel-detect', HTMLElement), deps, { id: 'detect', crops: false });
  mountDetectMode(byId('panel-crops', HTMLElement), deps, { id: 'crops', crops: true });
  mountVerifyMode(byId('panel-verify', HTMLElement), deps);
  document.documentElement.classList.add('app-ready');
}

void main();
