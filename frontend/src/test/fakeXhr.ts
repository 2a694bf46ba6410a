/**
 * XMLHttpRequest as uploads use it: each send waits until the test answers
 * it (`finish`, `fail`), so a test can look at a form while files upload.
 */

import { vi } from 'vitest';

export class FakeXhr {
  static all: FakeXhr[] = [];
  static ids = 0;
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  status = 0;
  responseText = '';
  body: unknown = null;
  aborted = false;
  url = '';
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader() {}
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  send(body: unknown) {
    this.body = body;
    FakeXhr.all.push(this);
  }
  progress(fraction: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded: fraction * 100, total: 100 });
  }
  /** The upload is stored: answers its id. */
  finish(id = `up-${++FakeXhr.ids}`) {
    this.status = 201;
    this.responseText = JSON.stringify({ id, filename: 'f', content_type: 'text/plain', size: 1, expires: '' });
    this.onload?.();
    return id;
  }
  fail(status = 413, detail = 'The file is too large') {
    this.status = status;
    this.responseText = JSON.stringify({ type: 'about:blank', title: 'Too large', status, detail });
    this.onload?.();
  }
}

/** Put FakeXhr in place of XMLHttpRequest for this test. */
export function stubXhr(): typeof FakeXhr {
  FakeXhr.all = [];
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  return FakeXhr;
}
