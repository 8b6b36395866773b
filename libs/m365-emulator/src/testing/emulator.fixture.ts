import type { Agent } from 'undici';
import { fetch } from 'undici';
import type { M365EmulatorOptions } from '../emulator.options';
import { M365Emulator } from '../m365.emulator';
import type { SeedOptions, SeedResult } from '../seed/directory.seeder';
import { createClientAssertion } from './client-assertion.factory';
import { createTrustingAgent } from './trusting.agent';
import { createRsaCertificate, type RsaCertificate } from '../tls/rsa-certificate.factory';

export interface FetchResult {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  text: string;
  bytes: Buffer;
}

/** A started emulator with a seeded tenant, an app with an uploaded certificate, and fetch helpers. */
export class EmulatorFixture {
  private constructor(
    readonly emulator: M365Emulator,
    readonly agent: Agent,
    readonly seeded: SeedResult,
    readonly clientId: string,
    readonly certificate: RsaCertificate,
  ) {}

  static async start(
    options: { emulator?: M365EmulatorOptions; seed?: Partial<SeedOptions> } = {},
  ): Promise<EmulatorFixture> {
    const emulator = await M365Emulator.start({ seed: 7, ...options.emulator });
    const seeded = await emulator.control.seed({
      users: 30,
      departments: 3,
      groupDepth: 1,
      photos: 0.5,
      seed: 11,
      ...options.seed,
    });
    const certificate = await createRsaCertificate();
    const clientId = seeded.clientId ?? '';
    emulator.control.addCertificate({ tenant: seeded.tenantId, clientId, pem: certificate.certificatePem });
    return new EmulatorFixture(emulator, createTrustingAgent(emulator.caPem), seeded, clientId, certificate);
  }

  get tenantId(): string {
    return this.seeded.tenantId;
  }

  get tokenEndpoint(): string {
    return `${this.emulator.baseUrl}/${this.tenantId}/oauth2/v2.0/token`;
  }

  assertion(overrides: Partial<Parameters<typeof createClientAssertion>[0]> = {}): string {
    return createClientAssertion({
      clientId: this.clientId,
      audience: this.tokenEndpoint,
      privateKey: this.certificate.privateKey,
      thumbprintSha256Hex: this.certificate.thumbprintSha256Hex,
      thumbprintSha1Hex: this.certificate.thumbprintSha1Hex,
      now: this.emulator.clock.nowSeconds(),
      ...overrides,
    });
  }

  async requestToken(form: Record<string, string> = {}, tenantSegment = this.tenantId): Promise<FetchResult> {
    const body = new URLSearchParams({
      client_id: this.clientId,
      scope: 'https://graph.microsoft.com/.default',
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: this.assertion(),
      ...form,
    });
    return this.fetch(`/${tenantSegment}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  }

  async token(): Promise<string> {
    const result = await this.requestToken();
    if (result.status !== 200) throw new Error(`token request failed: ${result.text}`);
    return String(result.json['access_token']);
  }

  async graph(
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string; token?: string } = {},
  ): Promise<FetchResult> {
    const token = init.token ?? (await this.token());
    return this.fetch(path.startsWith('https://') ? path : `/v1.0${path}`, {
      method: init.method,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
      body: init.body,
    });
  }

  async fetch(
    pathOrUrl: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<FetchResult> {
    const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${this.emulator.baseUrl}${pathOrUrl}`;
    const response = await fetch(url, { ...init, dispatcher: this.agent, redirect: 'manual' });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = {};
    }
    return { status: response.status, headers: response.headers, json, text, bytes };
  }

  async close(): Promise<void> {
    await this.agent.close();
    await this.emulator.close();
  }
}
