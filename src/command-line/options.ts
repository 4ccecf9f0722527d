import { Option } from 'commander';

/** `-w, --workspace`, which the commands on one workspace's content take; CAIRN_WORKSPACE gives a default. */
export function workspaceOption(): Option {
  return new Option('-w, --workspace <workspace>', "the workspace's slug or id").env('CAIRN_WORKSPACE').makeOptionMandatory();
}
