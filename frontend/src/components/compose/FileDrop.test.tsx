import { describe, expect, it, vi } from 'vitest';
import { createEvent, fireEvent, render, screen } from '@testing-library/react';
import { FileDrop } from './FileDrop';

// Testing Library's user-event cannot drag files from outside the page, so
// the drag events are fired as the browser fires them.
function drag(type: 'dragOver' | 'drop' | 'dragLeave', el: Element, kinds: string[], files: File[] = []) {
  const event = createEvent[type](el);
  Object.defineProperty(event, 'dataTransfer', { value: { types: kinds, files } });
  fireEvent(el, event);
  return event;
}

describe('file drop', () => {
  it('says where to drop while files are dragged over, and takes the dropped files', () => {
    const onFiles = vi.fn();
    render(
      <FileDrop onFiles={onFiles} data-testid="area">
        <p>form</p>
      </FileDrop>,
    );
    const area = screen.getByTestId('area');
    const over = drag('dragOver', area, ['Files']);
    expect(over.defaultPrevented).toBe(true);
    expect(screen.getByText('Drop files here')).toBeInTheDocument();
    expect(screen.getByText('Files up to 25 MB each, 35 MB in all')).toBeInTheDocument();
    const file = new File(['x'], 'notes.txt');
    drag('drop', area, ['Files'], [file]);
    expect(onFiles).toHaveBeenCalledWith([file]);
    expect(screen.queryByText('Drop files here')).toBeNull();
  });

  it('lets other drags pass, and forgets a drag that leaves', () => {
    const onFiles = vi.fn();
    render(<FileDrop onFiles={onFiles} data-testid="area" />);
    const area = screen.getByTestId('area');
    expect(drag('dragOver', area, ['text/plain']).defaultPrevented).toBe(false);
    expect(screen.queryByText('Drop files here')).toBeNull();
    drag('drop', area, ['text/plain']);
    expect(onFiles).not.toHaveBeenCalled();
    drag('dragOver', area, ['Files']);
    expect(screen.getByText('Drop files here')).toBeInTheDocument();
    drag('dragLeave', area, ['Files']);
    expect(screen.queryByText('Drop files here')).toBeNull();
  });
});
