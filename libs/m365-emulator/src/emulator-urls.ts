/** Absolute URLs of the emulator; known once the server listens. */
export class EmulatorUrls {
  private port = 0;

  setPort(port: number): void {
    this.port = port;
  }

  /** host:port as MSAL's knownAuthorities wants it. */
  get authorityHost(): string {
    return `localhost:${this.port}`;
  }

  get baseUrl(): string {
    return `https://${this.authorityHost}`;
  }

  get graphBaseUrl(): string {
    return `${this.baseUrl}/v1.0`;
  }

  authority(tenantPathSegment: string): string {
    return `${this.baseUrl}/${tenantPathSegment}`;
  }

  /**
   * v2 issuer; for the multi-tenant documents Entra publishes the literal {tenantid} template
   * (docs/graph-notes.md §11).
   */
  issuer(tenantId: string): string {
    return `${this.baseUrl}/${tenantId}/v2.0`;
  }

  tokenEndpoint(tenantPathSegment: string): string {
    return `${this.baseUrl}/${tenantPathSegment}/oauth2/v2.0/token`;
  }
}
