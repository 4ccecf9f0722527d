import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { remove } from '../api/client';
import { ApiError } from '../api/errors';
import { ConfirmDialog } from './ConfirmDialog';

/**
 * Deletes a collection: first without force, so that Cairn says what would be lost (its rows, the relations,
 * views and policies that depend on it); after the user confirmed that, with force.
 */
export function DeleteCollection({ ws, collection, onClose }: { ws: string; collection: string | null; onClose: () => void }) {
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const done = async () => {
    setRefusal(null);
    await queryClient.invalidateQueries({ queryKey: ['w', ws] });
    await navigate({ to: '/w/$ws/collections', params: { ws } });
  };
  return (
    <ConfirmDialog
      key={`${collection}-${refusal ? 'force' : 'ask'}`}
      isOpen={collection !== null}
      onOpenChange={(open) => {
        if (!open) {
          setRefusal(null);
          onClose();
        }
      }}
      title={refusal ? `Delete ${collection} and what depends on it?` : `Delete ${collection}?`}
      message={
        refusal ? (
          <div className="stack">
            <div className="alert" role="alert">
              {refusal.message}
            </div>
            <span>Deleting anyway drops the table with its rows and changes its dependants as listed.</span>
          </div>
        ) : (
          'The collection and its table are dropped.'
        )
      }
      typeToConfirm={collection ?? undefined}
      action={refusal ? 'Delete anyway' : 'Delete collection'}
      onConfirm={async () => {
        try {
          await remove(`/w/${ws}/collections/${collection}`, refusal ? { force: true } : undefined);
        } catch (error) {
          if (error instanceof ApiError && error.status === 409 && !refusal) {
            setRefusal(error);
            // Keep the dialog open on its second question.
            throw new ApiError(409, 'CONFLICT', 'Confirm below to delete anyway.');
          }
          throw error;
        }
        await done();
      }}
    />
  );
}
