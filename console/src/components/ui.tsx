import { useState, type ReactNode } from 'react';
import {
  Button as AriaButton,
  type ButtonProps,
  Checkbox as AriaCheckbox,
  Dialog,
  FieldError,
  Heading,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  Modal,
  ModalOverlay,
  Popover,
  Select,
  SelectValue,
  Text,
  TextArea,
  TextField,
} from 'react-aria-components';
import { messageOf } from '../api/errors';

/**
 * `isPending`: the button's action is under way. It keeps the focus (a disabled button drops it to the
 * page, out of its dialog, where Escape no longer closes it), looks busy, and neither presses nor submits.
 * React Aria's own isPending is not used: it announces the button by its id, and when the dialog then
 * closes the announcement is left pointing at nothing, which axe reports as an image without a name.
 */
export function Button({ variant, small, className, isPending, ...props }: ButtonProps & { variant?: 'primary' | 'danger' | 'ghost' | 'link'; small?: boolean }) {
  const pending = isPending ? { type: 'button' as const, onPress: undefined, 'aria-disabled': true } : {};
  return <AriaButton {...props} {...pending} className={['btn', variant, small ? 'small' : '', className ?? ''].filter(Boolean).join(' ')} />;
}

interface TextInputProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'email' | 'password' | 'number' | 'date' | 'datetime-local' | 'time' | 'url';
  hint?: string;
  error?: string;
  isRequired?: boolean;
  autoFocus?: boolean;
  autoComplete?: string;
  multiline?: boolean;
  name?: string;
  className?: string;
  placeholder?: string;
}

/** A labelled text input; the server's message for it shows under it. */
export function TextInput({ label, value, onChange, type = 'text', hint, error, multiline, className, placeholder, ...rest }: TextInputProps) {
  return (
    // aria validation: a server message marks the input invalid without the browser then refusing to submit the form again.
    <TextField className={`field ${className ?? ''}`} value={value} onChange={onChange} type={type} isInvalid={Boolean(error)} validationBehavior="aria" {...rest}>
      <Label>{label}</Label>
      {multiline ? <TextArea placeholder={placeholder} /> : <Input placeholder={placeholder} />}
      {hint && <Text slot="description" className="hint">{hint}</Text>}
      <FieldError className="field-error">{error}</FieldError>
    </TextField>
  );
}

export interface Option {
  id: string;
  label: string;
}

export function SelectField({ label, value, options, onChange, className, hideLabel, placeholder }: { label: string; value: string; options: Option[]; onChange: (value: string) => void; className?: string; hideLabel?: boolean; placeholder?: string }) {
  return (
    <Select className={`field ${className ?? ''}`} selectedKey={value} onSelectionChange={(key) => onChange(String(key))} aria-label={hideLabel ? label : undefined} placeholder={placeholder}>
      {!hideLabel && <Label>{label}</Label>}
      <AriaButton className="select-button">
        <SelectValue />
        <span aria-hidden="true">▾</span>
      </AriaButton>
      <Popover className="popover">
        <ListBox className="listbox" items={options}>
          {(option) => (
            <ListBoxItem className="listbox-item" id={option.id} textValue={option.label}>
              {option.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}

export function Checkbox({ children, isSelected, onChange }: { children: ReactNode; isSelected: boolean; onChange: (value: boolean) => void }) {
  return (
    <AriaCheckbox className="checkbox" isSelected={isSelected} onChange={onChange}>
      <span className="box" aria-hidden="true" />
      {children}
    </AriaCheckbox>
  );
}

/** The API's error as it came, or nothing. */
export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="alert" role="alert">
      {messageOf(error)}
    </div>
  );
}

export function ModalDialog({ isOpen, onOpenChange, title, children, wide }: { isOpen: boolean; onOpenChange: (open: boolean) => void; title: string; children: ReactNode; wide?: boolean }) {
  return (
    <ModalOverlay className="overlay" isOpen={isOpen} onOpenChange={onOpenChange} isDismissable>
      <Modal className={`modal ${wide ? 'wide' : ''}`}>
        <Dialog className="dialog">
          <Heading slot="title">{title}</Heading>
          {children}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

export function PageHead({ title, sub, children }: { title: string; sub?: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {sub && <div className="sub">{sub}</div>}
      </div>
      <div className="spacer" />
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" role="status">
      Loading {what}…
    </div>
  );
}

/** The card of the screens before sign-in (first run, sign-in): the brand, a heading, what it says, then the form. */
export function AuthCard({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <main className="auth">
      <div className="card">
        <div className="brand">
          <img src="/admin/favicon.svg" alt="" />
          Cairn Studio
        </div>
        <div>
          <h1>{title}</h1>
          {intro}
        </div>
        {children}
      </div>
    </main>
  );
}

/** A secret Cairn shows only once (an API key, a webhook's signing secret), with a button that copies it. */
export function OneTimeSecret({ value, testId }: { value: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret">
      <span data-testid={testId}>{value}</span>
      <div className="spacer" />
      <Button
        small
        onPress={() => {
          void navigator.clipboard?.writeText(value).then(() => setCopied(true));
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </Button>
    </div>
  );
}

/** Names shown as tags: a webhook's events, a trigger's collections. */
export function Tags({ values }: { values: readonly string[] }) {
  return (
    <span className="tags">
      {values.map((value) => (
        <span key={value} className="tag">
          {value}
        </span>
      ))}
    </span>
  );
}
