import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';

export const NOTIFICATIONS_PATH = '/microsoft365/notifications';
export const LIFECYCLE_PATH = '/microsoft365/notifications/lifecycle';

export type NotificationEndpoint =
  | { usable: true; notificationUrl: string; lifecycleNotificationUrl: string }
  | { usable: false; reason: string };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Where Microsoft can post notifications. Graph only calls https URLs; a plain http loopback URL is accepted
 * outside production so the emulator can reach a test PBX.
 */
export function notificationEndpoint(
  options: Pick<Microsoft365ModuleOptions, 'publicUrl' | 'routePrefix' | 'environment' | 'notifications'>,
): NotificationEndpoint {
  const base = options.notifications?.publicUrl ?? options.publicUrl;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    // expected: the answer is that it is not usable, with the reason.
    return { usable: false, reason: 'The PBX has no valid public URL' };
  }
  const loopback = LOOPBACK.has(url.hostname);
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && loopback && options.environment !== 'production')
  ) {
    return { usable: false, reason: 'Microsoft only delivers notifications to an https public URL' };
  }
  if (loopback && options.environment === 'production') {
    return { usable: false, reason: 'The public URL is a loopback address Microsoft cannot reach' };
  }
  const root = `${url.origin}${url.pathname.replace(/\/+$/, '')}${normalisePrefix(options.routePrefix)}`;
  return {
    usable: true,
    notificationUrl: `${root}${NOTIFICATIONS_PATH}`,
    lifecycleNotificationUrl: `${root}${LIFECYCLE_PATH}`,
  };
}

function normalisePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}
