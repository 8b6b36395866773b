import { type GraphMailMessage } from './graph-mail-message';
import { MAIL_LIMITS } from './mail-limits';

/** A large test attachment: just over the 3 MB at which Graph requires an upload session. */
export const LARGE_TEST_ATTACHMENT_BYTES = MAIL_LIMITS.uploadSessionMinBytes + 512 * 1024;

/** A WAV file of `bytes` (header plus silence), as a voicemail recording would be. */
export function silentWav(bytes: number): Buffer {
  const dataBytes = Math.max(0, bytes - 44);
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(8000, 24); // 8 kHz, telephone quality
  wav.writeUInt32LE(16000, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  return wav;
}

export function testMailMessage(input: {
  to: string;
  subject?: string;
  attachment?: 'small' | 'large';
}): GraphMailMessage {
  const size = input.attachment === 'large' ? LARGE_TEST_ATTACHMENT_BYTES : 16_044;
  return {
    to: [input.to],
    subject: input.subject ?? 'Test message from your PBX (Microsoft 365)',
    text:
      'This test message was sent by your PBX through Microsoft Graph. If it arrived, voicemail and ' +
      'notification mail will arrive too.\n',
    headers: { 'x-pbx-notification': 'test' },
    ...(input.attachment
      ? {
          attachments: [
            { filename: 'test-recording.wav', contentType: 'audio/wav', content: silentWav(size) },
          ],
        }
      : {}),
  };
}
