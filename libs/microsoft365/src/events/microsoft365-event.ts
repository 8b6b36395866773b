import { type HealthFeature, type HealthState } from '../health/feature-health';
import { type HealthFailure } from '../health/feature-health.entity';
import { type ExpiryWarningLevel } from '../keys/key-pair-status';

/** Things the host may want to tell its admins about (by mail, in its notification centre, ...). */
export type Microsoft365Event =
  | {
      type: 'certificate.expiring';
      pbxTenantId: string;
      level: ExpiryWarningLevel;
      keyPairId: string;
      thumbprintSha256: string;
      notAfter: Date;
      message: string;
    }
  | {
      type: 'certificate.rotated';
      pbxTenantId: string;
      activeKeyPairId: string;
      retiredKeyPairId: string | null;
    }
  | {
      /** A user sync would have disabled or deleted too many users; an admin must confirm or reject. */
      type: 'user-sync.deletion-guard-tripped';
      pbxTenantId: string;
      runId: string;
      staged: number;
      reason: string;
    }
  | {
      /**
       * A background feature moved between healthy, degraded and quarantined; emitted once per transition across
       * every instance. `failure` is the latest failure (null when it recovered).
       */
      type: 'feature.health-changed';
      pbxTenantId: string;
      feature: HealthFeature;
      from: HealthState;
      to: HealthState;
      consecutiveFailures: number;
      failure: HealthFailure | null;
      nextAttemptAt: Date | null;
      /** Why it recovered: its first success, or an admin restarted it. */
      recoveredBy?: 'success' | 'admin';
    };
