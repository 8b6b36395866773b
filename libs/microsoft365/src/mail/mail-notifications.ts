import {
  type GraphMailMessage,
  type MailAttachmentInput,
  type MailRecipientInput,
} from './graph-mail-message';

/** Ready-made PBX notifications; hosts with their own templates build a {@link GraphMailMessage} directly. */
export interface CallParty {
  number: string;
  name?: string;
}

export interface VoicemailNotification {
  to: MailRecipientInput[];
  caller: CallParty;
  /** The mailbox owner's extension. */
  extension: string;
  receivedAt: Date;
  durationSeconds: number;
  /** IANA time zone of the PBX tenant, for the time shown. */
  timeZone?: string;
  /** The recording, usually WAV; attachments of 3 MB and more take the upload-session path. */
  recording?: MailAttachmentInput;
}

export interface MissedCallNotification {
  to: MailRecipientInput[];
  caller: CallParty;
  extension: string;
  at: Date;
  timeZone?: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function who(caller: CallParty): string {
  return caller.name ? `${caller.name} (${caller.number})` : caller.number;
}

function when(date: Date, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: timeZone ?? 'UTC',
    timeZoneName: 'short',
  }).format(date);
}

function duration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

function html(lines: [string, string][], intro: string): string {
  const rows = lines
    .map(([label, value]) => `<tr><td><b>${escapeHtml(label)}</b></td><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  return `<p>${escapeHtml(intro)}</p><table>${rows}</table>`;
}

export function voicemailNotification(input: VoicemailNotification): GraphMailMessage {
  const lines: [string, string][] = [
    ['From', who(input.caller)],
    ['Extension', input.extension],
    ['Received', when(input.receivedAt, input.timeZone)],
    ['Length', duration(input.durationSeconds)],
  ];
  const intro = input.recording
    ? 'You have a new voicemail; the recording is attached.'
    : 'You have a new voicemail.';
  return {
    to: input.to,
    subject: `New voicemail from ${who(input.caller)} (${duration(input.durationSeconds)})`,
    text: `${intro}\n\n${lines.map(([label, value]) => `${label}: ${value}`).join('\n')}\n`,
    html: html(lines, intro),
    headers: { 'x-pbx-notification': 'voicemail' },
    ...(input.recording ? { attachments: [{ contentType: 'audio/wav', ...input.recording }] } : {}),
  };
}

export function missedCallNotification(input: MissedCallNotification): GraphMailMessage {
  const lines: [string, string][] = [
    ['From', who(input.caller)],
    ['Extension', input.extension],
    ['Time', when(input.at, input.timeZone)],
  ];
  const intro = 'You missed a call.';
  return {
    to: input.to,
    subject: `Missed call from ${who(input.caller)}`,
    text: `${intro}\n\n${lines.map(([label, value]) => `${label}: ${value}`).join('\n')}\n`,
    html: html(lines, intro),
    headers: { 'x-pbx-notification': 'missed-call' },
  };
}
