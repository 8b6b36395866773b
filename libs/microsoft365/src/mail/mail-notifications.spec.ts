import { escapeHtml, missedCallNotification, voicemailNotification } from './mail-notifications';
import { silentWav, testMailMessage } from './test-mail';

describe('PBX notification mail', () => {
  it('builds a voicemail mail with the recording and escaped caller data', () => {
    const recording = silentWav(1000);
    const message = voicemailNotification({
      to: ['ann@contoso.com'],
      caller: { number: '+49 30 1234', name: 'Bob <script>' },
      extension: '201',
      receivedAt: new Date('2026-11-22T10:05:00Z'),
      durationSeconds: 75,
      timeZone: 'Europe/Berlin',
      recording: { filename: 'voicemail.wav', content: recording },
    });
    expect(message.subject).toBe('New voicemail from Bob <script> (+49 30 1234) (1:15)');
    expect(message.html).toContain('Bob &#60;script&#62;');
    expect(message.html).not.toContain('<script>');
    expect(message.text).toContain('Received: 22 Nov 2026, 11:05 CET');
    expect(message.attachments).toEqual([
      { filename: 'voicemail.wav', contentType: 'audio/wav', content: recording },
    ]);
  });

  it('builds a missed-call mail', () => {
    const message = missedCallNotification({
      to: ['ann@contoso.com'],
      caller: { number: '+1 555 0100' },
      extension: '201',
      at: new Date('2026-11-22T10:05:00Z'),
    });
    expect(message.subject).toBe('Missed call from +1 555 0100');
    expect(message.text).toContain('Time: 22 Nov 2026, 10:05 UTC');
    expect(message.attachments).toBeUndefined();
    expect(escapeHtml(`a&"'`)).toBe('a&#38;&#34;&#39;');
  });

  it('makes test mails with a valid WAV of the requested size', () => {
    const large = testMailMessage({ to: 'a@contoso.com', attachment: 'large' });
    const wav = Buffer.from(large.attachments![0]!.content);
    expect(wav.length).toBeGreaterThan(3 * 1024 * 1024);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    expect(testMailMessage({ to: 'a@contoso.com' }).attachments).toBeUndefined();
  });
});
