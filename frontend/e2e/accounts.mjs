// The accounts the end-to-end flows use, made by the global set-up.
export const DEMO = 'demo@example.com';
export const BOB = 'bob@example.com';
export const PASSWORD = { [DEMO]: 'demo-password', [BOB]: 'bob-password' };
