import { useMutation } from '@tanstack/react-query';
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
  const ready = !typeToConfirm || typed === typeToConfirm;
  const close = (open: boolean) => {
    if (!open) {
      setTyped('');
      confirm.reset();
    }
    onOpenChange(open);
  };
  const confirm = useMutation({ mutationFn: onConfirm, onSuccess: () => close(false) });
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={close} title={title}>
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          if (ready) confirm.mutate();
        }}
      >
        <div>{message}</div>
        {typeToConfirm && <TextInput label={`Type ${typeToConfirm} to confirm`} value={typed} onChange={setTyped} autoFocus />}
        <ErrorAlert error={confirm.error} />
        <div className="row end">
          <Button onPress={() => close(false)}>Cancel</Button>
          <Button type="submit" variant="danger" isDisabled={!ready} isPending={confirm.isPending}>
            {action}
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
