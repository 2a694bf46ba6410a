export function Logo({ className = '' }: { className?: string }) {
  return (
    <span className={`inline-flex items-center gap-2 ${className}`}>
      <svg viewBox="0 0 48 48" width="34" height="34" aria-hidden="true">
        <rect x="4" y="10" width="40" height="28" rx="4" className="fill-white stroke-red" strokeWidth="3" />
        <path d="M6 13l18 14 18-14" fill="none" className="stroke-logo-red" strokeWidth="4" strokeLinejoin="round" />
      </svg>
      <span className="text-[22px] tracking-tight text-muted">mailcore</span>
    </span>
  );
}
