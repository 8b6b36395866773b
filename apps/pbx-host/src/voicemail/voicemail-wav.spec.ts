import { voicemailWav } from './voicemail-wav';

describe(voicemailWav.name, () => {
  it('writes a valid 8 kHz 16-bit mono PCM WAV of the asked length', () => {
    const wav = voicemailWav(2);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.readUInt32LE(40)).toBe(32_000);
    expect(wav.length).toBe(44 + 32_000);
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
  });

  it('makes a long message big enough for the upload-session path (3 MB and more)', () => {
    expect(voicemailWav(200).length).toBeGreaterThan(3 * 1024 * 1024);
  });
});
