import { defineSection } from '../section';
import { duration } from '../variable';

/** The tokens of workspaces' app users. */
export const appUsers = defineSection({
  variables: {
    /** How long a password-reset token stays usable. */
    passwordResetTtlMs: duration('PASSWORD_RESET_TTL', '1h'),
    /** How long an email-verification token stays usable. */
    emailVerificationTtlMs: duration('EMAIL_VERIFICATION_TTL', '24h'),
  },
});
