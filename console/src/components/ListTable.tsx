import type { Key, ReactNode } from 'react';

export interface ListColumn<T> {
  /** The column's header; screen readers read it even when it is hidden (an actions column). */
  header: string;
  cell: (row: T) => ReactNode;
  hideHeader?: boolean;
  /** `actions` aligns right and keeps its buttons on one line; `hint` mutes the text. */
  className?: 'actions' | 'hint';
  width?: number;
}

/**
 * The table of the list screens (collections, members, API keys, fields, relations, indexes): one row per
 * thing, a header per column, labelled for assistive technology, and a message instead of an empty table.
 */
export function ListTable<T>({
  label,
  columns,
  rows,
  rowKey,
  actions,
  empty,
}: {
  label: string;
  columns: ListColumn<T>[];
  rows: readonly T[];
  rowKey: (row: T) => Key;
  /** The row's buttons, in a last column whose header only screen readers read. */
  actions?: (row: T) => ReactNode;
  empty?: ReactNode;
}) {
  if (rows.length === 0 && empty !== undefined) return <div className="empty">{empty}</div>;
  if (actions) columns = [...columns, { header: 'Actions', hideHeader: true, className: 'actions', cell: actions }];
  return (
    <table className="list" aria-label={label}>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.header} scope="col">
              {column.hideHeader ? <span className="sr-only">{column.header}</span> : column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            {columns.map((column) => (
              <td key={column.header} className={column.className} style={column.width ? { width: column.width } : undefined}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
