import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';

/** The bar above a screen: where it is, as links back up. */
export function Topbar({ ws, trail, children }: { ws?: string; trail: { label: string; to?: ReactNode }[]; children?: ReactNode }) {
  return (
    <header className="topbar">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        {ws && (
          <>
            <Link to="/w/$ws/collections" params={{ ws }}>
              {ws}
            </Link>
            <span aria-hidden="true">/</span>
          </>
        )}
        {trail.map((step, index) => (
          <span key={index} className="row" style={{ gap: 6 }}>
            {index === trail.length - 1 ? <span aria-current="page">{step.label}</span> : (step.to ?? step.label)}
            {index < trail.length - 1 && <span aria-hidden="true">/</span>}
          </span>
        ))}
      </nav>
      <div className="spacer" />
      {children}
    </header>
  );
}
