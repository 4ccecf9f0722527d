import { before } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newAppUser } from '../support/app-users';
import { newOwnedWorkspace } from '../support/factories';
import { TOTP_ENV, totpSignInCases } from './totp-cases';

describeEachDatabase('TOTP two-factor sign-in of app users', { env: TOTP_ENV }, (suite) => {
  let base = '';
  before(async () => {
    base = (await newOwnedWorkspace(suite.api)).base;
  });
  totpSignInCases(suite, { name: 'app user', authBase: () => `${base}/auth`, newPerson: () => newAppUser(suite.api, base, 'mfa') });
});
