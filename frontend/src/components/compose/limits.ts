import { size } from '../../lib/format';

/** The server takes uploads up to 25 MB each and messages up to 50 MB; base64 grows attachments by a third. */
export const FILE_LIMIT = 25 * 1024 * 1024;
export const ATTACHMENT_LIMIT = 35 * 1024 * 1024;
export const LIMIT_TEXT = `Files up to ${size(FILE_LIMIT)} each, ${size(ATTACHMENT_LIMIT)} in all`;
