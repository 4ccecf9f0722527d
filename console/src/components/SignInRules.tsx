import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { system, unwrap } from '../api/system';
import type { components } from '../api/schema';
import { Checkbox, ErrorAlert, Loading } from './ui';

type Rules = components['schemas']['WorkspaceSignInDto'];

const RULES: { key: keyof Rules; label: string; hint: string }[] = [
  { key: 'require_mfa_members', label: 'Require two-factor authentication of members', hint: 'Members without it are refused in this workspace until they set it up (Your account). Set it up on your own account first.' },
  { key: 'require_mfa_app_users', label: 'Require two-factor authentication of app users', hint: 'App users without it are refused until they enrol through /auth/mfa.' },
  { key: 'app_user_magic_links', label: 'Let app users sign in by a mailed link', hint: "The link leads to the workspace's app URL; set it first." },
];

/** A workspace's sign-in rules, each applied as soon as it is ticked. */
export function SignInRules({ ws }: { ws: string }) {
  const queryClient = useQueryClient();
  const key = ['workspaces', ws, 'sign-in'];
  const rules = useQuery({ queryKey: key, queryFn: () => unwrap(system.GET('/api/v1/workspaces/{ws}/sign-in', { params: { path: { ws } } })) });
  const change = useMutation({
    mutationFn: (body: Partial<Rules>) => unwrap(system.PATCH('/api/v1/workspaces/{ws}/sign-in', { params: { path: { ws } }, body })),
    onSuccess: (updated) => queryClient.setQueryData(key, updated),
  });
  return (
    <section className="card" aria-labelledby="sign-in-rules">
      <div className="card-head">
        <h2 id="sign-in-rules">Sign-in</h2>
      </div>
      <div className="card-body stack">
        {rules.error ? (
          <ErrorAlert error={rules.error} />
        ) : !rules.data ? (
          <Loading what="the sign-in rules" />
        ) : (
          RULES.map((rule) => (
            <div key={rule.key}>
              <Checkbox isSelected={rules.data[rule.key]} onChange={(value) => change.mutate({ [rule.key]: value })}>
                {rule.label}
              </Checkbox>
              <div className="hint">{rule.hint}</div>
            </div>
          ))
        )}
        <ErrorAlert error={change.error} />
      </div>
    </section>
  );
}
