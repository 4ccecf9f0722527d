import type { Conflict } from '../lib/versions';
import { Button, ModalDialog } from './ui';

/**
 * Asks which version to keep when a save would write over values someone else saved since the user
 * started editing: theirs and the user's, per differing field.
 */
export function ConflictDialog({ item, found, onClose, onOverwrite, onTakeTheirs, busy }: {
  item: string;
  found: Conflict[];
  onClose: () => void;
  onOverwrite: () => void;
  onTakeTheirs: () => void;
  busy?: boolean;
}) {
  return (
    <ModalDialog isOpen onOpenChange={(open) => !open && onClose()} title="Someone else changed this item" wide>
      <div className="stack">
        <p>
          Since you started editing item #{item}, someone else saved other values in {found.length === 1 ? 'a field' : 'fields'} you changed too. Choose which
          version to keep.
        </p>
        <table className="list versions">
          <caption className="sr-only">Their version and yours, per differing field</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Theirs (saved)</th>
              <th scope="col">Yours</th>
            </tr>
          </thead>
          <tbody>
            {found.map((c) => (
              <tr key={c.field}>
                <th scope="row">{c.field}</th>
                <td>
                  <Value text={c.theirs} />
                </td>
                <td>
                  <Value text={c.yours} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="row end">
          <Button onPress={onTakeTheirs}>Take theirs</Button>
          <Button variant="danger" onPress={onOverwrite} isPending={busy}>
            Overwrite with mine
          </Button>
        </div>
      </div>
    </ModalDialog>
  );
}

function Value({ text }: { text: string }) {
  return text === '' ? <span className="hint">null</span> : <span className="value-text">{text}</span>;
}
