import { PlatformTables1732200000000 } from './1732200000000-platform-tables';
import { SchemaRegistry1732300000000 } from './1732300000000-schema-registry';
import { AppUsers1732400000000 } from './1732400000000-app-users';
import { Policies1732500000000 } from './1732500000000-policies';
import { Webhooks1732600000000 } from './1732600000000-webhooks';
import { Revisions1733000000000 } from './1733000000000-revisions';
import { Handlers1733100000000 } from './1733100000000-handlers';
import { Flows1733200000000 } from './1733200000000-flows';
import { Files1733300000000 } from './1733300000000-files';
import { Views1733400000000 } from './1733400000000-views';
import { Connections1733500000000 } from './1733500000000-connections';
import { SetupTokens1733600000000 } from './1733600000000-setup-tokens';
import { WorkspaceAppUrl1733700000000 } from './1733700000000-workspace-app-url';
import { CompositeIndexes1733800000000 } from './1733800000000-composite-indexes';
import { WebhookAttemptHeaders1733900000000 } from './1733900000000-webhook-attempt-headers';
import { FlowRunRerunOf1733910000000 } from './1733910000000-flow-run-rerun-of';
import { InstanceSettings1733950000000 } from './1733950000000-instance-settings';
import { PolicyNames1733960000000 } from './1733960000000-policy-names';
import { PeopleView1733970000000 } from './1733970000000-people-view';
import { AssetPresets1734000000000 } from './1734000000000-asset-presets';
import { MfaAndMagicLinks1734100000000 } from './1734100000000-mfa-and-magic-links';
import { Sso1734200000000 } from './1734200000000-sso';
import { AuditLogsWithoutWorkspaceKeys1734300000000 } from './1734300000000-audit-logs-without-workspace-keys';

/**
 * Every system-table migration, oldest first. The migrations of the tables of user collections, which
 * need the schema module's DDL, are the schema module's (USER_TABLE_MIGRATIONS); the app module hands
 * both lists to the database module, and TypeORM runs them in the order of their timestamps.
 */
export const PLATFORM_MIGRATIONS = [
  PlatformTables1732200000000,
  SchemaRegistry1732300000000,
  AppUsers1732400000000,
  Policies1732500000000,
  Webhooks1732600000000,
  Revisions1733000000000,
  Handlers1733100000000,
  Flows1733200000000,
  Files1733300000000,
  Views1733400000000,
  Connections1733500000000,
  SetupTokens1733600000000,
  WorkspaceAppUrl1733700000000,
  CompositeIndexes1733800000000,
  WebhookAttemptHeaders1733900000000,
  FlowRunRerunOf1733910000000,
  InstanceSettings1733950000000,
  PolicyNames1733960000000,
  PeopleView1733970000000,
  AssetPresets1734000000000,
  MfaAndMagicLinks1734100000000,
  Sso1734200000000,
  AuditLogsWithoutWorkspaceKeys1734300000000,
];
