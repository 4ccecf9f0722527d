import { useRouter, type ErrorComponentProps } from '@tanstack/react-router';
import { messageOf } from '../api/errors';
import { Button } from './ui';

/** What a screen shows when it failed to load: the message, and a way to try again, never a blank page. */
export function RouteError({ error, reset }: ErrorComponentProps) {
  const router = useRouter();
  return (
    <div className="content">
      <div className="alert" role="alert">
        {messageOf(error)}
      </div>
      <div className="row">
        <Button
          onPress={() => {
            reset();
            void router.invalidate();
          }}
        >
          Try again
        </Button>
      </div>
    </div>
  );
}
