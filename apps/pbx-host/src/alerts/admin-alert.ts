import { HealthState, type Microsoft365Event } from '@pbx/microsoft365';

export interface AdminAlert {
  subject: string;
  text: string;
}

const FEATURE_NAMES: Record<string, string> = {
  USER_SYNC: 'User sync',
  CONTACT_SYNC: 'Contact sync',
  PRESENCE: 'Calendar presence',
  SUBSCRIPTIONS: 'Change notifications',
};

/**
 * The mail a tenant's admins get for an event of the Microsoft 365 module, or null for events that need no person.
 * One event is one transition (the module announces each once), so one event is at most one mail.
 */
export function adminAlertFor(event: Microsoft365Event): AdminAlert | null {
  switch (event.type) {
    case 'feature.health-changed': {
      const name = FEATURE_NAMES[event.feature] ?? event.feature;
      if (event.to === HealthState.Healthy) {
        return {
          subject: `[PBX] ${name} with Microsoft 365 works again`,
          text: `${name} is healthy again (${event.recoveredBy === 'admin' ? 'restarted by an admin' : 'it succeeded'}).`,
        };
      }
      const failure = event.failure;
      const lines = [
        `${name} failed ${event.consecutiveFailures} time(s) in a row and is now ${event.to.toLowerCase()}.`,
        failure ? `Error: ${failure.code}: ${failure.message}` : '',
        failure?.microsoftCode ? `Microsoft's code: ${failure.microsoftCode}` : '',
        failure?.requestId ? `Microsoft request id: ${failure.requestId}` : '',
        failure?.action ? `What to do: ${failure.action}` : '',
        event.nextAttemptAt ? `Next automatic attempt: ${event.nextAttemptAt.toISOString()}` : '',
      ];
      return {
        subject: `[PBX] ${name} with Microsoft 365 is ${event.to.toLowerCase()}`,
        text: lines.filter((line) => line !== '').join('\n'),
      };
    }
    case 'certificate.expiring':
      return { subject: '[PBX] The Microsoft 365 certificate expires soon', text: event.message };
    case 'user-sync.deletion-guard-tripped':
      return {
        subject: '[PBX] A user sync is waiting for your decision',
        text: `${event.reason}. ${event.staged} user(s) are held back until you confirm or reject run ${event.runId}.`,
      };
    case 'certificate.rotated':
      return null;
  }
}
