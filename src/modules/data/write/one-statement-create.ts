import type { LoggedRow } from '../../../engine/write/write.sql';
import type { StatementCreate, WritePlan } from '../../write-participants/write-participant';

/**
 * Whether a create's participants can all write their rows inside the one-statement create: a plan
 * that records in the transaction and has no rows for the statement (webhook deliveries, flow runs)
 * makes the create take a transaction.
 */
export function joinsOneStatement(plans: readonly WritePlan[]): boolean {
  return !plans.some((plan) => plan.record && !plan.statement);
}

/**
 * The participants' rows of a one-statement create, in their order, and the variant that keys its text:
 * each plan's tables and own variant, so that two sets of participants never share a text.
 */
export function oneStatementLogs(plans: readonly WritePlan[], create: StatementCreate): { rows: LoggedRow[]; variant: string } {
  const parts = plans.flatMap((plan) => (plan.statement ? [plan.statement(create)] : []));
  return { rows: parts.flatMap((part) => part.rows), variant: parts.map((part) => `${part.rows.map((row) => row.table).join(',')}:${part.variant}`).join('|') };
}
