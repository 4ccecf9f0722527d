import { describe, expect, it } from 'vitest';
import { managesWorkspace, writesItems } from './roles';

describe('what each role is offered', () => {
  it('lets owners and admins manage the workspace, and every role but viewer write items', () => {
    expect(['owner', 'admin', 'editor', 'viewer'].map((role) => managesWorkspace(role as never))).toEqual([true, true, false, false]);
    expect(['owner', 'admin', 'editor', 'viewer'].map((role) => writesItems(role as never))).toEqual([true, true, true, false]);
  });

  it('offers nothing while the role is not known', () => {
    expect(managesWorkspace(undefined)).toBe(false);
    expect(writesItems(undefined)).toBe(false);
  });
});
