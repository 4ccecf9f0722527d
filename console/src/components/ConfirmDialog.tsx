import { useState } from 'react';
import { Form } from 'react-aria-components';
import { Button, ErrorAlert, ModalDialog, TextInput } from './ui';

interface ConfirmDialogProps {
  isOpen: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  message: React.ReactNode;
  /** When set, the user types it before the action is enabled (deleting a workspace or a collection). */
  typeToConfirm?: string;
  action: string;
  onConfirm: () => Promise<unknown>;
}

/** Asks before something that cannot be undone; the server's refusal shows inside, not as a lost click. */
export function ConfirmDialog({ isOpen, onOpenChange, title, message, typeToConfirm, action, onConfirm }: ConfirmDialogProps) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ready = !typeToConfirm || typed === typeToConfirm;
  const close = (open: boolean) => {
    if (!open) {
      setTyped('');
      setError(null);
    }
    onOpenChange(open);
  };
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={close} title={title}>
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          if (!ready) return;
          setBusy(true);
          setError(null);
          onConfirm()
            .then(() => close(false))
            .catch(setError)
            .finally(() => setBusy(false));
        }}
      >
        <div>{message}</div>
        {typeToConfirm && <TextInput label={`Type ${typeToConfirm} to confirm`} value={typed} onChange={setTyped} autoFocus />}
        <ErrorAlert error={error} />
        <div className="row end">
          <Button onPress={() => close(false)}>Cancel</Button>
          <Button type="submit" variant="danger" isDisabled={!ready} isPending={busy}>
            {action}
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
