import { Agent } from 'undici';

/** An undici dispatcher that trusts the emulator CA (for fetch, MSAL's networkClient, graph-client fetchOptions). */
export function createTrustingAgent(caPem: string): Agent {
  return new Agent({ connect: { ca: caPem }, keepAliveTimeout: 1_000 });
}
