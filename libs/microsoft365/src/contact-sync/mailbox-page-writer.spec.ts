import { type FolderPageInput } from './contact-folder-pages.statements';
import { type AppliedCounts } from './contact-sync.applier';
import { MailboxPageWriter } from './mailbox-page-writer';

function page(folderId: string): FolderPageInput {
  return {
    pbxTenantId: 't1',
    folder: {
      owner: 'user:u1',
      mailboxId: 'm1',
      folderId,
      path: `Contacts/${folderId}`,
      userPrincipalName: null,
    },
    plan: { upserts: [], deletes: [], presentIds: [], goneIds: [] },
    cursor: { deltaLink: null, resumeLink: null, passId: 'p' },
    endsFullPass: false,
  };
}

/** A writer whose batches are recorded and answered when the test says so. */
function recordingWriter() {
  const batches: string[][] = [];
  const answers: { resolve: (counts: AppliedCounts[]) => void; reject: (error: unknown) => void }[] = [];
  const writer = new MailboxPageWriter(
    (pages) =>
      new Promise<AppliedCounts[]>((resolve, reject) => {
        batches.push(pages.map((p) => p.folder.folderId));
        answers.push({ resolve, reject });
      }),
  );
  const answer = (index: number) =>
    answers[index]?.resolve((batches[index] ?? []).map((_, i) => ({ upserted: i + 1, deleted: 0 })));
  return { writer, batches, answers, answer };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MailboxPageWriter', () => {
  it('writes the pages of folders read in parallel together once no folder is reading', async () => {
    const { writer, batches, answer } = recordingWriter();
    writer.reading();
    writer.reading();
    writer.reading();
    const a = writer.write(page('a'));
    writer.settled(); // b: an idle round
    await tick();
    expect(batches).toEqual([]); // c is still reading
    const c = writer.write(page('c'));
    await tick();
    expect(batches).toEqual([['a', 'c']]);
    answer(0);
    await expect(a).resolves.toEqual({ upserted: 1, deleted: 0 });
    await expect(c).resolves.toEqual({ upserted: 2, deleted: 0 });
  });

  it('keeps pages that arrive during a write for the next one, one write at a time', async () => {
    const { writer, batches, answer } = recordingWriter();
    writer.reading();
    writer.reading();
    const a = writer.write(page('a'));
    writer.reading(); // a third folder starts reading while b still reads
    const b = writer.write(page('b'));
    await tick();
    expect(batches).toEqual([]);
    const c = writer.write(page('c'));
    await tick();
    expect(batches).toEqual([['a', 'b', 'c']]);
    writer.reading();
    const a2 = writer.write(page('a'));
    await tick();
    expect(batches).toHaveLength(1); // the first write is still running
    answer(0);
    await Promise.all([a, b, c]);
    await tick();
    expect(batches).toEqual([['a', 'b', 'c'], ['a']]);
    answer(1);
    await expect(a2).resolves.toEqual({ upserted: 1, deleted: 0 });
  });

  it('fails every page of a batch whose write failed, and goes on with the next batch', async () => {
    const { writer, batches, answers, answer } = recordingWriter();
    writer.reading();
    writer.reading();
    const a = writer.write(page('a'));
    const b = writer.write(page('b'));
    answers[0]?.reject(new Error('deadlock detected'));
    await expect(a).rejects.toThrow('deadlock detected');
    await expect(b).rejects.toThrow('deadlock detected');
    writer.reading();
    const c = writer.write(page('c'));
    await tick();
    expect(batches).toEqual([['a', 'b'], ['c']]);
    answer(1);
    await expect(c).resolves.toEqual({ upserted: 1, deleted: 0 });
  });

  it('does not leave a page waiting for a folder that stopped', async () => {
    const { writer, batches } = recordingWriter();
    writer.reading();
    writer.reading();
    void writer.write(page('a'));
    await tick();
    expect(batches).toEqual([]);
    writer.settled(); // b's read failed
    await tick();
    expect(batches).toEqual([['a']]);
  });
});
