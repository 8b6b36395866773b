import { notificationEndpoint } from './notification-endpoint';

describe('notificationEndpoint', () => {
  it('builds both URLs from the public URL and the route prefix', () => {
    expect(
      notificationEndpoint({
        publicUrl: 'https://pbx.example.com/',
        routePrefix: '/api',
        environment: 'production',
      }),
    ).toEqual({
      usable: true,
      notificationUrl: 'https://pbx.example.com/api/microsoft365/notifications',
      lifecycleNotificationUrl: 'https://pbx.example.com/api/microsoft365/notifications/lifecycle',
    });
  });

  it('prefers the notification base URL when the host sets one', () => {
    expect(
      notificationEndpoint({
        publicUrl: 'http://pbx.internal',
        environment: 'production',
        notifications: { publicUrl: 'https://relay.example.com/pbx1' },
      }),
    ).toMatchObject({
      usable: true,
      notificationUrl: 'https://relay.example.com/pbx1/microsoft365/notifications',
    });
  });

  it.each([
    ['http://pbx.example.com', 'production'],
    ['http://pbx.example.com', 'test'],
    ['http://127.0.0.1:3000', 'production'],
    ['https://localhost', 'production'],
    ['not a url', 'test'],
  ] as const)('refuses %s in %s', (publicUrl, environment) => {
    expect(notificationEndpoint({ publicUrl, environment })).toMatchObject({ usable: false });
  });

  it('accepts http on loopback outside production (the emulator calls back a test PBX)', () => {
    expect(notificationEndpoint({ publicUrl: 'http://127.0.0.1:3000', environment: 'test' })).toMatchObject({
      usable: true,
      notificationUrl: 'http://127.0.0.1:3000/microsoft365/notifications',
    });
  });
});
