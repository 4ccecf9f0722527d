import { before } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { newOwnedWorkspace } from '../support/factories';
import { TOTP_ENV, totpSignInCases } from './totp-cases';

describeEachDatabase('TOTP two-factor sign-in of app users', { env: TOTP_ENV }, (suite) => {
  let base = '';
  let workspaceName = '';
  before(async () => {
    const ws = await newOwnedWorkspace(suite.api);
    base = ws.base;
    workspaceName = (await ws.api.get(`/api/v1/workspaces/${ws.workspace.slug}`)).body.data.name;
  });
  totpSignInCases(suite, { name: 'app user', authBase: () => `${base}/auth`, issuer: () => workspaceName, newPerson: () => newAppUser(suite.api, base, 'mfa') });
});
