import type { ReactNode } from 'react';

/** A table with a labelled header row (column headers scoped to their columns) and an optional empty-state row. */
export function DataTable({ label, columns, testId, className, empty, children }: { label: string; columns: ReactNode[]; testId?: string; className?: string; empty?: ReactNode; children?: ReactNode }) {
  return (
    <table className={className} data-testid={testId} aria-label={label}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {empty && (
          <tr>
            <td colSpan={columns.length} className="muted">
              {empty}
            </td>
          </tr>
        )}
        {children}
      </tbody>
    </table>
  );
}
