import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button as AriaButton, ComboBox, Input, Label, ListBox, ListBoxItem, Popover } from 'react-aria-components';
import { system, unwrap } from '../api/system';
import { membersQuery } from '../api/queries';
import { personLabel, type UserFieldType } from '../lib/people';

interface Option {
  id: string;
  label: string;
}

/**
 * Picks a person for an `app_user` or `member` field: app users searched by email on the server, members
 * from the workspace's list. The id is what is written; one may also be typed (an editor may not list
 * app users, which only admins may).
 */
export function UserPicker({ ws, kind, label, value, onChange, error }: { ws: string; kind: UserFieldType; label: string; value: string; onChange: (value: string) => void; error?: string }) {
  const [search, setSearch] = useState<string | null>(null);
  const text = search ?? '';
  const appUsers = useQuery({
    queryKey: ['w', ws, 'app-users', 'picker', text],
    queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/app-users', { params: { path: { ws }, query: text ? { search: text } : {} } })),
    enabled: kind === 'app_user',
    retry: false,
  });
  const members = useQuery({ ...membersQuery(ws), enabled: kind === 'member', retry: false });
  const people: Option[] =
    kind === 'app_user'
      ? (appUsers.data ?? []).map((user) => ({ id: user.id, label: user.email }))
      : (members.data ?? []).map((member) => ({ id: member.id, label: `${personLabel(member)}${member.name ? ` · ${member.email}` : ''}` }));
  const options = kind === 'member' && text ? people.filter((option) => option.label.toLowerCase().includes(text.toLowerCase())) : people;
  const chosen = people.find((option) => option.id === value);
  const who = kind === 'app_user' ? 'app users' : 'members';
  return (
    <ComboBox
      className="field"
      items={options}
      selectedKey={value || null}
      inputValue={search ?? (chosen ? chosen.label : value)}
      onInputChange={setSearch}
      onSelectionChange={(key) => {
        onChange(key === null ? '' : String(key));
        setSearch(null);
      }}
      onBlur={() => {
        // Typed text that is no one's label is taken as an id, for the server to check.
        if (search !== null && !options.some((option) => option.label === search)) onChange(search.trim());
        setSearch(null);
      }}
      allowsCustomValue
      allowsEmptyCollection
    >
      <Label>{label}</Label>
      <div className="row">
        <Input className="input" placeholder={`Search ${who}`} />
        <AriaButton className="btn small" aria-label={`Show ${who}`}>
          ▾
        </AriaButton>
      </div>
      {error && <span className="field-error">{error}</span>}
      <Popover className="popover">
        <ListBox className="listbox">{(option: Option) => <ListBoxItem className="listbox-item" id={option.id}>{option.label}</ListBoxItem>}</ListBox>
      </Popover>
    </ComboBox>
  );
}
