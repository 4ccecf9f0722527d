import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Form } from 'react-aria-components';
import { WEBHOOK_EVENTS, type Webhook } from '../api/automation';
import { ApiError } from '../api/errors';
import { collectionsQuery } from '../api/queries';
import { system, unwrap } from '../api/system';
import { Button, Checkbox, ErrorAlert, ModalDialog, OneTimeSecret, TextInput } from './ui';

type Event = (typeof WEBHOOK_EVENTS)[number];

/**
 * Creates a webhook, or edits one: its name, URL, events, collections (none ticked: all of them) and
 * whether it is on. A new webhook's signing secret is shown once, when it is created.
 */
export function WebhookForm({ ws, webhook, isOpen, onOpenChange }: { ws: string; webhook: Webhook | null; isOpen: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={onOpenChange} title={webhook ? `Edit ${webhook.name}` : 'New webhook'}>
      {/* Keyed so that each opening starts from the webhook as it is now. */}
      <WebhookFields key={webhook?.id ?? 'new'} ws={ws} webhook={webhook} close={() => onOpenChange(false)} />
    </ModalDialog>
  );
}

function WebhookFields({ ws, webhook, close }: { ws: string; webhook: Webhook | null; close: () => void }) {
  const collections = useQuery(collectionsQuery(ws));
  const queryClient = useQueryClient();
  const [name, setName] = useState(webhook?.name ?? '');
  const [url, setUrl] = useState(webhook?.url ?? '');
  const [events, setEvents] = useState<Event[]>(webhook?.events ?? [...WEBHOOK_EVENTS]);
  const [watched, setWatched] = useState<string[]>(webhook?.collections ?? []);
  const [enabled, setEnabled] = useState(webhook?.enabled ?? true);

  const save = useMutation({
    mutationFn: () => {
      const body = { name, url, events, collections: watched.length > 0 ? watched : null, enabled };
      return webhook
        ? unwrap(system.PATCH('/api/v1/w/{ws}/webhooks/{id}', { params: { path: { ws, id: webhook.id! } }, body }))
        : unwrap(system.POST('/api/v1/w/{ws}/webhooks', { params: { path: { ws } }, body }));
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['w', ws, 'webhooks'] });
      if (!(saved as { secret?: string }).secret) close();
    },
  });
  const fieldError = (field: string) => (save.error instanceof ApiError && save.error.field === field ? save.error.message : undefined);
  // Only a new webhook's answer carries its secret.
  const secret = (save.data as { secret?: string } | undefined)?.secret;

  if (secret) {
    return (
      <div className="stack">
        <p>Your receiver verifies each request with this signing secret. Copy it now: it is not shown again.</p>
        <OneTimeSecret value={secret} testId="webhook-secret" />
        <div className="row end">
          <Button variant="primary" onPress={close}>
            Done
          </Button>
        </div>
      </div>
    );
  }

  const toggle = <T,>(list: T[], value: T, on: boolean) => (on ? [...list, value] : list.filter((item) => item !== value));
  return (
    <Form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <TextInput label="Name" value={name} onChange={setName} isRequired autoFocus error={fieldError('name')} />
      <TextInput label="URL" type="url" value={url} onChange={setUrl} isRequired error={fieldError('url')} hint="Where Cairn sends each event, signed as Standard Webhooks says." />
      <fieldset className="choices">
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((event) => (
          <Checkbox key={event} isSelected={events.includes(event)} onChange={(on) => setEvents(toggle(events, event, on))}>
            {event}
          </Checkbox>
        ))}
        {fieldError('events') && <span className="field-error">{fieldError('events')}</span>}
      </fieldset>
      <fieldset className="choices">
        <legend>Collections</legend>
        <span className="hint">None ticked: every collection, including ones made later.</span>
        {collections.data?.map((collection) => (
          <Checkbox key={collection.collection} isSelected={watched.includes(collection.collection)} onChange={(on) => setWatched(toggle(watched, collection.collection, on))}>
            {collection.collection}
          </Checkbox>
        ))}
        {fieldError('collections') && <span className="field-error">{fieldError('collections')}</span>}
      </fieldset>
      <Checkbox isSelected={enabled} onChange={setEnabled}>
        Enabled
      </Checkbox>
      {webhook?.disabled_reason && <div className="notice warn">{webhook.disabled_reason}</div>}
      <ErrorAlert error={save.error && !fieldError(String((save.error as ApiError).field)) ? save.error : null} />
      <div className="row end">
        <Button onPress={close}>Cancel</Button>
        <Button type="submit" variant="primary" isPending={save.isPending}>
          {webhook ? 'Save webhook' : 'Create webhook'}
        </Button>
      </div>
    </Form>
  );
}
