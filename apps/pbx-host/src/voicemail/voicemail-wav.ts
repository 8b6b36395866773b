/** Telephone-quality PCM, as PBX voicemail is stored: 8 kHz, 16 bit, mono. */
const SAMPLE_RATE = 8000;
const BYTES_PER_SAMPLE = 2;

/** A WAV recording of `seconds` of a quiet 440 Hz tone (the reference host has no media server to record real calls). */
export function voicemailWav(seconds: number): Buffer {
  const samples = Math.round(seconds * SAMPLE_RATE);
  const dataBytes = samples * BYTES_PER_SAMPLE;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(SAMPLE_RATE, 24);
  wav.writeUInt32LE(SAMPLE_RATE * BYTES_PER_SAMPLE, 28);
  wav.writeUInt16LE(BYTES_PER_SAMPLE, 32);
  wav.writeUInt16LE(8 * BYTES_PER_SAMPLE, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples; i++) {
    wav.writeInt16LE(
      Math.round(2000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)),
      44 + i * BYTES_PER_SAMPLE,
    );
  }
  return wav;
}
