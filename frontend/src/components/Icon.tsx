/** Line icons drawn for mailcore on a 24-unit grid (stroke = currentColor). */

import type { SVGProps } from 'react';

const PATHS: Record<string, string> = {
  menu: 'M4 6h16M4 12h16M4 18h16',
  search: 'M10.5 4a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13zM15.5 15.5L20 20',
  tune: 'M4 7h9M17 7h3M4 17h3M11 17h9M15 5v4M9 15v4',
  close: 'M6 6l12 12M18 6L6 18',
  pencil: 'M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4',
  inbox: 'M4 13l2.5-8h11l2.5 8v6H4zM4 13h5l1 2h4l1-2h5',
  star: 'M12 3.5l2.6 5.4 5.9.8-4.3 4.1 1 5.9L12 16.9l-5.2 2.8 1-5.9L3.5 9.7l5.9-.8z',
  clock: 'M12 4a8 8 0 1 0 0 16a8 8 0 1 0 0-16zM12 8v4.5l3 2',
  important: 'M4 6h11l5 6-5 6H4l4.5-6z',
  send: 'M4 12L20 4l-5 16-3-7zM12 13l8-9',
  draft: 'M7 3h7l5 5v13H7zM14 3v5h5M10 13h6M10 17h6',
  spam: 'M8.5 3h7L21 8.5v7L15.5 21h-7L3 15.5v-7zM12 7.5v5.5M12 16v.5',
  trash: 'M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13M10.5 11v5M13.5 11v5',
  allmail: 'M4 8h12v10H4zM4 8l6 5 6-5M8 5h12v10',
  label: 'M3 6.5h12.5L21 12l-5.5 5.5H3z',
  archive: 'M3.5 5h17v4h-17zM5 9v10h14V9M10 13h4',
  unarchive: 'M3.5 5h17v4h-17zM5 9v10h14V9M12 17v-5M9.5 14l2.5-2.5 2.5 2.5',
  mailOpen: 'M4 10l8-6 8 6v10H4zM4 10l8 5.5 8-5.5',
  mail: 'M3.5 6h17v12h-17zM3.5 6l8.5 7 8.5-7',
  move: 'M3.5 6h6l2 2h9v11h-17zM10 13.5h7M14.5 11l2.5 2.5-2.5 2.5',
  left: 'M15 5l-7 7 7 7',
  right: 'M9 5l7 7-7 7',
  down: 'M6 9l6 6 6-6',
  up: 'M6 15l6-6 6 6',
  more: 'M12 5.5v.01M12 12v.01M12 18.5v.01',
  refresh: 'M19 12a7 7 0 1 1-2.1-5M19 4v4h-4',
  reply: 'M10 6L4 12l6 6M4 12h10a6 6 0 0 1 6 6',
  replyAll: 'M12 6l-6 6 6 6M7 6L1 12l6 6M6 12h8a6 6 0 0 1 6 6',
  forward: 'M14 6l6 6-6 6M20 12H10a6 6 0 0 0-6 6',
  clip: 'M16.5 7.5l-7.3 7.3a2 2 0 0 0 2.8 2.8l7.3-7.3a4 4 0 0 0-5.7-5.7L6.3 12a6 6 0 0 0 8.5 8.5l5.2-5.2',
  download: 'M12 4v11M7.5 10.5L12 15l4.5-4.5M5 19.5h14',
  minimize: 'M6 17h12',
  maximize: 'M5 9V5h4M15 5h4v4M19 15v4h-4M9 19H5v-4',
  unmaximize: 'M9 5v4H5M15 5v4h4M19 15h-4v4M5 15h4v4',
  settings: 'M18.9 9.9 L21.3 10.4 L21.3 13.6 L18.9 14.1 L18.4 15.4 L19.7 17.4 L17.4 19.7 L15.4 18.4 L14.1 18.9 L13.6 21.3 L10.4 21.3 L9.9 18.9 L8.6 18.4 L6.6 19.7 L4.3 17.4 L5.6 15.4 L5.1 14.1 L2.7 13.6 L2.7 10.4 L5.1 9.9 L5.6 8.6 L4.3 6.6 L6.6 4.3 L8.6 5.6 L9.9 5.1 L10.4 2.7 L13.6 2.7 L14.1 5.1 L15.4 5.6 L17.4 4.3 L19.7 6.6 L18.4 8.6ZM12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6z',
  chart: 'M4 20V4M4 20h16M8 16v-5M12 16V8M16 16v-7',
  keyboard: 'M3 7h18v11H3zM6.5 10.5h.01M9.5 10.5h.01M12.5 10.5h.01M15.5 10.5h.01M8 14.5h8',
  image: 'M4 5h16v14H4zM4 16l5-5 4 4 2.5-2.5L20 17M15.5 8.5v.01',
  bold: 'M7 5h6a3.5 3.5 0 0 1 0 7H7zM7 12h7a3.5 3.5 0 0 1 0 7H7z',
  italic: 'M10 5h8M6 19h8M14 5l-4 14',
  bullets: 'M9 6h11M9 12h11M9 18h11M4.5 6v.01M4.5 12v.01M4.5 18v.01',
  numbers: 'M10 6h10M10 12h10M10 18h10M4 5l1.5-1v5M4 15.5c0-1 .8-1.5 1.5-1.5s1.5.5 1.5 1.3c0 1.2-3 2.7-3 3.7h3',
  link: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1',
  back: 'M19 12H5M11 6l-6 6 6 6',
  plus: 'M12 5v14M5 12h14',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  logout: 'M14 4h5v16h-5M10 8l-4 4 4 4M6 12h10',
  schedule: 'M12 4a8 8 0 1 0 0 16a8 8 0 1 0 0-16zM12 8v4.5l3 2M4 4l3 3',
  print: 'M7 9V4h10v5M7 17H4v-8h16v8h-3M7 14h10v6H7z',
  expand: 'M7 10l5 5 5-5',
  offline: 'M3 3l18 18M8.5 16.5a5 5 0 0 1 7 0M5 13a10 10 0 0 1 4-2.5M12 8c2.8 0 5.3 1.1 7 3M2 9.5a15 15 0 0 1 4-2.6M12 20v.01',
  eye: 'M2.5 12s3.5-6.5 9.5-6.5 9.5 6.5 9.5 6.5-3.5 6.5-9.5 6.5S2.5 12 2.5 12zM12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6z',
};

export type IconName = keyof typeof PATHS;

interface Props extends Omit<SVGProps<SVGSVGElement>, 'name'> {
  name: IconName;
  size?: number;
  filled?: boolean;
}

export function Icon({ name, size = 20, filled = false, className, ...rest }: Props) {
  return (
    <svg
      viewBox="0 0 24 24"
      width={size}
      height={size}
      fill={filled ? 'currentColor' : 'none'}
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      className={className}
      {...rest}
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
