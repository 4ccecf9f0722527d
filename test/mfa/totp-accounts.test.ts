import { describeEachDatabase } from '../support/app';
import { newAccount } from '../support/factories';
import { TOTP_ENV, totpSignInCases } from './totp-cases';

describeEachDatabase('TOTP two-factor sign-in of platform accounts', { env: TOTP_ENV }, (suite) => {
  totpSignInCases(suite, { name: 'platform account', authBase: () => '/api/v1/auth', issuer: () => 'Cairn', newPerson: () => newAccount(suite.api, 'mfa') });
});
