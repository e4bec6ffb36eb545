// The one key of an address in the suppression list and in logs: sha256 of the trimmed, lower-cased
// address, so an unsubscribe or an erasure is kept without keeping the address.
import { createHash } from 'crypto';

export const emailHash = (email: string): string => createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
