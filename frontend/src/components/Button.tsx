/**
 * The app's one button: every action looks the same wherever it appears.
 *
 * - `primary`: the filled blue action of a form or dialog (Send, Save, Create);
 * - `secondary`: outlined, for a second choice beside it or on its own (Try again);
 * - `outline`: outlined grey, for actions on what is shown (Reply, Forward);
 * - `ghost`: borderless blue, for Cancel and other quiet choices;
 * - `danger`: filled red, for an action that removes something;
 * - `icon`: a round button holding only an icon (give it an `aria-label`).
 *
 * `className` adds layout (margins, flex) and never restyles the variant.
 */

import { forwardRef, type ButtonHTMLAttributes } from 'react';

export type ButtonVariant = 'primary' | 'secondary' | 'outline' | 'ghost' | 'danger' | 'icon';
export type ButtonSize = 'sm' | 'md' | 'lg';

const VARIANTS: Record<ButtonVariant, string> = {
  primary: 'rounded-full bg-accent font-medium text-white hover:bg-accent-strong disabled:opacity-60',
  secondary: 'rounded-full border border-outline font-medium text-accent hover:bg-accent-soft/40 disabled:opacity-60',
  outline: 'rounded-full border border-outline font-medium text-muted hover:bg-hover disabled:opacity-60',
  ghost: 'rounded-full font-medium text-accent hover:bg-accent-soft/40 disabled:opacity-60',
  danger: 'rounded-full bg-red font-medium text-white hover:bg-red/90 disabled:opacity-60',
  icon: 'rounded-full text-muted hover:bg-black/5 disabled:opacity-40 disabled:hover:bg-transparent',
};

const SIZES: Record<'label' | 'quiet' | 'icon', Record<ButtonSize, string>> = {
  label: { sm: 'px-3 py-1 text-sm', md: 'px-5 py-2 text-sm', lg: 'px-6 py-2.5 text-sm' },
  quiet: { sm: 'px-3 py-1 text-sm', md: 'px-4 py-2 text-sm', lg: 'px-5 py-2.5 text-sm' },
  icon: { sm: 'p-1.5', md: 'p-2', lg: 'p-2.5' },
};

/** The classes of a variant and size, for a link that must look like a button. */
export function buttonClass(variant: ButtonVariant = 'secondary', size: ButtonSize = 'md', extra = ''): string {
  const group = variant === 'icon' ? 'icon' : variant === 'ghost' ? 'quiet' : 'label';
  return [VARIANTS[variant], SIZES[group][size], extra].filter(Boolean).join(' ');
}

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: ButtonSize;
}

export const Button = forwardRef<HTMLButtonElement, ButtonProps>(function Button(
  { variant = 'secondary', size = 'md', className = '', type = 'button', ...rest },
  ref,
) {
  return <button ref={ref} type={type} className={buttonClass(variant, size, className)} {...rest} />;
});
