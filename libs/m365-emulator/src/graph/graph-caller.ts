import type { TenantState } from '../state/tenant.state';

/** Who is calling Graph, from a validated access token. */
export interface GraphCaller {
  readonly tenant: TenantState;
  readonly appId: string;
  readonly kind: 'app' | 'delegated';
  /** Application permissions (roles) or delegated scopes (scp). */
  readonly permissions: ReadonlySet<string>;
  readonly userId: string | undefined;
  /** The token's `aud`: the Graph host of the caller's cloud (docs/graph-notes.md §2). */
  readonly audience: string;
}
