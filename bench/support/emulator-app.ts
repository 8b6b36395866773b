/**
 * An app registration of the bench's own on an emulated directory, to call the emulator directly (no PBX in
 * between): a certificate of its own, the permissions granted, and app-only tokens by client credentials with a
 * certificate assertion (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
 */
import { createClientAssertion, createClientCertificate } from '@pbx/m365-emulator';
import { type Dispatcher, request } from 'undici';
import { type EmulatorProcess } from './emulator.process';

export interface BenchApp {
  /** One token request; its time is the emulator's token endpoint over loopback. */
  token(): Promise<{ accessToken: string; ms: number }>;
}

export async function registerBenchApp(
  emulator: EmulatorProcess,
  directory: { tenantId: string; clientId: string },
  permissions: string[],
  dispatcher: Dispatcher,
): Promise<BenchApp> {
  const certificate = await createClientCertificate();
  const target = { tenant: directory.tenantId, clientId: directory.clientId };
  await emulator.control('addCertificate', { ...target, pem: certificate.certificatePem });
  await emulator.control('grantPermissions', { ...target, permissions });
  const endpoint = `${emulator.baseUrl}/${directory.tenantId}/oauth2/v2.0/token`;
  return {
    token: async () => {
      const body = new URLSearchParams({
        client_id: directory.clientId,
        scope: 'https://graph.microsoft.com/.default',
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: createClientAssertion({
          clientId: directory.clientId,
          audience: endpoint,
          privateKey: certificate.privateKey,
          thumbprintSha256Hex: certificate.thumbprintSha256Hex,
        }),
      }).toString();
      const started = process.hrtime.bigint();
      const response = await request(endpoint, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const json = (await response.body.json()) as { access_token?: string };
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (response.statusCode !== 200 || !json.access_token)
        throw new Error(`bench app token request: status ${response.statusCode}`);
      return { accessToken: json.access_token, ms };
    },
  };
}
